package manifest

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/pack/check"
)

// envNamePattern is what an environment variable name looks like.
const envNamePattern = `^[A-Z_][A-Z0-9_]*$`

// patterns are the regular expressions validate uses, compiled once per
// process (a check decodes the manifest, the questionnaire and the
// platform file) rather than once per value.
type patterns struct {
	envName, checkName, jwt, apiKey, tokenChars *regexp.Regexp
}

var compilePatterns = sync.OnceValue(func() patterns {
	return patterns{
		envName:    regexp.MustCompile(envNamePattern),
		checkName:  regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`),
		jwt:        regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`),
		apiKey:     regexp.MustCompile(`(^|[^A-Za-z0-9])(sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_-]{20,})`),
		tokenChars: regexp.MustCompile(`^[A-Za-z0-9_\-.+/=~]+$`),
	}
})

// checkGroups are the groups of the check catalogue; an evidence file may
// name a check of one of them.
func checkGroups() []string {
	return []string{"listing", "tool", "data", "auth", "transport", "widget", "evidence", "ops", "resubmit"}
}

// at returns the node for path, or nil if the field was absent or is
// already reported, so a later check neither invents a position nor piles a
// second message onto a structural one.
func (d *decoder) at(path string) *yaml.Node {
	if d.bad[path] {
		return nil
	}
	return d.nodes[path]
}

// failIf records a problem at path if the field is present and bad is true.
func (d *decoder) failIf(bad bool, path, format string, args ...any) {
	if n := d.at(path); n != nil && bad {
		d.errorf(n, path, format, args...)
	}
}

// validate checks what the types cannot say: values that must agree with
// each other, formats, references between sections, and secrets.
func (d *decoder) validate(m *Manifest) {
	d.failIf(m.Schema != SchemaID, "schema", "%s is not a schema this version reads (want %q)", quote(m.Schema), SchemaID)

	d.url(m.App.PrivacyPolicy, "app.privacyPolicy")
	d.url(m.App.Terms, "app.terms")
	if s := m.App.Support; s != "" && !isEmail(s) && !isHTTPURL(s) {
		d.failIf(true, "app.support", "%s is neither an email address nor an http or https URL", quote(s))
	}

	d.url(m.Server.URL, "server.url")
	a := m.Server.Auth
	d.url(a.Issuer, "server.auth.issuer")
	d.url(a.OIDCDiscovery, "server.auth.oidcDiscovery")
	d.duration(a.TokenLifetime, "server.auth.tokenLifetime")
	if (a.Mode == AuthOAuth || a.Mode == AuthMixed) && a.Issuer == "" && !d.bad["server.auth.issuer"] {
		if n := d.at("server.auth"); n != nil {
			d.errorf(n, "server.auth.issuer", "missing key \"issuer\", required when mode is %q", a.Mode)
		}
	}

	tools := make([]string, 0, len(m.Tools))
	firstLine := map[string]int{}
	for i, t := range m.Tools {
		p := fmt.Sprintf("tools[%d].name", i)
		if line, dup := firstLine[t.Name]; dup && t.Name != "" {
			d.failIf(true, p, "tool %s is declared twice (first at line %d)", quote(t.Name), line)
			continue
		}
		if n := d.at(p); n != nil {
			firstLine[t.Name] = n.Line
		}
		tools = append(tools, t.Name)
	}

	for i, ts := range m.Probe.Tokens {
		d.url(ts.Audience, fmt.Sprintf("probe.tokens[%d].audience", i))
		p := fmt.Sprintf("probe.tokens[%d].env", i)
		switch {
		case d.re.secret(ts.Env) != "":
			d.failIf(true, p, "this looks like %s: put the token in the environment variable, not in the manifest, and name the variable here", d.re.secret(ts.Env))
		case !d.re.envName.MatchString(ts.Env):
			d.failIf(true, p, "%s is not an environment variable name (want upper case letters, digits and underscores, such as \"DOSSIER_TOKEN\")", quote(ts.Env))
		}
	}
	for i, name := range m.Probe.Callable {
		d.tool(name, tools, fmt.Sprintf("probe.callable[%d]", i))
	}

	for i, c := range m.Data.Categories {
		d.duration(c.Retention, fmt.Sprintf("data.categories[%d].retention", i))
	}
	if m.Data.Deletion != nil {
		d.duration(m.Data.Deletion.Within, "data.deletion.within")
	}
	if m.Operations.PatchPolicy != nil {
		d.duration(m.Operations.PatchPolicy.Critical, "operations.patchPolicy.critical")
	}
	for i, c := range m.Operations.Incident {
		p := fmt.Sprintf("operations.incidentContacts[%d].email", i)
		d.failIf(c.Email != "" && !isEmail(c.Email), p, "%s is not an email address", quote(c.Email))
	}

	for i, e := range m.Evidence {
		p := fmt.Sprintf("evidence[%d]", i)
		d.failIf(e.Path != "" && !filepath.IsLocal(filepath.FromSlash(e.Path)), p+".path",
			"%s must be a relative path inside the manifest's directory", quote(e.Path))
		if e.Check != "" {
			if _, ok := check.Lookup(e.Check); !ok && !d.re.plausibleCheck(e.Check) {
				d.failIf(true, p+".check", "%s is not a check ID (want group.name with group one of %s)%s",
					quote(e.Check), strings.Join(checkGroups(), ", "), suggestCheck(e.Check))
			}
		}
		if e.Tool != "" {
			d.tool(e.Tool, tools, p+".tool")
		}
	}

	for i, at := range m.Attestations {
		p := fmt.Sprintf("attestations[%d]", i)
		if _, ok := check.Lookup(at.Check); !ok && at.Check != "" {
			d.failIf(true, p+".check", "%s is not a check in the catalogue%s", quote(at.Check), suggestCheck(at.Check))
		}
		from, ok1 := d.date(at.Date, p+".date")
		until, ok2 := d.date(at.Expires, p+".expires")
		d.failIf(ok1 && ok2 && !until.After(from), p+".expires", "%s is not after the date %s", quote(string(at.Expires)), quote(string(at.Date)))
	}

	if sub := m.Submission; sub != nil {
		for i, tc := range sub.TestCases {
			if tc.Tool != "" {
				d.tool(tc.Tool, tools, fmt.Sprintf("submission.testCases[%d].tool", i))
			}
		}
		for i, tc := range sub.NegativeTestCases {
			d.failIf(tc.Tool != "", fmt.Sprintf("submission.negativeTestCases[%d].tool", i),
				"a negative test case must not trigger a tool; leave tool out")
		}
	}

	for i, w := range m.Waivers {
		p := fmt.Sprintf("waivers[%d]", i)
		if _, ok := check.Lookup(w.Check); !ok && w.Check != "" {
			d.failIf(true, p+".check", "%s is not a check in the catalogue%s", quote(w.Check), suggestCheck(w.Check))
		}
		if name, isTool := strings.CutPrefix(w.Subject, "tool:"); isTool {
			d.tool(name, tools, p+".subject")
		}
		from, ok1 := d.date(w.Date, p+".date")
		until, ok2 := d.date(w.Expires, p+".expires")
		d.failIf(ok1 && ok2 && !until.After(from), p+".expires", "%s is not after the date %s", quote(string(w.Expires)), quote(string(w.Date)))
	}

	d.secrets()
}

