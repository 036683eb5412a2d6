package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// TestGoneWriteTool: a declared write tool missing from tools/list is
// tool.declared's failure when the list was read whole (so n/a here, one
// root cause, one failure), and not known when it was not.
func TestGoneWriteTool(t *testing.T) {
	tests := []struct {
		name       string
		incomplete string
		status     check.Status
		detail     string
	}{
		{"tools/list read whole", "", check.NA, "not in the live tools/list (tool.declared fails for it)"},
		{"tools/list cut short", "tools/list stopped after 50 pages (--max-pages)", check.Error, "tools/list was not read whole (tools/list stopped after 50 pages (--max-pages))"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := assemble(plan(Input{
				Declared:        []manifest.Tool{{Name: "delete_order", Kind: manifest.KindDestructive}},
				ToolsIncomplete: tc.incomplete,
			}))
			if len(out.Results) != 1 {
				t.Fatalf("results %+v", out.Results)
			}
			if r := out.Results[0]; r.ID != checkConfirmation || r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("got %s %s %q, want %s containing %q", r.ID, r.Status, r.Detail, tc.status, tc.detail)
			}
		})
	}
}

func TestRefusal(t *testing.T) {
	in := Input{
		Tools: []live.Tool{
			{Name: "search", Hints: hints(true, false, false)},
			{Name: "export", Hints: hints(true, false, false)},
			{Name: "failing", Hints: hints(true, false, false)},
			{Name: "send", Hints: hints(false, false, true)},
		},
		Callable: []string{"search", "failing", "send"},
		Results: map[string]json.RawMessage{
			"search": json.RawMessage(`{"content":[]}`),
			"export": json.RawMessage(`{"content":[]}`), // recorded, but not callable
			"send":   json.RawMessage(`"not a CallToolResult"`),
		},
	}
	tests := []struct {
		name, tool string
		incomplete string
		answered   bool
		why        string
		defect     bool
	}{
		{name: "callable with a recorded result is answered", tool: "search", answered: true},
		{name: "recorded but not callable", tool: "export", why: "it is not in probe.callable"},
		{name: "callable whose call failed", tool: "failing", why: "the probe recorded no result"},
		{name: "write tool", tool: "send", why: "the probe recorded no result for it (its call failed, or it is a write tool"},
		{name: "not a live tool", tool: "nope", why: "not in the live tools/list, so a real host refuses it too", defect: true},
		{name: "not in a list cut short", tool: "nope", incomplete: "the 500-tool bound", why: "tools/list was not read whole: the 500-tool bound"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := in
			in.ToolsIncomplete = tc.incomplete
			liveTools := map[string]*live.Tool{}
			for i := range in.Tools {
				liveTools[in.Tools[i].Name] = &in.Tools[i]
			}
			h := newHostTools(in, liveTools, nil)
			if _, ok := h.answers[tc.tool]; ok != tc.answered {
				t.Errorf("answered %t, want %t", ok, tc.answered)
			}
			if tc.answered {
				return
			}
			why, defect := h.refusal(tc.tool)
			if !strings.Contains(why, tc.why) || defect != tc.defect {
				t.Errorf("got %q %t, want %q %t", why, defect, tc.why, tc.defect)
			}
		})
	}
}

