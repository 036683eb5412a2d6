package chrome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dossier-dev/dossier/internal/english"
)

// ReviewerLogin signs in as a directory reviewer would, through the
// identity provider's own pages, and keeps a screenshot of each page it
// met. It fills a username and password form and submits a consent page,
// as FormLogin does, but stops at a page a reviewer could not pass alone:
// a one-time code (emailed, texted, from an authenticator) or a magic link.
// It implements collect.FormLogin; Steps holds what it saw after Login.
type ReviewerLogin struct {
	Path  string
	Steps []LoginStep
}

// LoginStep is one page of the sign-in.
type LoginStep struct {
	URL    string
	Title  string
	Action string // "filled the username and password", "submitted the consent form", "stopped: …"
	PNG    []byte
}

// ErrNeedsPerson is wrapped by Login's error when a page asks for what a
// reviewer cannot give unattended.
var ErrNeedsPerson = errors.New("the sign-in asks for a step a reviewer could not pass alone")

// Login opens authURL and returns the first URL the browser is sent to that
// starts with redirectPrefix.
func (r *ReviewerLogin) Login(ctx context.Context, authURL, redirectPrefix, user, password string) (string, error) {
	tab, reached, done, err := openSignIn(ctx, r.Path, authURL, redirectPrefix)
	if err != nil {
		return "", err
	}
	defer done()
	navErr := chromedp.Do(tab, chromedp.Navigate(authURL))
	fill := fillScript(user, password)
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	// A page with nothing to fill is kept aside: most are the moment
	// between a submit and the redirect; one the sign-in ends on is the
	// evidence of where it stuck.
	var pending *LoginStep
	for submits := 0; ; {
		select {
		case u := <-reached:
			r.Steps = append(r.Steps, LoginStep{URL: redactQuery(u), Action: "reached the redirect URI: signed in"})
			return u, nil
		case <-ctx.Done():
			if pending != nil {
				r.Steps = append(r.Steps, *pending)
			}
			return "", fmt.Errorf("signing in as the reviewer: the browser never reached the redirect URI after %d submitted %s: %w", submits, english.PluralS(submits, "form"), errors.Join(ctx.Err(), navErr))
		case <-tick.C:
		}
		raw, err := chromedp.Run(tab, chromedp.Evaluate[string](classifyScript))
		if err != nil {
			continue // navigating
		}
		var page struct{ State, Why, URL, Title string }
		if json.Unmarshal([]byte(raw), &page) != nil || page.State == "waiting" || page.State == "seen" {
			continue
		}
		shot, _ := chromedp.Run(tab, func(ctx context.Context, t *chromedp.Target) ([]byte, error) { return screenshot(ctx, t) })
		step := LoginStep{URL: redactQuery(page.URL), Title: page.Title, PNG: shot}
		if page.State == "blocked" {
			step.Action = "stopped: " + page.Why
			r.Steps = append(r.Steps, step)
			return "", fmt.Errorf("%w: %s at %s", ErrNeedsPerson, page.Why, step.URL)
		}
		state, err := chromedp.Run(tab, chromedp.Evaluate[string](fill))
		if err != nil || state != "submitted" {
			step.Action = "no form to fill; the sign-in stopped here"
			pending = &step
			continue
		}
		pending = nil
		step.Action = map[bool]string{true: "filled in the username and password and submitted", false: "submitted the page's one form (consent)"}[page.State == "password"]
		r.Steps = append(r.Steps, step)
		if submits++; submits > maxSubmits {
			return "", fmt.Errorf("signing in as the reviewer: %d forms submitted without reaching the redirect URI: the credentials were refused, or a step needs a person", maxSubmits)
		}
	}
}

// redactQuery drops a URL's query, which carries the state, the PKCE
// challenge or the authorization code.
func redactQuery(u string) string {
	base, _, _ := strings.Cut(u, "?")
	return base
}

// classifyScript looks at a page once per document: "waiting" while it
// loads, "seen" once classified, else "blocked" with why (a one-time code
// or magic link), "password" for a sign-in form, "other" for the rest.
const classifyScript = `(() => {
  const out = o => JSON.stringify(Object.assign({URL: location.href, Title: document.title}, o));
  if (document.readyState !== 'complete') return out({State: 'waiting'});
  if (window.__dossierSeen) return out({State: 'seen'});
  window.__dossierSeen = true;
  const shown = e => !e.disabled && e.type !== 'hidden' && e.getClientRects().length > 0;
  const inputs = [...document.querySelectorAll('input')].filter(shown);
  const code = inputs.find(e => e.autocomplete === 'one-time-code' ||
    (e.type !== 'password' && /(^|[^a-z])(otp|totp|mfa|2fa|passcode|verification|code)([^a-z]|$)/i.test(e.name + ' ' + e.id)));
  if (code) return out({State: 'blocked', Why: 'the page asks for a one-time code (field ' + JSON.stringify(code.name || code.id) + ')'});
  const text = (document.body ? document.body.innerText : '').slice(0, 20000);
  const m = text.match(/magic link|we (?:sent|emailed|texted) you a (?:link|code)|check your (?:email|inbox|phone)|authenticator app|security key|approve (?:the|this) sign.?in/i);
  if (m && !inputs.some(e => e.type === 'password')) return out({State: 'blocked', Why: 'the page says ' + JSON.stringify(m[0])});
  return out({State: inputs.some(e => e.type === 'password') ? 'password' : 'other'});
})()`
