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
	Subject  string             `json:"subject"` // "app", "tool:NAME", "widget:URI"
	Claim    string             `json:"claim"`   // "annotations", "check tool.naming", …
	Status   string             `json:"status"`
	Kind     string             `json:"kind,omitempty"` // the contract change kind, for a changed contract claim
	Old      string             `json:"old"`
	New      string             `json:"new,omitempty"`
	Resubmit bool               `json:"resubmit,omitempty"` // the change needs re-submission
	Evidence []check.EvidenceID `json:"evidence,omitempty"` // of the new probe
}

// notAboutTheServer are passing checks a new probe cannot re-establish:
// attached files are the vendor's, and resubmit.contract compared two packs.
var notAboutTheServer = map[string]bool{"evidence.attached": true, "resubmit.contract": true}

// Claims holds every claim of the old pack against the new probe: the
// contract (server, tool list, every tool's reviewed fields, every widget's
// CSP and domain), the auth setup (PRM resource, issuer, PKCE methods,
// registration endpoint), and every check that passed on probed ground.
func Claims(old, new *bundle.Bundle) []Claim {
	oc, nc := Of(old), Of(new)
	var out []Claim
	ev := func(checkID, subject string) []check.EvidenceID { return evidenceOf(new.Results, checkID, subject) }
	add := func(subject, claim, kind, o, n string, e []check.EvidenceID) {
		c := Claim{Subject: subject, Claim: claim, Status: Confirmed, Old: o, New: n, Evidence: e}
		if o != n {
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
				out = append(out, Claim{Subject: sub, Claim: f.label, Status: Uncheckable, Old: shown(f), New: "the tool is no longer listed"})
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
			out = append(out, Claim{Subject: sub, Claim: "CSP", Status: Uncheckable, Old: cspText(w.CSP), New: "the widget is no longer served"})
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
		case n.Status == check.Fail || n.Status == check.Warn:
			c.Status, c.New = Changed, fmt.Sprintf("%s: %s", n.Status, n.Detail)
		default:
			c.Status, c.New = Uncheckable, fmt.Sprintf("%s: %s", n.Status, n.Detail)
		}
		if ok {
			c.Evidence = n.Evidence
		}
		out = append(out, c)
	}
	return out
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
