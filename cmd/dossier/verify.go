package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/internal/netguard"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/contract"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/sign"
)

// problemsError says a command found what its exit code 3 is for: a pack
// that does not verify, a claim that no longer holds, a change that needs
// re-submission.
type problemsError struct{ msg string }

func (e *problemsError) Error() string { return e.msg }

type verifyFlags struct {
	pubkey       string
	requireSig   bool
	maxAge       string
	live         bool
	manifest     string
	format       string
	deadline     time.Duration
	tokenEnv     []string // NAME or NAME:SCOPE,SCOPE: the buyer's own token variables
	login        string
	allowPrivate bool
}

func newVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify PACK [--pubkey KEY] [--max-age 90d] [--live [--manifest FILE]]",
		Short: "Check a received pack: signature, every file's hash, freshness; with --live, every claim against the server",
		Long: `verify checks a pack (its directory, its pack.json, or a pack.zip) as the buyer
receives it:

  - the signature over SHA256SUMS, with --pubkey (a pack signed by another key is
    refused, naming both key IDs; without --pubkey it says whether one exists,
    and an unsigned or re-signed pack still verifies: nothing then vouches for
    who made it). --require-signature (implied by --pubkey) makes a pack
    without a checked signature a problem
  - every file against SHA256SUMS: none changed, none missing, none added
  - every evidence file against the evidence index in pack.json
  - a pack.zip inside the directory against the directory's files
  - freshness: the pack is not older than --max-age (0 for any age), and no
    attestation in it has expired

Each problem is one line naming the file. With --live it then probes the server
the pack describes and holds every claim of the pack against what it sees now:
the tool list, each tool's annotations, schemas, security schemes and scopes,
each widget's CSP and domain, the OAuth setup, and every check that passed on
probed ground. Each claim is confirmed, changed, or no longer checkable, with
the new probe's evidence IDs.

The pack is the vendor's: verify --live takes no credential, no variable name
and no permission to call a tool from it. Tokens come only from you:
--token-env NAME (repeatable; NAME:SCOPE,SCOPE names the token's scopes), --login
dcr, form or interactive, or your own --manifest (which also names the tools the
probe may call; no write tool is ever called). Without a token, claims that need
one are reported as not checked, never as changed. The origins it will contact
are shown before the first request; a pack whose URLs point at loopback or
private addresses is refused unless you pass --allow-private.

Exit codes: 0 the pack verifies (and every live claim holds), 1 the pack cannot
be read, 2 usage error, 3 any problem or any changed claim.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("verify takes one pack, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.verify(cmd, args[0], &f) },
	}
	cmd.Flags().StringVar(&f.pubkey, "pubkey", "", "the signer's public key (PEM, from dossier keygen)")
	cmd.Flags().BoolVar(&f.requireSig, "require-signature", false, "fail (exit 3) unless the pack is signed and the signature is checked (--pubkey implies it)")
	cmd.Flags().StringVar(&f.maxAge, "max-age", "90d", "the oldest pack to accept (m, h, d, w or y; 0 for any age)")
	cmd.Flags().BoolVar(&f.live, "live", false, "also probe the server and check every claim of the pack against it")
	cmd.Flags().StringVarP(&f.manifest, "manifest", "m", "", "with --live: probe with this manifest instead of the pack's")
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table or json")
	cmd.Flags().DurationVar(&f.deadline, "deadline", 2*time.Minute, "with --live: the whole probe's deadline")
	cmd.Flags().StringArrayVar(&f.tokenEnv, "token-env", nil, "with --live: a variable of yours holding a bearer token for the server, NAME or NAME:SCOPE,SCOPE (repeatable)")
	cmd.Flags().StringVar(&f.login, "login", "", "with --live: sign in to get tokens: dcr, form or interactive (env and auto only with your own --manifest; default none, or auto with --manifest)")
	cmd.Flags().BoolVar(&f.allowPrivate, "allow-private", false, "with --live: let the pack's URLs point at loopback or private addresses")
	return cmd
}

// verifyOutput is what verify --format json prints.
type verifyOutput struct {
	Verification *pack.Verification `json:"verification"`
	Live         *liveOutput        `json:"live,omitempty"`
}

type liveOutput struct {
	Server      string           `json:"server"`
	Confirmed   int              `json:"confirmed"`
	Changed     int              `json:"changed"`
	Uncheckable int              `json:"uncheckable"`
	Claims      []contract.Claim `json:"claims"`
}

func (e *env) verify(cmd *cobra.Command, path string, f *verifyFlags) error {
	if f.format != "table" && f.format != "json" {
		return &usageError{fmt.Errorf("--format %q: want table or json", f.format)}
	}
	if !f.live {
		for name, set := range map[string]bool{"--manifest": f.manifest != "", "--token-env": len(f.tokenEnv) > 0, "--login": f.login != "", "--allow-private": f.allowPrivate} {
			if set {
				return &usageError{fmt.Errorf("%s needs --live", name)}
			}
		}
	}
	opts := pack.VerifyOptions{Now: e.now().UTC(), RequireSignature: f.requireSig || f.pubkey != ""}
	if f.maxAge != "0" && f.maxAge != "" {
		d, err := manifest.Duration(f.maxAge).Std()
		if err != nil {
			return &usageError{fmt.Errorf("--max-age: %w", err)}
		}
		opts.MaxAge = d
	}
	if f.pubkey != "" {
		pub, err := sign.LoadPublic(f.pubkey)
		if err != nil {
			return &usageError{err}
		}
		opts.PublicKey = pub
	}
	v, err := pack.Verify(path, opts)
	if err != nil {
		return err
	}
	out := verifyOutput{Verification: v}
	if f.live {
		if v.Bundle == nil {
			return &problemsError{fmt.Sprintf("%s: pack.json cannot be read, so there is nothing to check live (%s)", path, problemList(v.Problems))}
		}
		lo, err := e.verifyLive(cmd, v.Bundle, f)
		if err != nil {
			return err
		}
		out.Live = lo
	}
	if f.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("writing the verification: %w", err)
		}
	} else {
		printVerification(e, v, opts.PublicKey)
		if out.Live != nil {
			printClaims(e, out.Live)
		}
	}
	var msgs []string
	if n := len(v.Problems); n > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s: the pack does not verify", n, pluralS(n, "problem")))
	}
	if out.Live != nil && out.Live.Changed > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s no longer %s on the live server", out.Live.Changed, pluralS(out.Live.Changed, "claim"), pluralVerb(out.Live.Changed, "holds", "hold")))
	}
	if len(msgs) > 0 {
		return &problemsError{strings.Join(msgs, "; ")}
	}
	return nil
}

// maxProblemLines bounds the problems printed as a table: a hostile pack
// can hold thousands; --format json lists them all.
const maxProblemLines = 100

func problemList(ps []pack.Problem) string {
	var s []string
	for i, p := range ps {
		if i == 5 {
			s = append(s, fmt.Sprintf("and %d more", len(ps)-i))
			break
		}
		s = append(s, escaped(p.String()))
	}
	return strings.Join(s, "; ")
}

// verifyLive probes the server again, with the pack's manifest or the
// buyer's, and holds the pack's claims against the new probe. The pack's
// manifest is the vendor's: it may name the server, but never where the
// buyer's credentials come from or which tools may be called.
func (e *env) verifyLive(cmd *cobra.Command, old *bundle.Bundle, f *verifyFlags) (*liveOutput, error) {
	m, own, err := liveManifest(old, f.manifest)
	if err != nil {
		return nil, err
	}
	if err := e.showTargets(cmd.Context(), m, own, f.allowPrivate); err != nil {
		return nil, err
	}
	ctx, cancel := withDeadline(cmd.Context(), f.deadline)
	defer cancel()
	tokens, err := e.liveTokens(ctx, m, own, f)
	if err != nil {
		return nil, err
	}
	// The new probe is dated now: SOURCE_DATE_EPOCH fixes the date of
	// packs, not of checks.
	now := e.now().UTC().Truncate(time.Second)
	opts := e.pipelineOptions(now)
	opts.Manifest, opts.Tokens, opts.ForeignRefusal, opts.Deadline = m, tokens.Tokens, tokens.ForeignRefusal, f.deadline
	fresh, err := pipeline.Run(ctx, opts)
	if err != nil {
		return nil, err
	}
	var co contract.ClaimOptions
	if m.Server.Auth.Mode != manifest.AuthNone && !hasToken(tokens.Tokens) {
		co.NoCredentials = "no token was given (name one with --token-env NAME, or use --login dcr)"
	}
	lo := &liveOutput{Server: m.Server.URL, Claims: contract.ClaimsWith(old, fresh, co)}
	for _, c := range lo.Claims {
		switch c.Status {
		case contract.Confirmed:
			lo.Confirmed++
		case contract.Changed:
			lo.Changed++
		default:
			lo.Uncheckable++
		}
	}
	return lo, nil
}

// liveManifest is the manifest verify --live probes with: the buyer's own
// (own is true), or a copy of the pack's stripped of what only the buyer may
// decide: attachments (the vendor's files, already in the pack), the tools
// the probe may call, and the names of the variables tokens come from.
func liveManifest(old *bundle.Bundle, path string) (m *manifest.Manifest, own bool, err error) {
	if path != "" {
		m, err := manifest.Load(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, &usageError{err}
		}
		return m, true, err
	}
	if old.Manifest == nil {
		return nil, false, fmt.Errorf("the pack has no manifest to probe with; give --manifest")
	}
	cp := *old.Manifest
	cp.Evidence = nil
	cp.Probe.Callable = nil
	cp.Probe.Tokens = nil
	for _, ts := range old.Manifest.Probe.Tokens {
		// The scopes say what to sign in for (--login dcr); the variable
		// name is the vendor's and is never read.
		cp.Probe.Tokens = append(cp.Probe.Tokens, manifest.TokenSource{Scopes: ts.Scopes, Audience: ts.Audience})
	}
	return &cp, false, nil
}

// liveTokens gets the new probe's tokens from what the buyer gave: the
// variables named with --token-env, then a sign-in with --login. Only the
// buyer's own manifest may name variables (--login env or auto).
func (e *env) liveTokens(ctx context.Context, m *manifest.Manifest, own bool, f *verifyFlags) (pipeline.Credentials, error) {
	var c pipeline.Credentials
	for _, spec := range f.tokenEnv {
		name, scopes, hasScopes := strings.Cut(spec, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			return c, &usageError{fmt.Errorf("--token-env %q: want NAME or NAME:SCOPE,SCOPE", spec)}
		}
		v := strings.TrimSpace(e.getenv(name))
		if v == "" {
			return c, &usageError{fmt.Errorf("--token-env %s: the variable is not set", name)}
		}
		t := collect.Token{Value: v, Source: name}
		if hasScopes {
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					t.Scopes = append(t.Scopes, s)
				}
			}
		}
		c.Tokens = append(c.Tokens, t)
	}
	mode := f.login
	switch {
	case mode == "" && own:
		mode = pipeline.LoginAuto
	case mode == "" || mode == "none":
		if len(c.Tokens) == 0 && m.Server.Auth.Mode != manifest.AuthNone {
			e.progress("probing without a token: claims that need one will be reported as not checked (name one with --token-env NAME, or use --login dcr)")
		}
		return c, nil
	case !own && (mode == pipeline.LoginEnv || mode == pipeline.LoginAuto):
		return c, &usageError{fmt.Errorf("--login %s reads the variables a manifest names, and the pack's manifest is the vendor's: name your own with --token-env NAME, or give your own --manifest", mode)}
	}
	signed, err := e.signIn(ctx, m, mode)
	if err != nil {
		return c, err
	}
	c.Tokens = append(c.Tokens, signed.Tokens...)
	c.ForeignRefusal = signed.ForeignRefusal
	return c, nil
}

func hasToken(ts []collect.Token) bool {
	for _, t := range ts {
		if t.Value != "" && t.Audience == "" {
			return true
		}
	}
	return false
}

// showTargets says on stderr, before any request, which origins the new
// probe will contact, and refuses a pack whose URLs lead to loopback or
// private addresses unless the buyer allowed it: the pack chose them, not
// the buyer.
func (e *env) showTargets(ctx context.Context, m *manifest.Manifest, own bool, allowPrivate bool) error {
	from := "the pack's manifest"
	if own {
		from = "your manifest"
	}
	var origins []string
	var private []string
	guard := netguard.New(netguard.Config{}) // names nothing: every non-public address is refused
	for _, raw := range []string{m.Server.URL, m.Server.Auth.Issuer, m.Server.Auth.OIDCDiscovery, m.Server.Auth.Revocation, m.App.PrivacyPolicy, m.App.Terms, m.App.Support} {
		u, err := url.Parse(raw)
		if raw == "" || err != nil || u.Host == "" {
			continue
		}
		origin := u.Scheme + "://" + u.Host
		if slices.Contains(origins, origin) {
			continue
		}
		origins = append(origins, origin)
		if own || allowPrivate {
			continue
		}
		if why := guard.RefuseURL(ctx, u); why != "" {
			private = append(private, fmt.Sprintf("%s (%s)", escaped(origin), why))
		}
	}
	for i := range origins {
		origins[i] = escaped(origins[i])
	}
	e.progress(fmt.Sprintf("verify --live will probe %s, from %s (also: %s)", escaped(m.Server.URL), from, orDash(strings.Join(origins[min(1, len(origins)):], ", "))))
	if len(private) > 0 {
		return &usageError{fmt.Errorf("the pack's manifest points at %s: not probed, since a pack must not steer your machine into your own network; pass --allow-private if you mean to probe it", strings.Join(private, ", "))}
	}
	return nil
}

func printVerification(e *env, v *pack.Verification, pub ed25519.PublicKey) {
	w := e.stdout
	fmt.Fprintf(w, "pack       %s (%s)\n", escaped(v.Pack), v.Kind)
	fmt.Fprintf(w, "signature  %s: %s\n", v.Signature.Status, escaped(v.Signature.Detail))
	fmt.Fprintf(w, "files      %d listed in SHA256SUMS, %d evidence items in pack.json\n", v.Files, v.Evidence)
	if !v.Created.IsZero() {
		fmt.Fprintf(w, "built      %s\n", v.Created.Format(time.RFC3339))
	}
	if len(v.Problems) == 0 {
		fmt.Fprintln(w, "\nThe pack verifies: every file matches SHA256SUMS and the evidence index, nothing is missing or added, and it is fresh.")
		switch {
		case v.Signature.Status == pack.SigUnsigned:
			fmt.Fprintln(w, "Nothing vouches for who made it: the pack is not signed, so anyone could have built it or changed it and listed the new hashes. Ask for a signed pack and verify it with --pubkey.")
		case pub == nil:
			fmt.Fprintln(w, "The signature was not checked, so nothing vouches for who made it (anyone can re-sign a pack): give --pubkey with the vendor's key.")
		}
		return
	}
	fmt.Fprintln(w)
	for i, p := range v.Problems {
		if i == maxProblemLines {
			fmt.Fprintf(w, "… and %d more %s (--format json lists them all)\n", len(v.Problems)-i, pluralS(len(v.Problems)-i, "problem"))
			break
		}
		fmt.Fprintf(w, "FAIL  %s\n", escaped(p.String()))
	}
}

func printClaims(e *env, lo *liveOutput) {
	fmt.Fprintf(e.stdout, "\nLive claims against %s: %d confirmed, %d changed, %d not checked.\n", escaped(lo.Server), lo.Confirmed, lo.Changed, lo.Uncheckable)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSUBJECT\tCLAIM\tEVIDENCE\tDETAIL")
	for _, c := range lo.Claims {
		detail := ""
		if c.Status != contract.Confirmed {
			detail = "was " + orDash(c.Old) + "; now " + orDash(c.New)
			if c.Resubmit {
				detail += " (needs re-submission)"
			}
		}
		ids := make([]string, len(c.Evidence))
		for i, id := range c.Evidence {
			ids[i] = string(id)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Status, oneLine(c.Subject), oneLine(c.Claim), oneLine(strings.Join(ids, " ")), oneLine(detail))
	}
	tw.Flush()
}

// oneLine keeps a table cell on one line, short and escaped: the pack's
// and the server's text can be anything.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return orDash(escaped(s))
}
