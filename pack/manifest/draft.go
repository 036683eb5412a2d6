package manifest

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/pack/live"
)

// DraftOptions tune Draft.
type DraftOptions struct {
	// TokenEnv names the environment variable that held the token init used;
	// the draft lists it under probe.tokens. "" for none.
	TokenEnv string
	// Listing is what a plugin package says of the listing (init
	// --plugin); nil leaves the app section to the server and TODOs.
	Listing *Listing
}

// todo is the placeholder for a fact only the vendor knows. It is a valid
// value wherever the draft uses it, so the draft parses as it is.
const todo = "TODO"

// Draft writes a manifest for what a live server showed: every tool with its
// kind inferred from its annotations, its scopes and input fields, and the
// observed sign-in. What only the vendor knows (listing, data handling,
// operations) is left as TODO values or commented-out keys. The result
// parses with Parse, so init can be followed by check at once.
func Draft(obs live.Observation, opts DraftOptions) ([]byte, error) {
	if obs.Server.URL == "" {
		return nil, fmt.Errorf("drafting a manifest: the observation names no server URL")
	}
	root := mapping()
	root.HeadComment = fmt.Sprintf("Draft manifest (schema %s) written by dossier init from what %s showed.\n"+
		"Every value the server could not tell is TODO, and every commented-out key is one\n"+
		"the vendor should fill in. Check each inferred value: it is what the server says\n"+
		"of itself, not what is true.", SchemaID, obs.Server.URL)
	add(root, "schema", str(SchemaID))
	if opts.Listing != nil {
		add(root, "app", draftListingApp(obs, opts.Listing))
	} else {
		add(root, "app", draftApp(obs))
	}
	mode := authMode(obs)
	add(root, "server", draftServer(obs, mode))
	if p := draftProbe(obs, opts); p != nil {
		add(root, "probe", p)
	}
	add(root, "tools", draftTools(obs, mode))
	if opts.Listing != nil {
		add(root, "submission", draftSubmission(opts.Listing))
	}
	root.Content[len(root.Content)-2].FootComment = "TODO: what the app keeps and for how long, how a user's data is deleted on request,\n" +
		"and how logs are redacted (data.retention, data.log-redaction):\n" +
		"data:\n" +
		"  categories:\n" +
		"    - {name: TODO, retention: 30d, purpose: TODO}\n" +
		"  deletion: {process: TODO, within: 30d}\n" +
		"  logRedaction: TODO\n" +
		"  correlationIds: TODO\n" +
		"\n" +
		"TODO: environments, the patch policy (a time bound for critical fixes), monitoring,\n" +
		"incident contacts and audit logs (ops.*), or attestations by a named person:\n" +
		"operations:\n" +
		"  environments: [production]\n" +
		"  patchPolicy: {critical: 72h}\n" +
		"  monitoring: TODO\n" +
		"  incidentContacts:\n" +
		"    - {name: TODO, email: security@example.com}\n" +
		"  auditLogs: TODO"

	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("drafting a manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("drafting a manifest: %w", err)
	}
	return buf.Bytes(), nil
}

func draftApp(obs live.Observation) *yaml.Node {
	s := obs.Server
	app := mapping()
	name := firstNonEmpty(s.Title, s.Name)
	addTodo(app, "name", name, "the app's name as the directory shows it")
	addTodo(app, "vendor", "", "the company that publishes the app")
	addTodo(app, "version", s.Version, "")
	desc := oneLine(s.Instructions, 300)
	addTodo(app, "description", desc, "what the app does, in the listing's words")
	last := app.Content[len(app.Content)-1]
	last.FootComment = "TODO: the listing's URLs (listing.privacy-policy, listing.terms, listing.support-contact):\n" +
		"privacyPolicy: https://…\n" +
		"terms: https://…\n" +
		"support: an email address or an https URL"
	return app
}

// authMode is the sign-in the server showed: a 401 challenge to an
// unauthenticated initialize is oauth; an open initialize with tools that
// advertise oauth2 is mixed.
func authMode(obs live.Observation) string {
	switch {
	case obs.OAuth != nil && obs.OAuth.Challenge != "":
		return AuthOAuth
	case anyScheme(obs.Tools, "oauth2"):
		return AuthMixed
	}
	return AuthNone
}

