package evidence

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"

	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// promptCSP keeps the generated prompt inert: tool titles and descriptions
// come from the server under test, and no script is needed to show them.
const promptCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// simulatedBanner is shown across every prompt capture.
const simulatedBanner = "SIMULATED HOST RENDERING — not a screenshot of ChatGPT"

// promptBox is the id of the element a prompt capture shows: the banner,
// the dialog and the note under it, and nothing of the page around them.
// It fits the viewport (the card's height is capped), as Draw needs.
const promptBox = "prompt"

var promptTmpl = template.Must(template.New("prompt").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — simulated confirmation</title>
<style>
html,body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#18181b;background:#fff}
#prompt{width:800px;background:#d4d4d8;padding:0 0 10px}
.banner{background:#b91c1c;color:#fff;font-weight:700;font-size:18px;letter-spacing:.02em;text-align:center;padding:10px 12px;border-bottom:4px solid #fde047}
.card{width:760px;margin:18px auto 0;background:#fff;border-radius:14px;border:1px solid #a1a1aa;padding:22px 26px;box-sizing:border-box;max-height:640px;overflow:hidden}
h1{font-size:19px;margin:0 0 4px}
.name{font-family:ui-monospace,monospace;color:#52525b;font-size:12px}
.desc{margin:10px 0;color:#3f3f46;max-height:66px;overflow:hidden}
.labels span{display:inline-block;margin:0 6px 6px 0;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600}
.write{background:#fef3c7;color:#92400e}.destructive{background:#fee2e2;color:#991b1b}.open{background:#dbeafe;color:#1e40af}.note{background:#f4f4f5;color:#52525b}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
th,td{border:1px solid #e4e4e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#fafafa;width:28%;font-family:ui-monospace,monospace;font-weight:600}
td{font-family:ui-monospace,monospace;word-break:break-all}
.preview{margin-top:8px}.preview img{width:100%;max-height:170px;object-fit:cover;object-position:top;border:1px solid #e4e4e7;border-radius:8px}
.muted{color:#71717a;font-size:12px}
.buttons{text-align:right;margin-top:12px}
.buttons span{display:inline-block;padding:7px 18px;border-radius:8px;margin-left:8px;font-weight:600}
.deny{background:#f4f4f5}.allow{background:#18181b;color:#fff}
.foot{width:760px;margin:8px auto 0;color:#3f3f46;font-size:11px;text-align:center}
</style></head><body><div id="prompt">
<div class="banner">{{.Banner}}</div>
<div class="card">
<h1>Allow “{{.Title}}”?</h1>
<div class="name">tool: {{.Name}}</div>
{{if .Description}}<div class="desc">{{.Description}}</div>{{end}}
<div class="labels">{{range .Labels}}<span class="{{.Class}}">{{.Text}}</span>{{end}}</div>
{{if .Args}}<table><tr><th>argument</th><td style="font-family:inherit;font-weight:600;background:#fafafa">example value (from the manifest)</td></tr>{{range .Args}}<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{else}}<p class="muted">No example arguments are declared in the manifest (tools[].example).</p>{{end}}
{{if .Preview}}<div class="preview"><div class="muted">Widget preview ({{.PreviewURI}}):</div><img alt="widget preview" src="{{.Preview}}"></div>
{{else if .PreviewURI}}<p class="muted">The tool links the widget {{.PreviewURI}}; its render is not available.</p>{{end}}
<div class="buttons"><span class="deny">Deny</span><span class="allow">Allow</span></div>
</div>
<div class="foot">Drawn by dossier from the live tools/list entry ({{.Hints}}); the real host's dialog looks different.</div>
</div></body></html>`))

type promptLabel struct{ Class, Text string }
type promptArg struct{ Name, Value string }

// promptPage builds the simulated confirmation dialog of a write tool: a
// document drawn in place of the harness's prompt shell, under its policy.
func promptPage(j *job) ([]byte, error) {
	t := j.tool
	title := t.Title
	if title == "" {
		title = t.Name
	}
	data := struct {
		Banner, Title, Name, Description, Hints, PreviewURI string
		Preview                                             template.URL
		Labels                                              []promptLabel
		Args                                                []promptArg
	}{
		Banner: simulatedBanner, Title: title, Name: t.Name, Description: t.Description,
		Hints: hintSummary(t.Hints), Labels: labels(t.Hints), Args: exampleArgs(j.declared),
	}
	if t.UI != "" {
		data.PreviewURI = t.UI
		if j.preview != nil {
			png, err := j.preview.image()
			if err != nil {
				return nil, fmt.Errorf("reading the preview of %q: %w", t.Name, err)
			}
			if len(png) > 0 {
				data.Preview = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
			}
		}
	}
	var buf bytes.Buffer
	if err := promptTmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("building confirmation prompt for %q: %w", t.Name, err)
	}
	j.capture.HTMLSHA256 = sum(buf.Bytes())
	j.capture.Simulated = true
	j.capture.CSP = promptCSP // the record names the policy the page was rendered under, as for widgets
	return buf.Bytes(), nil
}

func labels(h live.Hints) []promptLabel {
	var out []promptLabel
	if h.ReadOnly == nil || !*h.ReadOnly {
		out = append(out, promptLabel{"write", "Write action"})
	}
	switch {
	case h.Destructive != nil && *h.Destructive:
		out = append(out, promptLabel{"destructive", "Destructive"})
	case h.Destructive == nil:
		out = append(out, promptLabel{"note", "destructiveHint absent (MCP default: destructive)"})
	}
	switch {
	case h.OpenWorld != nil && *h.OpenWorld:
		out = append(out, promptLabel{"open", "Reaches outside the app (open world)"})
	case h.OpenWorld == nil:
		out = append(out, promptLabel{"note", "openWorldHint absent (MCP default: open world)"})
	}
	return out
}

func hintSummary(h live.Hints) string {
	f := func(name string, v *bool) string {
		if v == nil {
			return name + " absent"
		}
		return fmt.Sprintf("%s: %t", name, *v)
	}
	return f("readOnlyHint", h.ReadOnly) + ", " + f("destructiveHint", h.Destructive) + ", " + f("openWorldHint", h.OpenWorld)
}

func exampleArgs(d *manifest.Tool) []promptArg {
	if d == nil || len(d.Example) == 0 {
		return nil
	}
	names := make([]string, 0, len(d.Example))
	for n := range d.Example {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]promptArg, 0, len(names))
	for _, n := range names {
		v := d.Example[n]
		s, ok := v.(string)
		if !ok {
			b, err := json.Marshal(v)
			if err != nil {
				b = []byte(fmt.Sprint(v))
			}
			s = string(b)
		}
		out = append(out, promptArg{n, clip(s)})
	}
	return out
}

// trace is the JSON that shows why the host asks: the live tools/list entry
// as observed and the declaration it is held against.
func trace(j *job) []byte {
	doc := map[string]any{
		"subject":  j.subject,
		"liveTool": j.tool,
		"declared": j.declared,
	}
	if j.tool != nil {
		doc["hostAsks"] = j.tool.Hints.ReadOnly == nil || !*j.tool.Hints.ReadOnly
		doc["why"] = "ChatGPT treats every tool without readOnlyHint: true as a write action and asks for confirmation by default; " + hintSummary(j.tool.Hints)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(doc)
	return buf.Bytes()
}
