package evidence

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dossier-dev/dossier/pack/check"
)

// startup is what widget.render rests on: how the widget began talking to
// the host, and what kept it from starting.
type startup struct {
	handshake bool     // it sent ui/notifications/initialized after the host answered ui/initialize
	sentInit  bool     // it sent ui/initialize
	openai    []string // the window.openai properties it read
	errors    []string // uncaught exceptions and rejections (console lines)
	loads     []failedLoad
	refused   []refusedCall
	unserved  []string // requests (by method) the test host could not answer
	answered  []string // tools whose calls the host answered from recorded results
	loaded    bool     // the widget's document fired its load event
}

// started reports whether the widget began talking to its host: the
// MCP Apps handshake, or window.openai.
func (st *startup) started() bool { return st.handshake || len(st.openai) > 0 }

// failedLoad is an element whose resource did not arrive.
type failedLoad struct {
	kind, url string
	why       string
	csp       bool // its declared CSP blocked it
}

// needed: without its scripts and styles a widget is not the widget.
func (l failedLoad) needed() bool { return l.kind == "script" || l.kind == "style" }

func (l failedLoad) String() string { return clip(l.kind) + " " + clip(l.url) + ": " + l.why }

// refusedCall is a tools/call of the widget's the test host refused.
type refusedCall struct {
	name, why string
	defect    bool // a real host refuses it too
}

func (r refusedCall) String() string {
	return "tools/call " + strconv.Quote(clip(r.name)) + ": " + r.why
}

// unservedWhy says why a request the test host could not answer leaves
// widget.render unjudged.
const unservedWhy = "the dossier test host does not serve it (a real host would, forwarding it to the server), so what the widget showed after it cannot be judged"

// maxText bounds a string the widget chose (an exception's message, a tool
// name, a URL) wherever it is quoted in a result or the capture record.
const maxText = 300

// clip shortens s to maxText bytes at a rune boundary, marking the cut.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// loadReason says why the resource at u did not arrive: blocked by the
// CSP (the directive), else the HTTP status or network error the browser's
// network record gives (the "network: " lines of the console), else
// unknown.
func loadReason(u string, blocked map[string]string, console []string) (string, bool) {
	if d, ok := blocked[u]; ok {
		return "blocked by its declared CSP (" + d + ")", true
	}
	for _, line := range console {
		rest, ok := strings.CutPrefix(line, "network: "+u+" ")
		if !ok {
			continue
		}
		if code, ok := strings.CutPrefix(rest, "answered "); ok {
			if n, err := strconv.Atoi(code); err == nil && http.StatusText(n) != "" {
				code += " (" + http.StatusText(n) + ")"
			}
			return "the server answered " + code, false
		}
		return "the request " + rest, false
	}
	return "it did not load (the browser gave no reason)", false
}

// crossOriginError is how Chrome words the SecurityError a widget gets for
// touching the host page: an escape attempt (widget.sandbox-escape), the
// sandbox working, not the widget failing to start.
var crossOriginError = regexp.MustCompile(`cross-origin frame|Blocked a frame`)

// uncaught picks the console's uncaught exceptions and unhandled
// rejections that came from the widget (not the host page), with the
// widget document's lines mapped back to the HTML the server sent.
func uncaught(console []string, hostURL string, p *page) []string {
	var out []string
	for _, line := range console {
		msg, ok := strings.CutPrefix(line, "exception: ")
		if !ok || strings.Contains(msg, "("+hostURL+":") || crossOriginError.MatchString(msg) {
			continue
		}
		if i := strings.LastIndex(msg, "("+p.frameURL+":"); i >= 0 && strings.HasSuffix(msg, ")") {
			if n, err := strconv.Atoi(msg[i+len(p.frameURL)+2 : len(msg)-1]); err == nil {
				msg = msg[:i] + "(" + p.sourceLine(p.frameURL, n) + ")"
			}
		}
		if msg = clip(msg); !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	return out
}

// The screenshot is of the host page: a header, then the widget's frame.
const (
	hostHeader = 40 // px, the host page's header (assets/host.html)
	// blankPixels: a widget area in which at most this many pixels differ
	// from its dominant colour shows nothing (a single short word has more).
	blankPixels = 32
)

// blank reports whether the widget's part of a host-page screenshot is
// nearly uniform, and how many of its pixels differ from the dominant
// colour (counted up to blankPixels+1: past that it is not blank).
func blank(data []byte) (bool, int) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return false, -1
	}
	b := img.Bounds()
	area := image.Rect(b.Min.X, b.Min.Y+hostHeader, b.Max.X, b.Max.Y).Intersect(b)
	if area.Empty() {
		return false, -1
	}
	at := pixelReader(img)
	// The dominant colour: the majority of a 3×3 grid of samples. In a
	// nearly uniform area every sample hits it; in any other the count
	// below soon passes the bound, whichever colour was picked.
	var samples [9][3]uint8
	for i := range samples {
		x := area.Min.X + (2*(i%3)+1)*area.Dx()/6
		y := area.Min.Y + (2*(i/3)+1)*area.Dy()/6
		samples[i] = at(x, y)
	}
	bg, best := samples[0], 0
	for _, s := range samples {
		n := 0
		for _, o := range samples {
			if near(s, o) {
				n++
			}
		}
		if n > best {
			bg, best = s, n
		}
	}
	differ := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if !near(at(x, y), bg) {
				if differ++; differ > blankPixels {
					return false, differ
				}
			}
		}
	}
	return true, differ
}