func draftServer(obs live.Observation, mode string) *yaml.Node {
	srv := mapping()
	add(srv, "url", value(obs.Server.URL))
	auth := mapping()
	o := obs.OAuth
	modeNode := str(mode)
	switch mode {
	case AuthOAuth:
		modeNode.LineComment = "an unauthenticated initialize got a 401 challenge"
	case AuthMixed:
		modeNode.LineComment = "initialize is open but some tools advertise oauth2"
	default:
		modeNode.LineComment = "the server asked for no sign-in"
	}
	add(auth, "mode", modeNode)
	if mode != AuthNone {
		issuer := ""
		if o != nil {
			issuer = o.Issuer
			if issuer == "" && len(o.AuthorizationServers) > 0 {
				issuer = o.AuthorizationServers[0]
			}
		}
		in := value(issuer)
		in.LineComment = "from the protected resource metadata"
		if issuer == "" {
			u, _ := url.Parse(obs.Server.URL)
			in = str(u.Scheme + "://" + u.Host)
			in.LineComment = "TODO: no protected resource metadata named an issuer; this is a guess"
		}
		add(auth, "issuer", in)
		reg := RegistrationStatic
		why := "TODO: the AS metadata offers neither DCR nor CIMD; how do clients register?"
		switch {
		case o != nil && o.RegistrationEndpoint != "":
			reg, why = RegistrationDCR, "the AS metadata has a registration_endpoint"
		case o != nil && o.CIMD:
			reg, why = RegistrationCIMD, "the AS metadata has client_id_metadata_document_supported"
		}
		r := str(reg)
		r.LineComment = why
		add(auth, "registration", r)
		if o != nil && o.RevocationEndpoint != "" {
			rv := value(o.RevocationEndpoint)
			rv.LineComment = "from the AS metadata"
			add(auth, "revocation", rv)
		}
		last := auth.Content[len(auth.Content)-1]
		last.FootComment = "TODO: tokenLifetime (such as 1h) and refreshRotation (true or false) (auth.token-lifecycle)"
	}
	add(srv, "auth", auth)
	return srv
}

func draftProbe(obs live.Observation, opts DraftOptions) *yaml.Node {
	if opts.TokenEnv == "" {
		return nil
	}
	probe := mapping()
	tok := mapping()
	add(tok, "env", str(opts.TokenEnv))
	var scopes []string
	for _, t := range obs.Tools {
		for _, s := range oauthScopes(t) {
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	if obs.OAuth != nil && len(obs.OAuth.TokenScopes) > 0 {
		scopes = obs.OAuth.TokenScopes
	}
	if len(scopes) > 0 {
		sc := flowSeq(scopes)
		sc.LineComment = "TODO: the scopes this token was minted with"
		add(tok, "scopes", sc)
	}
	tokens := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{tok}}
	key := str("tokens")
	key.HeadComment = "Names of environment variables holding tokens, one per scope set (never the token).\n" +
		"TODO: add a token without each tool's scope so auth.scope-enforcement can run, and\n" +
		"callable: [the read tools the probe may call], each with an example in tools[]."
	probe.Content = append(probe.Content, key, tokens)
	return probe
}

func draftTools(obs live.Observation, mode string) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, t := range obs.Tools {
		tool := mapping()
		add(tool, "name", value(t.Name))
		kind, guess := inferKind(t.Hints)
		k := str(kind)
		if guess != "" {
			k.LineComment = guess
		}
		add(tool, "kind", k)
		if ow := t.Hints.OpenWorld; ow != nil && *ow {
			e := str("false")
			e.Tag = "!!bool"
			if kind == KindRead {
				e.LineComment = "TODO: openWorldHint is true; if the tool sends the user's data outside the app, set true (it is then a write)"
			} else {
				e.Value = "true"
				e.LineComment = "from openWorldHint: true"
			}
			add(tool, "egress", e)
		}
		if scopes := oauthScopes(t); len(scopes) > 0 {
			add(tool, "scopes", flowSeq(scopes))
		}
		if mode == AuthMixed && anySchemeOf(t, "noauth") {
			b := str("true")
			b.Tag = "!!bool"
			b.LineComment = "securitySchemes lists noauth"
			add(tool, "noauth", b)
		}
		if d := oneLine(t.Description, 300); d != "" {
			add(tool, "description", str(d))
		}
		if len(t.Fields) > 0 {
			inputs := mapping()
			for _, f := range t.Fields {
				in := mapping()
				p := str(todo)
				if d := oneLine(f.Description, 120); d != "" {
					p.LineComment = "the server says: " + d
				}
				add(in, "purpose", p)
				inputs.Content = append(inputs.Content, value(f.Name), in)
			}
			key := str("inputs")
			key.HeadComment = "TODO: why the tool needs each field (data.minimization)"
			tool.Content = append(tool.Content, key, inputs)
		}
		seq.Content = append(seq.Content, tool)
	}
	if len(seq.Content) == 0 {
		seq.Style = yaml.FlowStyle
	}
	return seq
}

