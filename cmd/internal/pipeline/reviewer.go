package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/evidence"
	"github.com/dossier-dev/dossier/evidence/chrome"
	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// reviewerTimeout bounds the reviewer's sign-in: a few pages.
const reviewerTimeout = 60 * time.Second

// reviewerAccount signs in with the reviewer test account the manifest
// names, as a reviewer would (--login form, in a fresh browser, without a
// login_hint), and judges submission.reviewer-account with a screenshot of
// each page. ok is false when the manifest declares no reviewer account:
// collect's na stands.
func reviewerAccount(ctx context.Context, opts Options) (check.Result, []check.Evidence, bool) {
	m := opts.Manifest
	if m.Submission == nil || m.Submission.Reviewer == nil {
		return check.Result{}, nil, false
	}
	rv := m.Submission.Reviewer
	r := check.Result{ID: "submission.reviewer-account", Subject: "app", Status: check.Error, Basis: check.Absent, Severity: check.High}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	user, password := getenv(rv.UsernameEnv), getenv(rv.PasswordEnv)
	if user == "" || password == "" {
		r.Detail = fmt.Sprintf("Not judged: set %s and %s to the reviewer test account's user name and password (the manifest's submission.reviewer names them).", rv.UsernameEnv, rv.PasswordEnv)
		return r, nil, true
	}
	if m.Server.Auth.Mode == manifest.AuthNone {
		r.Status, r.Severity, r.Basis = check.NA, "", check.Declared
		r.Detail = "The server declares no sign-in (server.auth.mode none): a reviewer needs no account."
		return r, nil, true
	}
	path, err := evidence.FindBrowser(opts.ChromePath)
	if err != nil {
		r.Detail = "Not judged: the reviewer sign-in runs in a browser, and none was found (install chromium, or pass --chrome): " + err.Error() + "."
		return r, nil, true
	}
	form := &chrome.ReviewerLogin{Path: path}
	sctx, cancel := context.WithTimeout(ctx, reviewerTimeout)
	defer cancel()
	_, err = collect.Login(sctx, collect.LoginOptions{MCPURL: m.Server.URL, HTTPClient: opts.HTTPClient, Form: form, User: user, Password: password})
	ev, steps := reviewerEvidence(form.Steps, user, password)
	r.Evidence = evidenceIDs(ev)
	switch {
	case err == nil:
		r.Status, r.Severity, r.Basis = check.Pass, "", check.Probed
		r.Detail = fmt.Sprintf("The reviewer account in %s signed in unattended through the sign-in pages, with no second factor, code or magic link: %s.", rv.UsernameEnv, steps)
	case errors.Is(err, chrome.ErrNeedsPerson):
		r.Status, r.Basis = check.Fail, check.Probed
		r.Detail = fmt.Sprintf("The reviewer account in %s cannot sign in unattended: %s. Steps: %s. Give reviewers an account that signs in with a user name and password only.", rv.UsernameEnv, scrub(err.Error(), user, password), steps)
	case strings.Contains(err.Error(), "forms submitted without reaching"):
		r.Status, r.Basis = check.Fail, check.Probed
		r.Detail = fmt.Sprintf("The reviewer account in %s did not sign in: %s. Steps: %s.", rv.UsernameEnv, scrub(err.Error(), user, password), steps)
	default:
		r.Detail = fmt.Sprintf("Not judged: the reviewer sign-in could not be run (%s); check that the authorization server is reachable. Steps: %s.", scrub(err.Error(), user, password), orNone(steps))
	}
	return r, ev, true
}

// reviewerEvidence makes a screenshot item of each step, and says the
// steps in words. The credentials never go into a title.
func reviewerEvidence(steps []chrome.LoginStep, user, password string) ([]check.Evidence, string) {
	var ev []check.Evidence
	var words []string
	for i, s := range steps {
		w := fmt.Sprintf("%d. %s", i+1, s.Action)
		if s.Title != "" {
			w = fmt.Sprintf("%d. %q: %s", i+1, scrub(s.Title, user, password), s.Action)
		}
		words = append(words, w)
		if len(s.PNG) == 0 {
			continue
		}
		id := check.EvidenceID(fmt.Sprintf("R%04d", len(ev)+1))
		sum := sha256.Sum256(s.PNG)
		ev = append(ev, check.Evidence{
			ID: id, Kind: check.KindScreenshot, Title: fmt.Sprintf("Reviewer sign-in, step %d: %s", i+1, scrub(s.URL, user, password)),
			Path: "evidence/reviewer/" + string(id) + ".png", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(s.PNG)), Data: s.PNG,
		})
	}
	return ev, strings.Join(words, "; ")
}

func evidenceIDs(ev []check.Evidence) []check.EvidenceID {
	var ids []check.EvidenceID
	for _, e := range ev {
		ids = append(ids, e.ID)
	}
	return ids
}

// scrub removes the credentials from text that leaves the run.
func scrub(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 3 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// withReviewer replaces collect's submission.reviewer-account result by the
// one the browser sign-in judged.
func withReviewer(results []check.Result, r check.Result) []check.Result {
	out := results[:0:0]
	for _, x := range results {
		if x.ID != r.ID {
			out = append(out, x)
		}
	}
	return append(out, r)
}
