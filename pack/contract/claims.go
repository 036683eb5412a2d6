package contract

import (
	"fmt"
	"strings"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// Claim states.
const (
	Confirmed   = "confirmed"
	Changed     = "changed"
	Uncheckable = "uncheckable" // the new probe could not look
)

// Claim is one statement of a pack, held against a new probe.
type Claim struct {
	Subject  string `json:"subject"` // "app", "tool:NAME", "widget:URI"
	Claim    string `json:"claim"`   // "annotations", "check tool.naming", …
	Status   string `json:"status"`
	Kind     string `json:"kind,omitempty"` // the contract change kind, for a changed contract claim
	Old      string `json:"old"`
	New      string `json:"new,omitempty"`
	Resubmit bool   `json:"resubmit,omitempty"` // the change needs re-submission
	// Severity, for a changed claim, is what the change puts at stake: the
	// severity of the check that fails now, for a contract change that
	// needs re-submission resubmit.contract's, else info.
	Severity check.Severity     `json:"severity,omitempty"`
	Evidence []check.EvidenceID `json:"evidence,omitempty"` // of the new probe
}

// notAboutTheServer are passing checks a new probe cannot re-establish:
// attached files are the vendor's, and resubmit.contract compared two packs.
var notAboutTheServer = map[string]bool{"evidence.attached": true, "resubmit.contract": true}

// ClaimOptions say what the new probe lacked.
type ClaimOptions struct {
	// NoCredentials, when set, says why the new probe had no token for a
	// server that asks for one, and how to give one. A passing check that
	// now fails is then not checked, not changed, unless a probe without
	// a token judges it as well (credentialFree).
	NoCredentials string
}

// credentialFree are the checks a probe judges the same with or without a
// token: listing pages, OAuth discovery and the refusals of requests that
// carry no valid token.
var credentialFree = map[string]bool{
	"listing.privacy-policy": true, "listing.support-contact": true, "listing.terms": true,
	"listing.metadata": true, "listing.availability": true,
	"auth.required": true, "auth.challenge": true, "auth.prm": true, "auth.prm-resource": true,
	"auth.as-metadata": true, "auth.pkce-s256": true, "auth.client-registration": true,
	"auth.invalid-token": true, "auth.https": true,
}

// Claims holds every claim of the old pack against the new probe: the
// contract (server, tool list, every tool's reviewed fields, every widget's
// CSP and domain), the auth setup (PRM resource, issuer, PKCE methods,
// registration endpoint), and every check that passed on probed ground.
func Claims(old, new *bundle.Bundle) []Claim { return ClaimsWith(old, new, ClaimOptions{}) }

// ClaimsWith is Claims knowing what the new probe lacked. A claim the new
// probe could not look at (no session was opened, no token was given) is
// uncheckable, never changed: could not judge is not a change.
func ClaimsWith(old, new *bundle.Bundle, opts ClaimOptions) []Claim {
	oc, nc := Of(old), Of(new)
	var out []Claim
	ev := func(checkID, subject string) []check.EvidenceID { return evidenceOf(new.Results, checkID, subject) }
	// Without a session nothing the session shows (instructions, tools,
	// widgets) was seen: their claims are uncheckable.
	noSession := ""
	if !new.Observation.Server.Reached {
		noSession = "not checked: the new probe opened no session with the server"
		if h := resultOf(new.Results, "transport.handshake", "app"); h != nil && h.Detail != "" {
			noSession += " (" + h.Detail + ")"
		}
		if opts.NoCredentials != "" {
			noSession += "; " + opts.NoCredentials
		}
	}
	add := func(subject, claim, kind, o, n string, e []check.EvidenceID) {
		c := Claim{Subject: subject, Claim: claim, Status: Confirmed, Old: o, New: n, Evidence: e}
		switch {
		case noSession != "" && claim != "server URL":
			c.Status, c.New = Uncheckable, noSession
		case o != n:
			c.Status, c.Kind = Changed, kind
			c.Resubmit, _ = Rule(kind)
		}
		out = append(out, c)
	}

	add("app", "server URL", bundle.ChangeServer, oc.Server, nc.Server, ev("transport.handshake", "app"))
	add("app", "instructions", bundle.ChangeInstructions, short(oc.Instructions), short(nc.Instructions), ev("transport.handshake", "app"))
	add("app", "tool list", bundle.ChangeToolAdded, toolNames(oc), toolNames(nc), evidenceOf(new.Results, "tool.declared", ""))
	add("app", "widget list", bundle.ChangeWidgetAdded, widgetURIs(oc), widgetURIs(nc), evidenceOf(new.Results, "widget.resource", ""))
	if out[2].Status == Changed && len(strings.Fields(out[2].New)) < len(strings.Fields(out[2].Old)) {
		out[2].Kind = bundle.ChangeToolRemoved
	}

	newTools := toolsByName(nc)
	for _, t := range oc.Tools {
		sub := "tool:" + t.Name
		n, ok := newTools[t.Name]
		for i, f := range toolFields(t) {
			if !ok {
				gone := "the tool is no longer listed"
				switch {
				case noSession != "":
					gone = noSession
				case new.Observation.ToolsIncomplete != "":
					gone = "not checked: tools/list was not read whole (" + new.Observation.ToolsIncomplete + ")"
				}
				out = append(out, Claim{Subject: sub, Claim: f.label, Status: Uncheckable, Old: shown(f), New: gone})
				continue
			}
			add(sub, f.label, f.kind, shown(f), shown(toolFields(n)[i]), ev("tool.declared", sub))
		}
	}
	newWidgets := widgetsByURI(nc)
	for _, w := range oc.Widgets {
		sub := "widget:" + w.URI
		n, ok := newWidgets[w.URI]
		if !ok {
			gone := "the widget is no longer served"
			if noSession != "" {
				gone = noSession
			}
			out = append(out, Claim{Subject: sub, Claim: "CSP", Status: Uncheckable, Old: cspText(w.CSP), New: gone})
			continue
		}
		c := Claim{Subject: sub, Claim: "CSP", Status: Confirmed, Old: cspText(w.CSP), New: cspText(n.CSP), Evidence: ev("widget.csp-declared", sub)}
		if kind, _, _ := cspChange(w.CSP, n.CSP); kind != "" {
			c.Status, c.Kind = Changed, kind
			c.Resubmit, _ = Rule(kind)
		}
		out = append(out, c)
		for i, f := range widgetFields(w) {
			add(sub, f.label, f.kind, f.value, widgetFields(n)[i].value, ev("widget.resource", sub))
		}
	}

	if o := old.Observation.OAuth; o != nil {
		n := new.Observation.OAuth
		for _, a := range authClaims(o, n) {
			if n == nil {
				out = append(out, Claim{Subject: "app", Claim: a[0], Status: Uncheckable, Old: a[2], New: "no OAuth setup was discovered"})
				continue
			}
			c := Claim{Subject: "app", Claim: a[0], Status: Confirmed, Old: a[2], New: a[3], Evidence: ev(a[1], "app")}
			if a[2] != a[3] {
				c.Status = Changed
			}
			out = append(out, c)
		}
	}

	now := map[string]check.Result{}
	for _, r := range new.Results {
		now[r.ID+"\x00"+r.Subject] = r
	}
	for _, r := range old.Results {
		if r.Status != check.Pass || r.Basis != check.Probed || notAboutTheServer[r.ID] {
			continue
		}
		c := Claim{Subject: r.Subject, Claim: "check " + r.ID, Old: string(r.Status)}
		n, ok := now[r.ID+"\x00"+r.Subject]
		switch {
		case !ok:
			c.Status, c.New = Uncheckable, "no result"
		case n.Status == check.Pass:
			c.Status, c.New = Confirmed, string(n.Status)
		case (n.Status == check.Fail || n.Status == check.Warn) && opts.NoCredentials != "" && !credentialFree[r.ID]:
			c.Status, c.New = Uncheckable, fmt.Sprintf("not checked: %s without a token (%s); %s", n.Status, n.Detail, opts.NoCredentials)
		case n.Status == check.Fail || n.Status == check.Warn:
			c.Status, c.New, c.Severity = Changed, fmt.Sprintf("%s: %s", n.Status, n.Detail), severityOf(n)
		default:
			c.Status, c.New = Uncheckable, fmt.Sprintf("%s: %s", n.Status, n.Detail)
		}
		if ok {
			c.Evidence = n.Evidence
		}
		out = append(out, c)
	}
	for i := range out {
		if out[i].Status == Changed && out[i].Severity == "" {
			out[i].Severity = check.Info
			if out[i].Resubmit {
				out[i].Severity = severityOf(check.Result{ID: "resubmit.contract"})
			}
		}
	}
	return out
}

// resultOf is the result of one check for one subject, or nil.
func resultOf(rs []check.Result, checkID, subject string) *check.Result {
	for i := range rs {
		if rs[i].ID == checkID && rs[i].Subject == subject {
			return &rs[i]
		}
	}
	return nil
}

// evidenceOf is the evidence cited by the results of one check, for one
// subject or (subject "") all of them.
func evidenceOf(rs []check.Result, checkID, subject string) []check.EvidenceID {
	var ids []check.EvidenceID
	seen := map[check.EvidenceID]bool{}
	for _, r := range rs {
		if r.ID != checkID || (subject != "" && r.Subject != subject) {
			continue
		}
		for _, id := range r.Evidence {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// authClaims are the auth setup's claims: name, the check whose evidence
// shows it, old value, new value (n may be nil).
func authClaims(o, n *live.OAuth) [][4]string {
	if n == nil {
		n = &live.OAuth{}
	}
	return [][4]string{
		{"PRM resource", "auth.prm-resource", o.Resource, n.Resource},
		{"issuer", "auth.as-metadata", o.Issuer, n.Issuer},
		{"PKCE methods", "auth.pkce-s256", strings.Join(o.CodeChallengeMethods, " "), strings.Join(n.CodeChallengeMethods, " ")},
		{"registration endpoint", "auth.client-registration", o.RegistrationEndpoint, n.RegistrationEndpoint},
	}
}

func toolNames(c *bundle.Contract) string {
	var names []string
	for _, t := range c.Tools {
		names = append(names, t.Name)
	}
	return strings.Join(names, " ")
}

func widgetURIs(c *bundle.Contract) string {
	var uris []string
	for _, w := range c.Widgets {
		uris = append(uris, w.URI)
	}
	return strings.Join(uris, " ")
}
