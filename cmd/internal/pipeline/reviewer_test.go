package pipeline

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// TestReviewerAccount signs in to the sample IdP with the reviewer
// account the manifest names, in a browser: the clean app signs in with a
// screenshot of its login page; the reviewer-mfa flaw stops at the page
// that asks for an emailed code, with a screenshot of each page; refused
// credentials fail; unset variables are error naming them. No credential
// reaches a detail or an evidence title.
func TestReviewerAccount(t *testing.T) {
	requireBrowser(t)
	tests := []struct {
		name, flaw, password string
		unset                bool
		want                 check.Status
		shots                int
		says                 []string
	}{
		{"clean", "", "demo", false, check.Pass, 1, []string{"signed in unattended", `1. "Sign in to Orderly": filled in the username and password and submitted`, "reached the redirect URI"}},
		{"emailed code", "reviewer-mfa", "demo", false, check.Fail, 2, []string{"cannot sign in unattended", "asks for a one-time code", `2. "Check your email": stopped`}},
		{"refused credentials", "", "not-the-password", false, check.Fail, 6, []string{"did not sign in", "the credentials were refused"}},
		{"variables unset", "", "", true, check.Error, 0, []string{"set REVIEWER_USER and REVIEWER_PASSWORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m, _ := startSample(t, tt.flaw)
			m.Submission.Reviewer = &manifest.Reviewer{UsernameEnv: "REVIEWER_USER", PasswordEnv: "REVIEWER_PASSWORD"}
			env := map[string]string{"REVIEWER_USER": "demo", "REVIEWER_PASSWORD": tt.password}
			if tt.unset {
				env = nil
			}
			r, ev, ok := reviewerAccount(t.Context(), Options{Manifest: m, Getenv: func(k string) string { return env[k] }})
			if !ok || r.Status != tt.want || r.ID != "submission.reviewer-account" {
				t.Fatalf("%v %s: %s", ok, r.Status, r.Detail)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.Detail, s) {
					t.Errorf("detail lacks %q: %s", s, r.Detail)
				}
			}
			if len(ev) != tt.shots || len(r.Evidence) != tt.shots {
				t.Errorf("%d screenshots (%d cited), want %d: %s", len(ev), len(r.Evidence), tt.shots, r.Detail)
			}
			for _, e := range ev {
				if _, err := png.Decode(bytes.NewReader(e.Data)); err != nil || e.Kind != check.KindScreenshot {
					t.Errorf("%s: %s not a PNG screenshot: %v", e.ID, e.Kind, err)
				}
				if strings.Contains(e.Title, tt.password) && tt.password != "" && tt.password != "demo" {
					t.Errorf("the password is in %s's title", e.ID)
				}
			}
			if tt.password == "not-the-password" && strings.Contains(r.Detail, tt.password) {
				t.Error("the password is in the detail")
			}
		})
	}
	if _, _, ok := reviewerAccount(t.Context(), Options{Manifest: &manifest.Manifest{}}); ok {
		t.Error("judged a reviewer account none declared")
	}
}

// TestRunJudgesReviewerAccount: a run whose manifest declares the
// reviewer account carries the browser's judgement, once, with its
// screenshot in the pack's evidence.
func TestRunJudgesReviewerAccount(t *testing.T) {
	requireBrowser(t)
	srv, m, _ := startSample(t, "")
	m.Submission.Reviewer = &manifest.Reviewer{UsernameEnv: "U", PasswordEnv: "P"}
	b, err := Run(t.Context(), Options{Manifest: m, Tokens: sampleTokens(t, srv, m), Now: fixed, Version: "test", NoPrompts: true,
		Getenv: func(k string) string { return map[string]string{"U": "demo", "P": "demo"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	var got []check.Result
	for _, r := range b.Results {
		if r.ID == "submission.reviewer-account" {
			got = append(got, r)
		}
	}
	if len(got) != 1 || got[0].Status != check.Pass || len(got[0].Evidence) != 1 {
		t.Fatalf("reviewer results %+v", got)
	}
	found := false
	for _, e := range b.Evidence {
		found = found || (e.ID == got[0].Evidence[0] && e.Kind == check.KindScreenshot)
	}
	if !found {
		t.Errorf("evidence %s is not in the pack", got[0].Evidence[0])
	}
}