// inferKind reads a tool's kind from its hints. Without readOnlyHint the
// conservative answer is write: a read declared as a write costs a
// confirmation prompt, a write declared as a read skips one.
func inferKind(h live.Hints) (kind, comment string) {
	switch {
	case h.ReadOnly == nil:
		return KindWrite, "TODO: annotations missing; kind guessed"
	case *h.ReadOnly:
		return KindRead, "from readOnlyHint: true"
	case h.Destructive == nil:
		return KindWrite, "TODO: destructiveHint missing; kind guessed"
	case *h.Destructive:
		return KindDestructive, "from destructiveHint: true"
	}
	return KindWrite, "from readOnlyHint: false, destructiveHint: false"
}

func oauthScopes(t live.Tool) []string {
	var out []string
	for _, s := range t.SecuritySchemes {
		if s.Type != "oauth2" {
			continue
		}
		for _, sc := range s.Scopes {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	return out
}

func anySchemeOf(t live.Tool, typ string) bool {
	return slices.ContainsFunc(t.SecuritySchemes, func(s live.SecurityScheme) bool { return s.Type == typ })
}

func anyScheme(ts []live.Tool, typ string) bool {
	return slices.ContainsFunc(ts, func(t live.Tool) bool { return anySchemeOf(t, typ) })
}

// oneLine flattens untrusted text into one line of at most n characters,
// with the characters a manifest refuses written as escapes.
func oneLine(s string, n int) string {
	s = Printable(strings.Join(strings.Fields(s), " "), false)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// Printable returns untrusted text (a server's, a received pack's) with
// every character that could act on a terminal or hide in a document
// written as a Go escape (\x1b, \u202e, \t): control characters (C0, DEL,
// C1), line and paragraph separators, bidi controls, and the bytes of
// invalid UTF-8. Line breaks are kept when keepNewlines is set. The result
// holds no character a manifest refuses, so a draft parses whatever the
// server said, and a terminal shows the server's text instead of obeying
// it.
func Printable(s string, keepNewlines bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return Unprintable(r) || r == utf8.RuneError }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case Unprintable(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Unprintable reports the characters Printable escapes: those that act on
// a terminal or hide and reorder text. It is the one list of them; the
// probe replaces the same characters when it collects a server's text.
func Unprintable(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == '\u200e' || r == '\u200f' || r == '\u061c' ||
		r == 0xfeff || r == 0xfffe || r == 0xffff
}

// value is str for text the server supplied: escaped, so that the draft
// parses whatever the server said.
func value(v string) *yaml.Node { return str(Printable(v, false)) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func flowSeq(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range vs {
		n.Content = append(n.Content, value(v))
	}
	return n
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// addTodo adds key with value v, or TODO and a comment saying what is
// wanted when the server did not tell.
func addTodo(m *yaml.Node, key, v, want string) {
	n := value(v)
	if strings.TrimSpace(v) == "" {
		n = str(todo)
		if want != "" {
			n.LineComment = "TODO: " + want
		}
	}
	add(m, key, n)
}