func TestBlank(t *testing.T) {
	shot := func(draw func(*image.RGBA)) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 1280, 800))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for y := range hostHeader { // the host's dark header is not the widget
			for x := range 1280 {
				img.Set(x, y, color.RGBA{39, 39, 42, 255})
			}
		}
		draw(img)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	box := func(x0, y0, w, h int, c color.RGBA) func(*image.RGBA) {
		return func(img *image.RGBA) {
			for y := y0; y < y0+h; y++ {
				for x := x0; x < x0+w; x++ {
					img.Set(x, y, c)
				}
			}
		}
	}
	tests := []struct {
		name  string
		draw  func(*image.RGBA)
		blank bool
	}{
		{"white", func(*image.RGBA) {}, true},
		{"a few stray pixels", box(100, 100, 4, 4, color.RGBA{0, 0, 0, 255}), true},
		{"anti-aliasing noise", box(100, 100, 400, 300, color.RGBA{245, 245, 245, 255}), true},
		{"a short word's worth of ink", box(100, 100, 20, 8, color.RGBA{0, 0, 0, 255}), false},
		{"a dark page with nothing on it", box(0, 40, 1280, 760, color.RGBA{20, 20, 20, 255}), true},
		{"a full-width chart", box(0, 300, 1280, 200, color.RGBA{37, 99, 235, 255}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, n := blank(shot(tc.draw)); got != tc.blank {
				t.Errorf("blank %t (%d differing), want %t", got, n, tc.blank)
			}
		})
	}
	if b, _ := blank([]byte("not a png")); b {
		t.Error("an undecodable screenshot is blank")
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("a", maxText-1) + "é" // é straddles the cut
	tests := []struct{ name, in, want string }{
		{"short", "abc", "abc"},
		{"exactly the bound", strings.Repeat("a", maxText), strings.Repeat("a", maxText)},
		{"cut before a rune it would split", long, strings.Repeat("a", maxText-1) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clip(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNoPrompts: with the prompts left to build, a run with write tools
// and no widget starts no browser and says where the capture is made; a
// widget still starts one, and its prompts are left undrawn all the same.
func TestNoPrompts(t *testing.T) {
	exe, err := os.Executable() // any existing file passes discovery
	if err != nil {
		t.Fatal(err)
	}
	tools := []live.Tool{{Name: "send", Hints: hints(false, false, true), UI: "ui://x/w"}, {Name: "get", Hints: hints(true, false, false)}}
	tests := []struct {
		name      string
		resources []live.Resource
		launches  int
	}{
		{"no widget", nil, 0},
		{"a widget", []live.Resource{{URI: "ui://x/w", HTML: "<p>hi</p>"}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			launches := 0
			fake := &fakeBrowser{}
			out, err := Run(t.Context(), Input{Resources: tc.resources, Tools: tools}, Options{ChromePath: exe, NoPrompts: true,
				Launch: func(context.Context, string) (Browser, error) { launches++; return fake, nil }})
			if err != nil {
				t.Fatal(err)
			}
			if launches != tc.launches || fake.closed != (tc.launches > 0) {
				t.Errorf("launches %d, closed %t; want %d", launches, fake.closed, tc.launches)
			}
			n := 0
			for _, r := range out.Results {
				if r.ID != checkConfirmation {
					continue
				}
				n++
				if r.Subject != "tool:send" || r.Status != check.NA || r.Basis != check.Probed || !strings.Contains(r.Detail, "made when the pack is built") || len(r.Evidence) != 1 {
					t.Errorf("%s: %s %s %q %v", r.Subject, r.Status, r.Basis, r.Detail, r.Evidence)
				}
			}
			if n != 1 || len(out.Captures) != 0 {
				t.Errorf("%d confirmation results, %d captures; want 1 and 0", n, len(out.Captures))
			}
		})
	}
}

// TestDrawing: the progress line counts what the browser will render, not
// what is skipped or decided without it.
func TestDrawing(t *testing.T) {
	decided := &check.Result{}
	tests := []struct {
		name string
		jobs []*job
		want string
	}{
		{"widgets and prompts", []*job{{kind: widgetJob}, {kind: widgetJob}, {kind: promptJob}}, "2 widgets and 1 confirmation prompt"},
		{"one widget, a skipped one, a decided prompt", []*job{{kind: widgetJob}, {kind: widgetJob, skip: "not HTML"}, {kind: promptJob, decided: decided}}, "1 widget"},
		{"prompts only", []*job{{kind: promptJob}, {kind: promptJob}}, "2 confirmation prompts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := drawing(tc.jobs); got != tc.want {
				t.Errorf("drawing = %q, want %q", got, tc.want)
			}
		})
	}
}