// near: the same colour up to anti-aliasing and compression noise.
func near(a, b [3]uint8) bool {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d > 24 || d < -24 {
			return false
		}
	}
	return true
}

// pixelReader reads 8-bit RGB, fast for the formats Chrome's PNGs decode to.
func pixelReader(img image.Image) func(x, y int) [3]uint8 {
	switch m := img.(type) {
	case *image.RGBA:
		return func(x, y int) [3]uint8 {
			i := m.PixOffset(x, y)
			return [3]uint8{m.Pix[i], m.Pix[i+1], m.Pix[i+2]}
		}
	case *image.NRGBA:
		return func(x, y int) [3]uint8 {
			i := m.PixOffset(x, y)
			return [3]uint8{m.Pix[i], m.Pix[i+1], m.Pix[i+2]}
		}
	}
	return func(x, y int) [3]uint8 {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
	}
}

// judgeRender decides widget.render. A cause outside the widget's control
// in the test host (its CSP blocked its own code, which widget.csp-sufficient
// reports; the host could not answer a tool it called) makes it error,
// never fail; a cause of its own (code that does not arrive, a tool that
// does not exist, a throw, no handshake, nothing drawn) makes it fail.
func judgeRender(j *job, ev []check.EvidenceID) check.Result {
	st := j.start
	r := check.Result{ID: checkRender, Subject: j.subject, Basis: check.Probed, Evidence: ev}
	var own, cspBlocked, hostLimits, symptoms []string
	for _, l := range st.loads {
		switch {
		case !l.needed():
		case l.csp:
			cspBlocked = append(cspBlocked, l.String())
		default:
			own = append(own, l.String())
		}
	}
	for _, c := range st.refused {
		s := "it called " + c.String()
		if c.defect {
			own = append(own, s)
		} else {
			hostLimits = append(hostLimits, s)
		}
	}
	for _, m := range st.unserved {
		hostLimits = append(hostLimits, "it asked the host for "+m+": "+unservedWhy)
	}
	for _, e := range st.errors {
		if strings.Contains(e, "allow-same-origin") {
			// Storage and cookies: the test host's sandbox (allow-scripts
			// only) withholds what a real host's may give.
			hostLimits = append(hostLimits, "it threw because the test host's sandbox gives it no storage or cookies (no allow-same-origin): "+e)
			continue
		}
		symptoms = append(symptoms, "it threw an uncaught error: "+e)
	}
	switch {
	case st.started():
	case st.sentInit:
		symptoms = append(symptoms, "it sent ui/initialize but never confirmed the host's answer with ui/notifications/initialized")
	default:
		symptoms = append(symptoms, "it never began the host handshake: no ui/initialize over the bridge and no use of window.openai")
	}
	if j.blank {
		symptoms = append(symptoms, fmt.Sprintf("its settled screenshot is blank (%d of the widget area's pixels differ from its background)", j.differ))
	}
	all := slices.Concat(own, cspBlocked, hostLimits, symptoms)
	switch {
	case len(all) == 0:
		r.Status = check.Pass
		how := "completed the MCP Apps handshake (ui/initialize)"
		if !st.handshake {
			how = "used window.openai (" + list(st.openai) + ")"
		}
		r.Detail = "The widget started in the test host: it " + how + ", threw no uncaught error, every script and style it loads arrived, and its settled screenshot is not blank."
		if len(st.answered) > 0 {
			r.Detail += " Its own tools/call of " + list(st.answered) + " was answered with the probe's recorded result."
		}
	case len(own) > 0:
		r.Status, r.Severity = check.Fail, check.High
		r.Detail = "The widget did not start in the test host: " + list(all) + "."
	case len(cspBlocked) > 0:
		r.Status = check.Error
		r.Detail = "The widget did not start because its declared CSP blocked code it needs (a widget.csp-sufficient failure): " + list(all) + ". Whether it starts once the CSP declares it is not known."
	case len(hostLimits) > 0:
		r.Status = check.Error
		r.Detail = "The widget could not be judged: " + list(all) + ". The test host answers only tools in probe.callable that the probe called, never calls the live server, and sandboxes the widget with allow-scripts alone."
	case !st.loaded && !st.started():
		// Its document was still loading when the capture was taken (a
		// resource that had not arrived): it did not have the chance to
		// start that a failure would say it had.
		r.Status = check.Error
		r.Detail = fmt.Sprintf("Not judged: the widget's document had not finished loading when the capture was taken (its load event never fired; the test host waits at most %s), so whether it starts was not seen: %s. Run again; if it persists, its capture record shows the requests it made.", maxWait, list(all))
	default:
		r.Status, r.Severity = check.Fail, check.High
		r.Detail = "The widget did not start in the test host: " + list(all) + "."
	}
	return r
}
