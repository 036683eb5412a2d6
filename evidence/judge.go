package evidence

import (
	"fmt"
	"strings"

	"github.com/dossier-dev/dossier/pack/check"
)

// Check IDs this stage judges.
const (
	checkRender        = "widget.render"
	checkCSPSufficient = "widget.csp-sufficient"
	checkEgress        = "widget.egress"
	checkPrivileged    = "widget.privileged-api"
	checkEscape        = "widget.sandbox-escape"
	checkConfirmation  = "evidence.confirmation"
)

var widgetChecks = []string{checkRender, checkCSPSufficient, checkEgress, checkPrivileged, checkEscape}

// unrendered gives every job error results: nothing could be rendered.
func unrendered(jobs []*job, detail string) *Output {
	out := &Output{}
	for _, j := range jobs {
		out.Results = append(out.Results, errorResults(j, detail)...)
	}
	check.Sort(out.Results)
	return out
}

func errorResults(j *job, detail string) []check.Result {
	if j.kind == promptJob {
		return []check.Result{{ID: checkConfirmation, Subject: j.subject, Status: check.Error, Basis: check.Absent, Detail: detail}}
	}
	rs := make([]check.Result, 0, len(widgetChecks))
	for _, id := range widgetChecks {
		rs = append(rs, check.Result{ID: id, Subject: j.subject, Status: check.Error, Basis: check.Absent, Detail: detail})
	}
	return rs
}

// assemble numbers the evidence in job order (C0001 …), so IDs do not depend
// on which tab finished first, and judges each job.
func assemble(jobs []*job) *Output {
	out := &Output{}
	n := 0
	next := func(e check.Evidence, ext string) check.EvidenceID {
		n++
		e.ID = check.EvidenceID(fmt.Sprintf("C%04d", n))
		e.Path = "evidence/captures/" + string(e.ID) + "." + ext
		if e.SHA256 == "" { // a screenshot's was taken when it was captured
			e.SHA256, e.Size = sum(e.Data), int64(len(e.Data))
		}
		out.Evidence = append(out.Evidence, e)
		return e.ID
	}
	for _, j := range jobs {
		if j.kind == promptJob {
			out.Results = append(out.Results, judgePrompt(j, next, out))
			continue
		}
		if j.skip != "" {
			out.Results = append(out.Results, errorResults(j, j.skip)...)
			continue
		}
		if j.err != nil || !j.shot() {
			out.Results = append(out.Results, errorResults(j, renderError(j))...)
			continue
		}
		png := next(j.screenshot("Widget "+j.res.URI+" rendered in the test host"), "png")
		j.capture.ID = png
		collect(j)
		logID := next(check.Evidence{Kind: check.KindCSPLog, Title: "CSP reports and request log of widget " + j.res.URI, Data: j.log}, "json")
		out.Captures = append(out.Captures, j.capture)
		out.Results = append(out.Results, judgeWidget(j, []check.EvidenceID{png, logID})...)
	}
	check.Sort(out.Results)
	return out
}

// screenshot is the job's screenshot as an evidence item.
func (j *job) screenshot(title string) check.Evidence {
	return check.Evidence{Kind: check.KindScreenshot, Title: title, Data: j.png, File: j.pngFile, SHA256: j.capture.PNGSHA256, Size: j.pngSize}
}

func renderError(j *job) string {
	if j.err != nil {
		return fmt.Sprintf("rendering %s: %v", j.subject, j.err)
	}
	return "rendering " + j.subject + ": no screenshot"
}

func judgePrompt(j *job, next func(e check.Evidence, ext string) check.EvidenceID, out *Output) check.Result {
	r := check.Result{ID: checkConfirmation, Subject: j.subject}
	name := strings.TrimPrefix(j.subject, "tool:")
	if j.decided != nil {
		r.Status, r.Basis, r.Severity, r.Detail = j.decided.Status, j.decided.Basis, j.decided.Severity, j.decided.Detail
		if j.tool != nil {
			r.Evidence = []check.EvidenceID{next(check.Evidence{Kind: check.KindTrace, Title: "Live tools/list entry of " + name, Data: trace(j)}, "json")}
		}
		return r
	}
	if j.err != nil || !j.shot() {
		r.Status, r.Basis, r.Detail = check.Error, check.Absent, renderError(j)
		return r
	}
	png := next(j.screenshot("Simulated confirmation prompt of "+name+" (not a real host)"), "png")
	tr := next(check.Evidence{Kind: check.KindTrace, Title: "Live tools/list entry of " + name + " that makes the host ask", Data: trace(j)}, "json")
	j.capture.ID = png
	out.Captures = append(out.Captures, j.capture)
	r.Status, r.Basis = check.Pass, check.Probed
	r.Evidence = []check.EvidenceID{png, tr}
	r.Detail = fmt.Sprintf("A simulated host confirmation prompt was rendered from the live annotations (%s); the trace holds the live tools/list entry that makes the host ask. It is dossier's drawing, not a screenshot of ChatGPT.", hintSummary(j.tool.Hints))
	return r
}

