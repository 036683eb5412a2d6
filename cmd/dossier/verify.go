package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/collect"
	"github.com/dossier-dev/dossier/internal/english"
	"github.com/dossier-dev/dossier/internal/netguard"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/check"
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
	all          bool   // with --live: list the confirmed claims too
	failOn       string // with --live: the least severe change that makes exit 3
	incomplete   bool   // with --live: claims not checked do not make exit 1
	out          string // with --live: keep the new probe as a pack here
}

func newVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify PACK [--pubkey KEY] [--max-age 90d] [--live [--manifest FILE] [--out DIR]]",
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
probed ground. Each claim is confirmed, changed, or not checked, with the new
probe's evidence IDs. The changes come first, worst first, each with what it
puts at stake: the severity of the check that fails now, or for a contract
change that needs re-submission resubmit.contract's (medium), else info. Then
the claims not checked, grouped by why, and one summary line ("3 changes since
the pack: 1 critical, 2 medium; 41 claims confirmed"). --all lists the
confirmed claims too. --out DIR keeps the new probe as a pack of its own (its
changes since the received pack recorded), written as build writes one, into a
new or empty directory outside the received pack.

The pack is the vendor's: verify --live takes no credential, no variable name
and no permission to call a tool from it. Tokens come only from you:
--token-env NAME (repeatable; NAME:SCOPE,SCOPE names the token's scopes), --login
dcr, form or interactive, or your own --manifest (which also names the tools the
probe may call; no write tool is ever called). Without a token, claims that need
one are reported as not checked, never as changed. The origins it will contact
are shown before the first request; a pack whose URLs point at loopback or
private addresses is refused unless you pass --allow-private.

Exit codes: 0 the pack verifies (and every live claim holds), 1 the pack cannot
be read, the server cannot be probed, or (with --live) claims could not be
checked, unless --allow-incomplete, 2 usage error, 3 any problem, or a changed
claim at or above --fail-on (default info: any change). A changed claim wins
over claims not checked, as in check.`,
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
	cmd.Flags().BoolVar(&f.all, "all", false, "with --live: list the confirmed claims too (default: changes, then the claims not checked, then the summary)")
	cmd.Flags().StringVar(&f.failOn, "fail-on", "info", "with --live: exit 3 when a claim changed at or above this severity: critical, high, medium, low, info, or none")
	cmd.Flags().BoolVar(&f.incomplete, "allow-incomplete", false, "with --live: exit 0 even when claims could not be checked; without it verify exits 1")
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "with --live: keep the new probe as a pack in this new or empty directory (never inside the received pack)")
	return cmd
}

// verifyOutput is what verify --format json prints.
type verifyOutput struct {
	Verification *pack.Verification `json:"verification"`
	Live         *liveOutput        `json:"live,omitempty"`
}

type liveOutput struct {
	Server      string `json:"server"`
	Confirmed   int    `json:"confirmed"`
	Changed     int    `json:"changed"`
	Uncheckable int    `json:"uncheckable"`
	Summary     string `json:"summary"`       // the line the table ends with
	Out         string `json:"out,omitempty"` // the new probe's pack, with --out
	// Hint says how to check what was not, when the pack's manifest was
	// probed with: it lent no tool to call and no variable to read.
	Hint   string           `json:"hint,omitempty"`
	Claims []contract.Claim `json:"claims"` // changes first, worst first
}

func (e *env) verify(cmd *cobra.Command, path string, f *verifyFlags) error {
	if f.format != "table" && f.format != "json" {
		return &usageError{fmt.Errorf("--format %q: want table or json", f.format)}
	}
	if !f.live {
		for name, set := range map[string]bool{"--manifest": f.manifest != "", "--token-env": len(f.tokenEnv) > 0, "--login": f.login != "", "--allow-private": f.allowPrivate,
			"--all": f.all, "--fail-on": cmd.Flags().Changed("fail-on"), "--allow-incomplete": f.incomplete, "--out": f.out != ""} {
			if set {
				return &usageError{fmt.Errorf("%s needs --live", name)}
			}
		}
	}
	failOn, err := parseFailOn(f.failOn)
	if err != nil {
		return err
	}
	if f.out != "" {
		// Before the probe: a directory that may not be written should
		// not cost a whole run to find out.
		if err := checkKeep(f.out, path); err != nil {
			return err
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
		lo, err := e.verifyLive(cmd, v, f)
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
		printVerification(e, v, opts)
		if out.Live != nil {
			printClaims(e, out.Live, f.all)
		}
	}
	var msgs []string
	if n := len(v.Problems); n > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s: the pack does not verify", n, english.PluralS(n, "problem")))
	}
	if out.Live != nil {
		var changed []check.Severity
		for _, c := range out.Live.Claims {
			if c.Status == contract.Changed {
				changed = append(changed, c.Severity)
			}
		}
		if n, worst := atOrAbove(changed, failOn); n > 0 {
			msgs = append(msgs, fmt.Sprintf("%d %s no longer %s on the live server (%s at or above %s; worst: %s)", n, english.PluralS(n, "claim"), english.Plural(n, "holds", "hold"), english.Plural(n, "a change", "changes"), failOn, worst))
		}
	}
	if len(msgs) > 0 {
		return &problemsError{strings.Join(msgs, "; ")}
	}
	if out.Live != nil && out.Live.Uncheckable > 0 && !f.incomplete {
		n := out.Live.Uncheckable
		return fmt.Errorf("%d %s could not be checked on the live server (each says why); --allow-incomplete accepts that", n, english.PluralS(n, "claim"))
	}
	return nil
}

// checkKeep refuses an --out directory verify --live may not write the new
// probe's pack into: one that holds anything (a kept probe is never
// overwritten), one inside the received pack (that would change it), or
// one pack.CheckOut refuses.
func checkKeep(out, received string) error {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return &usageError{fmt.Errorf("--out %q is not empty: the new probe's pack is written only into a new or empty directory, never over another", out)}
	}
	// A pack.json stands for its directory; a pack.zip is the pack by
	// itself (one inside a directory pack is covered by CheckOut, which
	// refuses any directory inside a pack).
	root := received
	if filepath.Base(received) == "pack.json" {
		root = filepath.Dir(received)
	}
	if inside(out, root) {
		return &usageError{fmt.Errorf("--out %q is inside the received pack %q: writing there would change it; choose a directory outside it", out, root)}
	}
	if err := pack.CheckOut(out); err != nil {
		return &usageError{err}
	}
	return nil
}

// inside reports whether path is dir or below it, symbolic links in their
// existing parts resolved.
func inside(path, dir string) bool {
	p, d := resolved(path), resolved(dir)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolved is path made absolute, with the symbolic links of its longest
// existing prefix resolved (the rest does not exist yet).
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	var rest []string
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, rest...)...)
		}
		if p == filepath.Dir(p) {
			return abs
		}
		rest = append([]string{filepath.Base(p)}, rest...)
	}
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
func (e *env) verifyLive(cmd *cobra.Command, v *pack.Verification, f *verifyFlags) (*liveOutput, error) {
	old := v.Bundle
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
	if f.out != "" {
		// The kept pack records its changes since the received one; the
		// received pack steers nothing of the probe.
		opts.Since, opts.SinceJSON = old, v.JSON
	}
	fresh, err := pipeline.Run(ctx, opts)
	if err != nil {
		return nil, err
	}
	var co contract.ClaimOptions
	if m.Server.Auth.Mode != manifest.AuthNone && !hasToken(tokens.Tokens) {
		co.NoCredentials = "no token was given (name one with --token-env NAME, or use --login dcr)"
	}
	lo := &liveOutput{Server: m.Server.URL, Claims: contract.ClaimsWith(old, fresh, co)}
	// Changes first, worst first; then the claims not checked; then the
	// confirmed ones, each group in the order Claims gives.
	slices.SortStableFunc(lo.Claims, func(a, b contract.Claim) int {
		if d := claimRank(b) - claimRank(a); d != 0 {
			return d
		}
		return b.Severity.Rank() - a.Severity.Rank()
	})
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
	lo.Summary = liveSummary(lo)
	if lo.Uncheckable > 0 && !own {
		lo.Hint = "The pack's manifest was probed without what only you may decide (the tools to call, the variables holding tokens, attached files): to check more, give tokens with --token-env NAME[:SCOPES] or --login dcr, or your own --manifest naming read tools in probe.callable and tokens in probe.tokens."
	}
	if f.out != "" {
		w, err := pack.WriteWith(cmd.Context(), fresh, f.out, pack.WriteOptions{Formats: pack.DefaultFormats()})
		if err != nil {
			return nil, fmt.Errorf("keeping the new probe as a pack: %w", err)
		}
		lo.Out = w.Dir
	}
	return lo, nil
}

// claimRank orders claims as verify --live prints them: changes, then the
// claims not checked, then the confirmed.
func claimRank(c contract.Claim) int {
	switch c.Status {
	case contract.Changed:
		return 2
	case contract.Uncheckable:
		return 1
	}
	return 0
}

// liveSummary is the line verify --live ends with: "3 changes since the
// pack: 1 critical, 2 medium; 41 claims confirmed; 2 not checked."
func liveSummary(lo *liveOutput) string {
	var sevs []check.Severity
	for _, c := range lo.Claims {
		if c.Status == contract.Changed {
			sevs = append(sevs, c.Severity)
		}
	}
	s := "No change since the pack"
	if n := len(sevs); n > 0 {
		s = fmt.Sprintf("%d %s since the pack: %s", n, english.PluralS(n, "change"), strings.Trim(bySeverity(sevs), " ()"))
	}
	s += fmt.Sprintf("; %d %s confirmed", lo.Confirmed, english.PluralS(lo.Confirmed, "claim"))
	if lo.Uncheckable > 0 {
		s += fmt.Sprintf("; %d not checked", lo.Uncheckable)
	}
	return s + "."
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

func printVerification(e *env, v *pack.Verification, opts pack.VerifyOptions) {
	pub := opts.PublicKey
	w := e.stdout
	fmt.Fprintf(w, "pack       %s (%s)\n", escaped(v.Pack), v.Kind)
	fmt.Fprintf(w, "signature  %s: %s\n", v.Signature.Status, escaped(v.Signature.Detail))
	fmt.Fprintf(w, "files      %d listed in SHA256SUMS, %d evidence items in pack.json\n", v.Files, v.Evidence)
	if !v.Created.IsZero() {
		fmt.Fprintf(w, "built      %s\n", v.Created.Format(time.RFC3339))
	}
	if len(v.Problems) == 0 {
		fresh := "it is fresh"
		if opts.MaxAge == 0 {
			fresh = "no attestation in it has expired (its age was not checked: --max-age 0)"
		}
		fmt.Fprintln(w, "\nThe pack verifies: every file matches SHA256SUMS and the evidence index, nothing is missing or added, and "+fresh+".")
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
			fmt.Fprintf(w, "… and %d more %s (--format json lists them all)\n", len(v.Problems)-i, english.PluralS(len(v.Problems)-i, "problem"))
			break
		}
		fmt.Fprintf(w, "FAIL  %s\n", escaped(p.String()))
	}
}

// printClaims prints the live claims: the changes worst first, each with
// its detail wrapped under it; the claims not checked, grouped by why
// (each under all); the confirmed ones only under all; then the summary.
func printClaims(e *env, lo *liveOutput, all bool) {
	w, t := e.stdout, e.terminal()
	var changed, unchecked, confirmed []contract.Claim
	for _, c := range lo.Claims {
		switch c.Status {
		case contract.Changed:
			changed = append(changed, c)
		case contract.Confirmed:
			confirmed = append(confirmed, c)
		default:
			unchecked = append(unchecked, c)
		}
	}
	fmt.Fprintf(w, "\nLive claims against %s:\n", escaped(lo.Server))
	if len(changed) > 0 {
		// Columns aligned across rows although a detail follows each.
		rows := [][]string{{"SEVERITY", "CLAIM", "SUBJECT", "EVIDENCE"}}
		for _, c := range changed {
			rows = append(rows, []string{orDash(string(c.Severity)), oneLine(c.Claim), oneLine(c.Subject), oneLine(evidenceIDs(c.Evidence))})
		}
		widths := make([]int, len(rows[0]))
		for _, r := range rows {
			for i, cell := range r {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
		for i, r := range rows {
			for j := range len(r) - 1 {
				r[j] += strings.Repeat(" ", widths[j]-utf8.RuneCountInString(r[j]))
			}
			fmt.Fprintln(w, strings.Join(r, "  "))
			if i > 0 {
				for _, l := range wrap(escaped(changeDetail(changed[i-1])), t.width-4) {
					fmt.Fprintln(w, "    "+l)
				}
			}
		}
	}
	if len(unchecked) > 0 {
		fmt.Fprintf(w, "\nNot checked (%d):\n", len(unchecked))
		if all {
			for _, c := range unchecked {
				fmt.Fprintf(w, "  %s %s: %s\n", oneLine(c.Subject), oneLine(c.Claim), oneLine(c.New))
			}
		} else {
			var whys []string
			by := map[string][]string{}
			for _, c := range unchecked {
				if _, ok := by[c.New]; !ok {
					whys = append(whys, c.New)
				}
				by[c.New] = append(by[c.New], c.Subject+" "+c.Claim)
			}
			for _, why := range whys {
				subjects := by[why]
				shown := strings.Join(subjects[:min(3, len(subjects))], ", ")
				if len(subjects) > 3 {
					shown += fmt.Sprintf(" and %d more", len(subjects)-3)
				}
				fmt.Fprintf(w, "  %d %s: %s\n", len(subjects), english.PluralS(len(subjects), "claim"), oneLine(shown))
				for _, l := range wrap(escaped(why), t.width-4) {
					fmt.Fprintln(w, "    "+l)
				}
			}
		}
	}
	if lo.Hint != "" {
		for _, l := range wrap(lo.Hint, t.width-2) {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if all && len(confirmed) > 0 {
		fmt.Fprintf(w, "\nConfirmed (%d):\n", len(confirmed))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLAIM\tSUBJECT\tEVIDENCE")
		for _, c := range confirmed {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", oneLine(c.Claim), oneLine(c.Subject), oneLine(evidenceIDs(c.Evidence)))
		}
		tw.Flush()
	}
	if lo.Out != "" {
		fmt.Fprintf(w, "\nThe new probe is kept as a pack in %s (dossier verify %s checks it; dossier diff compares it).\n", escaped(lo.Out), escaped(lo.Out))
	}
	summary := lo.Summary
	if !all && len(confirmed) > 0 {
		summary += " --all lists every claim."
	}
	fmt.Fprintln(w, "\n"+escaped(summary))
}

// changeDetail says what changed: the annotations or CSP entries that
// differ, else the old and new value; and whether it needs re-submission.
func changeDetail(c contract.Claim) string {
	var s string
	switch c.Kind {
	case bundle.ChangeAnnotations, bundle.ChangeCSPWidened, bundle.ChangeCSPNarrowed, bundle.ChangeCSPChanged:
		s = contract.Describe(bundle.Change{Kind: c.Kind, Old: c.Old, New: c.New})
	default:
		s = "was " + orDash(c.Old) + "; now " + orDash(c.New)
	}
	if c.Resubmit {
		s += " (needs re-submission)"
	}
	return s
}

func evidenceIDs(ids []check.EvidenceID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
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
