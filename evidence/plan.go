package evidence

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

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
	host     *hostTools      // widget: what the test host answers to the widget's own tools/call

	// skip says why a widget is not rendered (its HTML was not read whole,
	// or is empty): its checks are error with this reason.
	skip string

	// decided is set for a write tool that cannot get a prompt capture
	// (not live, or live as read-only); trace is still recorded.
	decided *check.Result

	// filled by render
	capture live.Capture
	start   startup
	blank   bool   // the screenshot's widget area is nearly uniform
	differ  int    // how many of its pixels differ from the dominant colour
	png     []byte // the screenshot, unless it was written to pngFile
	pngFile string // where the screenshot was written (Options.Spool)
	pngSize int64
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

	host := newHostTools(in, liveTools, declared)
	var jobs []*job
	widgets := make(map[string]*job)
	res := append([]live.Resource(nil), in.Resources...)
	sort.SliceStable(res, func(i, j int) bool { return res[i].URI < res[j].URI })
	for _, r := range res {
		if _, dup := widgets[r.URI]; dup {
			continue
		}
		j := &job{kind: widgetJob, subject: "widget:" + r.URI, res: r, host: host, skip: unrenderable(r)}
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
		case lt == nil && in.ToolsIncomplete != "":
			j.decided = &check.Result{
				Status: check.Error, Basis: check.Declared,
				Detail: fmt.Sprintf("The manifest declares %q as a write tool and it is not in the part of tools/list that was read, but tools/list was not read whole (%s), so whether it is live is not known and no prompt was rendered; raise the bound to judge it.", name, in.ToolsIncomplete),
			}
		// The two cases below are failures already counted by another check
		// (one root cause, one failure): there is no prompt to capture, and
		// this result points at the check that fails.
		case lt == nil:
			j.decided = &check.Result{
				Status: check.NA, Basis: check.Declared,
				Detail: fmt.Sprintf("No prompt to capture: the manifest declares %q as a write tool, but it is not in the live tools/list (tool.declared fails for it), so there are no live annotations to show a confirmation for.", name),
			}
		case !liveWrite:
			j.decided = &check.Result{
				Status: check.NA, Basis: check.Probed,
				Detail: fmt.Sprintf("No prompt to capture: %q is declared as a write tool but is live with readOnlyHint: true, so the host will not ask for confirmation (tool.write-labeled fails for it); the trace shows the live entry.", name),
			}
		}
		if lt != nil && lt.UI != "" {
			if w := widgets[lt.UI]; w != nil && w.skip == "" {
				j.preview = w
			}
		}
		jobs = append(jobs, j)
	}
	for i, j := range jobs {
		j.key = fmt.Sprintf("p%03d", i+1)
	}
	return jobs
}

// needsBrowser reports whether j is drawn: a widget that can be rendered,
// or a write tool's prompt not already judged from the plan.
func (j *job) needsBrowser() bool {
	return (j.kind == widgetJob && j.skip == "") || (j.kind == promptJob && j.decided == nil)
}

// deferPrompts decides every prompt that would be drawn as na: the run
// writes no pack, and the capture is made when the pack is built. The
// live tools/list entry that makes the host ask is still the trace.
func deferPrompts(jobs []*job) {
	for _, j := range jobs {
		if j.kind != promptJob || j.decided != nil {
			continue
		}
		j.preview = nil
		j.decided = &check.Result{
			Status: check.NA, Basis: check.Probed,
			Detail: fmt.Sprintf("The simulated confirmation-prompt capture is made when the pack is built (dossier build or dossier demo); dossier check writes no pack and does not draw it. The live annotations make the host ask (%s); the trace holds the live tools/list entry.", hintSummary(j.tool.Hints)),
		}
	}
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

// unrenderable says why a UI resource cannot be rendered: rendering a part
// of a widget, or nothing, would judge something the server did not send.
func unrenderable(r live.Resource) string {
	switch {
	case r.Incomplete != "":
		return fmt.Sprintf("The UI resource was not read whole (%s), so it was not rendered and nothing resting on its HTML is judged; raise the bound to judge it.", r.Incomplete)
	case strings.TrimSpace(r.HTML) == "":
		return "The server's resources/read returned no HTML for this UI resource, so there is nothing to render and nothing resting on it is judged (see widget.resource)."
	}
	return ""
}

// hostTools is what the test host knows about the tools a widget may call
// through the bridge (MCP Apps tools/call or window.openai.callTool): it
// answers a callable tool the probe called with the recorded result and
// refuses every other call. It never calls the live server, so never a
// write tool.
type hostTools struct {
	answers    map[string]json.RawMessage // callable tools with a recorded result
	server     *url.URL                   // the MCP server: the app's own origin
	callable   map[string]bool
	live       map[string]*live.Tool
	declared   map[string]*manifest.Tool
	incomplete string // why tools/list was not read whole
}

func newHostTools(in Input, liveTools map[string]*live.Tool, declared map[string]*manifest.Tool) *hostTools {
	h := &hostTools{answers: map[string]json.RawMessage{}, callable: map[string]bool{}, live: liveTools, declared: declared, incomplete: in.ToolsIncomplete}
	if u, ok := parseURL(in.Server); ok {
		h.server = u
	}
	for _, name := range in.Callable {
		h.callable[name] = true
		var obj map[string]json.RawMessage
		if res, ok := in.Results[name]; ok && json.Unmarshal(res, &obj) == nil {
			h.answers[name] = res
		}
	}
	return h
}

// refusal says why the test host refused a widget's call of the tool name,
// and whether that is the widget's defect (a tool the complete live
// tools/list does not have: a real host refuses it too) rather than a
// limit of the test host.
func (h *hostTools) refusal(name string) (why string, defect bool) {
	lt := h.live[name]
	write := (lt != nil && (lt.Hints.ReadOnly == nil || !*lt.Hints.ReadOnly)) || (h.declared[name] != nil && h.declared[name].IsWrite())
	switch {
	case lt == nil && h.incomplete != "":
		return fmt.Sprintf("it is not in the part of tools/list that was read (tools/list was not read whole: %s)", h.incomplete), false
	case lt == nil:
		return "it is not in the live tools/list, so a real host refuses it too", true
	case !h.callable[name] && write:
		return "it is not in probe.callable, so the probe recorded no result for it (a write tool is called only when listed there and allowed with --allow-write)", false
	case !h.callable[name]:
		return "it is not in probe.callable, so the probe recorded no result for it (list it there, with an example in tools[], to render the widget with its result)", false
	}
	return "the probe recorded no result for it (its call failed, or it is a write tool not allowed with --allow-write)", false
}

// own reports whether raw is on the app's own server (the MCP server's
// origin).
func (h *hostTools) own(raw string) bool {
	u, ok := parseURL(raw)
	return ok && h.server != nil && sameOrigin(h.server, u)
}
