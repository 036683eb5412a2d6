package chrome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/dossier-dev/dossier/internal/english"
)

// FormLogin signs a test user in on an identity provider's login page, in a
// fresh headless Chromium per call: it fills the first username (or email)
// and password inputs, submits, submits a consent page that has one form,
// and follows the pages until the browser is sent to the redirect URI. It
// implements collect.FormLogin. The credentials go only into the page.
type FormLogin struct {
	Path string // the browser executable
}

// maxSubmits bounds the forms one sign-in submits: a login page, a consent
// page and a second step or two. A form shown again after that is taken as
// refused credentials.
const maxSubmits = 5

// Login opens authURL and returns the first URL the browser is sent to that
// starts with redirectPrefix. ctx bounds the whole sign-in.
func (f FormLogin) Login(ctx context.Context, authURL, redirectPrefix, user, password string) (string, error) {
	tab, reached, done, err := openSignIn(ctx, f.Path, authURL, redirectPrefix)
	if err != nil {
		return "", err
	}
	defer done()
	navErr := chromedp.Do(tab, chromedp.Navigate(authURL)) // fails when the redirect URI has no listener
	script := fillScript(user, password)
	submits := 0
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case u := <-reached:
			return u, nil
		case <-ctx.Done():
			why := "the browser never reached the redirect URI"
			if submits > 0 {
				why += fmt.Sprintf(" after %d submitted %s", submits, english.PluralS(submits, "form"))
			}
			return "", fmt.Errorf("signing in on the login page: %s: %w", why, errors.Join(ctx.Err(), navErr))
		case <-tick.C:
		}
		state, err := chromedp.Run(tab, chromedp.Evaluate[string](script))
		if err != nil || state != "submitted" {
			continue // navigating, or a page still loading
		}
		submits++
		if submits > maxSubmits {
			return "", fmt.Errorf("signing in on the login page: %d forms submitted without reaching the redirect URI (are the credentials right?)", maxSubmits)
		}
	}
}

// openSignIn starts a browser for one sign-in and opens its tab, watching
// for the first request to a URL that starts with redirectPrefix (the
// redirect URI may have no listener, so the requests are watched, not the
// page). The sign-in may visit the authorization page's origin and the
// redirect URI's (often loopback); the guard keeps everything else. done
// closes the tab and the browser.
func openSignIn(ctx context.Context, path, authURL, redirectPrefix string) (tab context.Context, reached <-chan string, done func(), err error) {
	b, err := Start(ctx, path, Options{Allow: []string{authURL, redirectPrefix}})
	if err != nil {
		return nil, nil, nil, err
	}
	tab, cancel := chromedp.NewContext(b.root)
	stop := context.AfterFunc(ctx, cancel)
	done = func() { stop(); cancel(); b.Close() }
	if err := chromedp.Do(tab); err != nil {
		done()
		return nil, nil, nil, fmt.Errorf("opening a tab for the sign-in: %w", errors.Join(err, ctx.Err()))
	}
	got := make(chan string, 1)
	if err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil && strings.HasPrefix(e.Request.URL, redirectPrefix) {
			select {
			case got <- e.Request.URL:
			default:
			}
		}
	}); err != nil {
		done()
		return nil, nil, nil, fmt.Errorf("watching the sign-in's requests: %w", err)
	}
	return tab, got, done, nil
}

// fillScript fills and submits the page's sign-in form once per document.
// It answers "submitted", "waiting" (loading, or already submitted) or
// "none" (no form it knows how to fill).
func fillScript(user, password string) string {
	u, _ := json.Marshal(user)
	p, _ := json.Marshal(password)
	return `(() => {
  if (document.readyState !== 'complete' || window.__dossierSubmitted) return 'waiting';
  const shown = e => !e.disabled && e.type !== 'hidden' && e.getClientRects().length > 0;
  const inputs = [...document.querySelectorAll('input')].filter(shown);
  const pw = inputs.find(e => e.type === 'password');
  const text = inputs.filter(e => ['text', 'email', 'tel', ''].includes(e.type));
  const named = /user|email|login|account|name|id/i;
  const u = text.find(e => e.type === 'email' || named.test(e.name + ' ' + e.id + ' ' + e.autocomplete)) || text[0];
  const set = (e, v) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(e, v);
    e.dispatchEvent(new Event('input', {bubbles: true}));
    e.dispatchEvent(new Event('change', {bubbles: true}));
  };
  let form = null;
  if (u) { set(u, ` + string(u) + `); form = u.form; }
  if (pw) { set(pw, ` + string(p) + `); form = pw.form || form; }
  if (!u && !pw) {
    const forms = [...document.forms].filter(f => f.querySelector('button, input[type=submit]'));
    if (forms.length !== 1) return 'none';
    form = forms[0];
  }
  if (!form) return 'none';
  window.__dossierSubmitted = true;
  const btn = form.querySelector('button[type=submit], input[type=submit], button:not([type])');
  if (btn) btn.click(); else form.requestSubmit();
  return 'submitted';
})()`
}
