package collect

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

const redacted = "[REDACTED]"

// secretKeys are JSON keys, form fields and query parameters whose values
// are credentials.
var secretKeys = []string{
	"access_token", "refresh_token", "id_token", "code", "code_verifier",
	"client_secret", "registration_access_token", "password", "assertion",
	"client_assertion", "subject_token", "actor_token",
}

// The structural rules, compiled when first needed (a run that never
// redacts a body does not pay for them).
var (
	jsonSecret = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)("(?:` + strings.Join(secretKeys, "|") + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	})
	formSecret = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:` + strings.Join(secretKeys, "|") + `)=)[^&\s#"]*`)
	})
	bearerValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)bearer\s+([A-Za-z0-9\-._~+/]+=*)`) })
	jwtLike     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	})
)

// A case-insensitive pattern cannot use a literal prefix to skip ahead, so
// running one over every recorded body is most of what a transcript costs.
// The rules below run only where their words occur. (?i) folds the
// Kelvin sign to k and the long s to s: text holding either is always
// scanned, so that a skip never changes what is redacted.

// foldsToASCII reports whether s holds a rune that (?i) folds to an ASCII
// letter (U+212A KELVIN SIGN, U+017F LATIN SMALL LETTER LONG S).
func foldsToASCII(s string) bool {
	return strings.Contains(s, "\u212a") || strings.Contains(s, "\u017f")
}

// lowerASCII lowers the ASCII letters of s, leaving every other byte.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// maySecretKey reports whether s may hold a value jsonSecret or formSecret
// matches: a secret key quoted ("code") or followed by '=' (code=).
func maySecretKey(s string) bool {
	if foldsToASCII(s) {
		return true
	}
	low := lowerASCII(s)
	for _, k := range secretKeys {
		if i := strings.Index(low, k); i >= 0 && (strings.Contains(low, `"`+k+`"`) || strings.Contains(low[i:], k+"=")) {
			return true
		}
	}
	return false
}

// mayBearer reports whether s may hold what bearerValue matches ("bearer"
// in any case; none of its letters has a non-ASCII fold).
func mayBearer(s string) bool {
	return strings.Contains(lowerASCII(s), "bearer")
}

// redactor removes credentials from everything the probe keeps. It knows
// the token values handed to it and every secret it has seen pass by in
// a response (authorization codes, issued tokens, client secrets).
type redactor struct {
	mu     sync.Mutex
	values map[string]bool
}

func newRedactor() *redactor { return &redactor{values: map[string]bool{}} }

// add registers a secret value. Very short values are not registered: they
// would blank out unrelated text, and the structural rules still catch them.
func (r *redactor) add(v string) {
	if len(v) < 6 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values[v] = true
	if e := url.QueryEscape(v); e != v {
		r.values[e] = true
	}
	if e := url.PathEscape(v); e != v {
		r.values[e] = true
	}
}

// learn registers the secrets found in a body: JSON keys at any depth and
// form fields named in secretKeys.
func (r *redactor) learn(body []byte) {
	var v any
	if json.Unmarshal(body, &v) == nil {
		r.learnJSON(v)
		return
	}
	if q, err := url.ParseQuery(strings.TrimSpace(string(body))); err == nil {
		r.learnQuery(q)
	}
}

func (r *redactor) learnURL(raw string) {
	if u, err := url.Parse(raw); err == nil {
		r.learnQuery(u.Query())
	}
}

func (r *redactor) learnQuery(q url.Values) {
	for _, k := range secretKeys {
		for _, v := range q[k] {
			r.add(v)
		}
	}
}

func (r *redactor) learnJSON(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && isSecretKey(k) {
				r.add(s)
				continue
			}
			r.learnJSON(x)
		}
	case []any:
		for _, x := range v {
			r.learnJSON(x)
		}
	}
}

func isSecretKey(k string) bool {
	for _, s := range secretKeys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// text replaces every known secret value, bearer credential and JWT in s.
func (r *redactor) text(s string) string {
	return redactBearer(r.known(s))
}

// known replaces every known secret value and anything shaped like a JWT.
// It is what prose (details, progress, errors) goes through.
func (r *redactor) known(s string) string {
	r.mu.Lock()
	vals := make([]string, 0, len(r.values))
	for v := range r.values {
		vals = append(vals, v)
	}
	r.mu.Unlock()
	// Longest first, so a value that contains another is replaced whole.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		s = strings.ReplaceAll(s, v, redacted)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtLike().ReplaceAllString(s, redacted)
	}
	return s
}

// redactBearer blanks "Bearer <credential>" but leaves challenges such as
// `Bearer resource_metadata="…"` and prose such as "no bearer token" alone.
// Known token values are blanked before (known), whatever their shape.
func redactBearer(s string) string {
	if !mayBearer(s) {
		return s
	}
	var out strings.Builder
	last := 0
	for _, m := range bearerValue().FindAllStringSubmatchIndex(s, -1) {
		val := s[m[2]:m[1]]
		next := byte(0)
		if m[1] < len(s) {
			next = s[m[1]]
		}
		if strings.HasSuffix(val, "=") && next != 0 && next != ' ' && next != ',' && next != '\n' && next != '\r' {
			continue // an auth-param: name=value
		}
		if !credentialLike(val) {
			continue // a word: "no bearer token"
		}
		out.WriteString(s[last:m[2]])
		out.WriteString(redacted)
		last = m[1]
	}
	out.WriteString(s[last:])
	return out.String()
}

// credentialLike reports whether the word after "Bearer" (already known to
// be token68 characters) looks like a credential rather than a word: at
// least 16 characters, or three dot-separated parts like a JWT.
func credentialLike(v string) bool {
	return len(strings.TrimRight(v, "=")) >= 16 || strings.Count(v, ".") == 2
}

// body redacts a JSON or form body: values under secret keys, then the
// known values everywhere.
func (r *redactor) body(b []byte) string {
	s := string(b)
	if maySecretKey(s) {
		s = jsonSecret().ReplaceAllString(s, `${1}"`+redacted+`"`)
		s = formSecret().ReplaceAllString(s, "${1}"+redacted)
	}
	return r.text(s)
}

// url redacts secret query parameters and known values in a URL.
func (r *redactor) url(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return r.text(raw)
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if isSecretKey(k) {
				for i := range q[k] {
					q[k][i] = redacted
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(redacted), redacted)
		}
	}
	return r.text(u.String())
}