// url checks that s, if present, is an absolute http or https URL.
func (d *decoder) url(s, path string) {
	d.failIf(s != "" && !isHTTPURL(s), path, "%s is not an absolute http or https URL", quote(s))
}

// duration checks the syntax and range of a Duration.
func (d *decoder) duration(v Duration, path string) {
	if v == "" {
		return
	}
	if _, err := v.Std(); err != nil {
		d.failIf(true, path, "%s", err.Error())
	}
}

// date checks a Date and returns its time when it is good.
func (d *decoder) date(v Date, path string) (time.Time, bool) {
	if v == "" || d.at(path) == nil {
		return time.Time{}, false
	}
	t, err := v.Time()
	if err != nil {
		d.failIf(true, path, "%s", err.Error())
		return time.Time{}, false
	}
	return t, true
}

// tool checks that name is one of the declared tools.
func (d *decoder) tool(name string, tools []string, path string) {
	if slices.Contains(tools, name) {
		return
	}
	msg := fmt.Sprintf("%s is not a declared tool", quote(name))
	if near := nearest(name, tools); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	d.failIf(true, path, "%s", msg)
}

// suggestCheck offers the nearest catalogue ID, if one is close.
func suggestCheck(id string) string {
	var ids []string
	for _, def := range check.Catalogue() {
		ids = append(ids, def.ID)
	}
	if near := nearest(id, ids); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}

// plausibleCheck accepts group.name IDs of a known group that the catalogue
// may not list yet.
func (re patterns) plausibleCheck(id string) bool {
	group, name, ok := strings.Cut(id, ".")
	return ok && slices.Contains(checkGroups(), group) && re.checkName.MatchString(name)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// secret says what kind of secret s looks like, or "" if none.
func (re patterns) secret(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Bearer "))
	switch {
	case re.jwt.MatchString(s):
		return "a JWT"
	case mayBeAPIKey(s) && re.apiKey.MatchString(s):
		return "an API key"
	case re.randomToken(s):
		return "a random token"
	}
	return ""
}

// mayBeAPIKey reports whether s holds a prefix the apiKey pattern starts
// its keys with: the pattern has no literal prefix of its own, so without
// this it scans every value of the manifest byte by byte.
func mayBeAPIKey(s string) bool {
	for _, p := range []string{"sk-", "gh", "github_pat_", "xox", "AKIA", "glpat-"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// randomToken reports whether s is one long word of mixed letters and
// digits with the entropy of a generated secret, not of a name.
func (re patterns) randomToken(s string) bool {
	if len(s) < 20 || !re.tokenChars.MatchString(s) || re.envName.MatchString(s) {
		return false
	}
	var letters, digits int
	freq := map[rune]int{}
	for _, r := range s {
		freq[r]++
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters++
		}
	}
	if letters == 0 || digits == 0 {
		return false
	}
	var bits float64
	for _, c := range freq {
		p := float64(c) / float64(len(s))
		bits -= p * math.Log2(p)
	}
	return bits >= 3.5
}

// secrets refuses any string value, anywhere, that looks like a JWT or an
// API key. Token env values are checked, more closely, by validate.
func (d *decoder) secrets() {
	for path, n := range d.nodes {
		if n.Kind != yaml.ScalarNode || d.bad[path] || strings.HasPrefix(path, "probe.tokens[") && strings.HasSuffix(path, "].env") {
			continue
		}
		if kind := d.re.secret(n.Value); kind != "" && kind != "a random token" {
			d.errorf(n, path, "this looks like %s: secrets do not belong in the manifest; remove it", kind)
		}
	}
}
