package evidence

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

type jobKind int

const (
	widgetJob jobKind = iota
	promptJob
)

// job is one page to render and everything learned from it.
type job struct {
	key     string // path segment in the harness URLs
	kind    jobKind
	subject string

	res      live.Resource
	tool     *live.Tool      // the live tool (prompt) or the first tool linking the widget
	declared *manifest.Tool  // its declaration, if any
	result   json.RawMessage // recorded tool result fed to the widget
	preview  *job            // prompt: the widget job whose PNG is shown as a preview

	// decided is set for a write tool that cannot get a prompt capture
	// (not live, or live as read-only); trace is still recorded.
	decided *check.Result

	// filled by render
	capture live.Capture
	png     []byte
	log     []byte
	trace   []byte
	err     error
	page    *page
}

// plan lists the pages to render: every UI resource (by URI), then every
// write tool (by name). Write tools are those the manifest declares as
// write, destructive or egress, and live tools not marked readOnlyHint: true.
func plan(in Input) []*job {
	liveTools := make(map[string]*live.Tool, len(in.Tools))
	for i := range in.Tools {
		liveTools[in.Tools[i].Name] = &in.Tools[i]
	}
	declared := make(map[string]*manifest.Tool, len(in.Declared))
	for i := range in.Declared {
		declared[in.Declared[i].Name] = &in.Declared[i]
	}

	var jobs []*job
	widgets := make(map[string]*job)
	res := append([]live.Resource(nil), in.Resources...)
	sort.SliceStable(res, func(i, j int) bool { return res[i].URI < res[j].URI })
	for _, r := range res {
		if _, dup := widgets[r.URI]; dup {
			continue
		}
		j := &job{kind: widgetJob, subject: "widget:" + r.URI, res: r}
		j.tool = linkingTool(r, in.Tools, in.Results)
		if j.tool != nil {
			j.declared = declared[j.tool.Name]
			j.result = in.Results[j.tool.Name]
		}
		widgets[r.URI] = j
		jobs = append(jobs, j)
	}

	names := make(map[string]bool)
	for n := range liveTools {
		names[n] = true
	}
	for n := range declared {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		lt, dt := liveTools[name], declared[name]
		liveWrite := lt != nil && (lt.Hints.ReadOnly == nil || !*lt.Hints.ReadOnly)
		declWrite := dt != nil && dt.IsWrite()
		if !liveWrite && !declWrite {
			continue
		}
		j := &job{kind: promptJob, subject: "tool:" + name, tool: lt, declared: dt}
		switch {
		case lt == nil:
			j.decided = &check.Result{
				Status: check.Fail, Basis: check.Declared, Severity: check.Medium,
				Detail: fmt.Sprintf("The manifest declares %q as a write tool, but it is not in the live tools/list, so there are no live annotations to show a confirmation for.", name),
			}
		case !liveWrite:
			j.decided = &check.Result{
				Status: check.Fail, Basis: check.Probed, Severity: check.Medium,
				Detail: fmt.Sprintf("%q is declared as a write tool but is live with readOnlyHint: true, so the host will not ask for confirmation (see tool.write-labeled); no prompt was rendered, the trace shows the live entry.", name),
			}
		}
		if lt != nil && lt.UI != "" {
			j.preview = widgets[lt.UI]
		}
		jobs = append(jobs, j)
	}
	for i, j := range jobs {
		j.key = fmt.Sprintf("p%03d", i+1)
	}
	return jobs
}

// linkingTool picks the tool whose call the widget is shown for: among the
// live tools whose UI link names r, the first by name that has a recorded
// result, else the first by name.
func linkingTool(r live.Resource, tools []live.Tool, results map[string]json.RawMessage) *live.Tool {
	var best *live.Tool
	better := func(t *live.Tool) bool {
		if best == nil {
			return true
		}
		_, tr := results[t.Name]
		_, br := results[best.Name]
		if tr != br {
			return tr
		}
		return t.Name < best.Name
	}
	for i := range tools {
		if t := &tools[i]; links(t, r) && better(t) {
			best = t
		}
	}
	return best
}

func links(t *live.Tool, r live.Resource) bool {
	if t.UI == r.URI {
		return true
	}
	for _, u := range t.UILinks {
		if u == r.URI {
			return true
		}
	}
	for _, n := range r.LinkedFrom {
		if n == t.Name {
			return true
		}
	}
	return false
}