func judgeWidget(j *job, ev []check.EvidenceID) []check.Result {
	c := j.capture
	res := func(id string) check.Result {
		return check.Result{ID: id, Subject: j.subject, Basis: check.Probed, Evidence: ev}
	}
	policyNote := "under its declared CSP"
	if !j.page.policy.declared {
		policyNote = "under the host's restrictive default CSP (none declared)"
	}

	csp := res(checkCSPSufficient)
	if len(c.Violations) == 0 {
		csp.Status = check.Pass
		csp.Detail = "Rendered in headless Chrome " + policyNote + " with zero CSP violations."
	} else {
		csp.Status, csp.Severity = check.Fail, check.Medium
		var l []string
		for _, v := range c.Violations {
			s := v.Directive + " blocked " + v.BlockedURL
			if v.Source != "" {
				s += " (at " + v.Source + ")"
			}
			l = append(l, s)
		}
		csp.Detail = fmt.Sprintf("Rendered %s, the browser reported %d CSP violation(s): %s.", policyNote, len(c.Violations), list(l))
	}

	egress := res(checkEgress)
	var outside, ownBlocked []string
	for _, r := range c.Requests {
		if !r.Allowed && r.Blocked && j.host.own(r.URL) {
			// The app's own server, which the CSP forgot to declare: one
			// root cause, reported by widget.csp-sufficient alone.
			ownBlocked = append(ownBlocked, r.URL)
			continue
		}
		if !r.Allowed {
			s := r.URL + " (" + r.Class + ")"
			if r.Blocked {
				s += " blocked by the CSP"
			}
			outside = append(outside, s)
		}
	}
	switch {
	case len(outside) > 0:
		egress.Status, egress.Severity = check.Fail, check.High
		egress.Detail = fmt.Sprintf("The widget attempted %d request(s) outside its declared allow-list: %s.", len(outside), list(outside))
	case len(c.Requests) == len(ownBlocked):
		egress.Status = check.Pass
		egress.Detail = "The widget attempted no network requests."
	default:
		egress.Status = check.Pass
		egress.Detail = fmt.Sprintf("All %d request(s) the widget attempted go to declared domains.", len(c.Requests)-len(ownBlocked))
	}
	if len(ownBlocked) > 0 {
		egress.Detail += fmt.Sprintf(" Its request(s) to the app's own server, which the CSP does not declare, were blocked (%s); widget.csp-sufficient reports them.", list(ownBlocked))
	}

	priv := res(checkPrivileged)
	if len(c.Privileged) == 0 {
		priv.Status = check.Pass
		priv.Detail = "The widget called no privileged browser API (geolocation, camera/microphone, clipboard, notifications, payment, USB/serial/HID, credentials, dialogs, popups, top navigation)."
	} else {
		priv.Status, priv.Severity = check.Fail, check.High
		priv.Detail = fmt.Sprintf("The widget called privileged browser APIs: %s.", list(c.Privileged))
	}

	esc := res(checkEscape)
	if len(c.Escapes) == 0 {
		esc.Status = check.Pass
		esc.Detail = "The widget made no attempt to reach the host page, navigate the top window, or load remote scripts outside its CSP."
	} else {
		esc.Status, esc.Severity = check.Fail, check.Critical
		esc.Detail = fmt.Sprintf("The widget tried to leave its sandbox: %s.", list(c.Escapes))
	}
	render := judgeRender(j, ev)
	rs := []check.Result{render, csp, egress, priv, esc}
	if render.Status != check.Pass {
		// What a widget that did not start does once running was not seen:
		// a pass would vouch for code that never ran. What was seen to go
		// wrong meanwhile stays a failure.
		for i := 1; i < len(rs); i++ {
			if rs[i].Status == check.Pass {
				rs[i].Status = check.Error
				rs[i].Detail = "Not judged: the widget did not start in the test host (widget.render is " + string(render.Status) + "), so what it does once running was not seen; nothing of this kind was seen in what did run."
			}
		}
	}
	return rs
}

// list joins items, showing at most ten.
func list(items []string) string {
	const most = 10
	if len(items) <= most {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:most], "; ") + fmt.Sprintf("; and %d more (see the log)", len(items)-most)
}
