package app

import (
	"archive/zip"
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The sample plugin package, in both layouts, as a vendor of Orderly would
// submit it. Its URLs are on CanonicalOrigin, like the manifest's.
//
//go:embed all:plugin
var pluginFS embed.FS

// PluginLayouts are the layouts the sample package ships in.
func PluginLayouts() []string { return []string{"codex", "agent-plugins"} }

// ChallengeToken is the domain verification token the sample app serves at
// /.well-known/openai-apps-challenge, and its manifest names.
const ChallengeToken = "orderly-sample-challenge-5d2c9a71e4"

// TunnelOrigin is where the tunnel-url flaw says the app is served: a
// temporary tunnel domain (Server.Tunnel reaches the app there in tests).
const TunnelOrigin = "https://orderly-sample.trycloudflare.com"

// Submission flaw names.
const (
	flawTwoServers     = "two-mcp-servers"
	flawClientSecret   = "client-secret"
	flawTunnel         = "tunnel-url"
	flawWrongChallenge = "wrong-challenge-token"
	flawThreeCases     = "three-test-cases"
	flawListing404     = "listing-404"
	flawReviewerMFA    = "reviewer-mfa"
)

// SubmissionFlaw is a defect of what is submitted: planted in the plugin
// package, in the manifest, or in the server (Options.Flaw), it fails
// exactly one submission check.
type SubmissionFlaw struct {
	Flaw
	Plants string // "package", "manifest", "server", or "package and manifest"
}

// SubmissionFlaws lists them. Two fail submission.package, unlike Flaws,
// which has one flaw per check: a package is rejected for either.
func SubmissionFlaws() []SubmissionFlaw {
	return []SubmissionFlaw{
		{Flaw{flawTwoServers, "submission.package", "The package's MCP file connects a second http server (orderly-legacy)."}, "package"},
		{Flaw{flawClientSecret, "submission.package", "The package's MCP server entry carries an oauth block with a clientSecret."}, "package"},
		{Flaw{flawTunnel, "submission.endpoint", "The app is served through a temporary tunnel (" + TunnelOrigin + "): the manifest and the package both name it."}, "package and manifest"},
		{Flaw{flawWrongChallenge, "submission.domain-verification", "/.well-known/openai-apps-challenge serves a stale token, not the one the manifest names."}, "server"},
		{Flaw{flawThreeCases, "submission.test-cases", "The manifest lists three positive test cases instead of five."}, "manifest"},
		{Flaw{flawListing404, "submission.listing", "The package's websiteURL names /about, which the app answers with 404."}, "package"},
		{Flaw{flawReviewerMFA, "submission.reviewer-account", "After the right username and password, the sign-in page asks for a six-digit code it says it emailed; no code is ever accepted."}, "server"},
	}
}

// SubmissionOrigin is the origin the submitted package and manifest name
// for a flaw: the tunnel's for tunnel-url, the app's own otherwise.
func SubmissionOrigin(flaw, origin string) string {
	if flaw == flawTunnel {
		return TunnelOrigin
	}
	return origin
}

// SubmissionManifest is the sample manifest with its URLs on origin and a
// manifest flaw planted ("" or another flaw: none).
func SubmissionManifest(origin, flaw string) []byte {
	data := Manifest()
	if flaw == flawThreeCases {
		// Drop the last two positive test cases: they run from the
		// delivery note case to the negative cases.
		start := bytes.Index(data, []byte("    - description: Add a delivery note"))
		end := bytes.Index(data, []byte("  negativeTestCases:"))
		if start > 0 && end > start {
			data = append(data[:start:start], data[end:]...)
		}
	}
	return bytes.ReplaceAll(data, []byte(CanonicalOrigin), []byte(SubmissionOrigin(flaw, origin)))
}

// PluginFiles returns the sample package in a layout, every URL on origin
// (SubmissionOrigin for a flaw), with a package flaw planted.
func PluginFiles(layout, origin, flaw string) (map[string][]byte, error) {
	if !slices.Contains(PluginLayouts(), layout) {
		return nil, fmt.Errorf("unknown plugin layout %q (want one of %s)", layout, strings.Join(PluginLayouts(), ", "))
	}
	root := "plugin/" + layout
	out := map[string][]byte{}
	err := fs.WalkDir(pluginFS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := pluginFS.ReadFile(p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, root+"/")] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the sample plugin package: %w", err)
	}
	mcpFile := map[string]string{"codex": ".mcp.json", "agent-plugins": "mcp.json"}[layout]
	for name, data := range out {
		if flaw == flawListing404 {
			data = bytes.ReplaceAll(data, []byte(`"websiteURL": "`+CanonicalOrigin+`/"`), []byte(`"websiteURL": "`+CanonicalOrigin+`/about"`))
		}
		out[name] = bytes.ReplaceAll(data, []byte(CanonicalOrigin), []byte(SubmissionOrigin(flaw, origin)))
	}
	if flaw == flawTwoServers || flaw == flawClientSecret {
		var mcp struct {
			Schema     string                    `json:"$schema,omitempty"`
			MCPServers map[string]map[string]any `json:"mcpServers"`
		}
		if err := json.Unmarshal(out[mcpFile], &mcp); err != nil {
			return nil, fmt.Errorf("reading the sample %s: %w", mcpFile, err)
		}
		srv := mcp.MCPServers["orderly"]
		if flaw == flawTwoServers {
			mcp.MCPServers["orderly-legacy"] = map[string]any{"type": srv["type"], "url": strings.TrimSuffix(srv["url"].(string), "/mcp") + "/legacy/mcp"}
		} else {
			srv["oauth"] = map[string]any{"clientId": "orderly-chatgpt", "clientSecret": "sample-client-secret-not-real"}
		}
		data, err := json.MarshalIndent(mcp, "", "  ")
		if err != nil {
			return nil, err
		}
		out[mcpFile] = data
	}
	return out, nil
}

// WritePlugin writes the sample package to p: a directory, or a zip when
// p ends in .zip.
func WritePlugin(p, layout, origin, flaw string) error {
	files, err := PluginFiles(layout, origin, flaw)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, n := range names {
			w, err := zw.Create(n)
			if err != nil {
				return err
			}
			w.Write(files[n])
		}
		if err := zw.Close(); err != nil {
			return err
		}
		return os.WriteFile(p, b.Bytes(), 0o644)
	}
	for _, n := range names {
		full := filepath.Join(p, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// domainChallenge serves the domain verification token, as text/plain alone.
func (s *Server) domainChallenge(mux *http.ServeMux) {
	token := ChallengeToken
	if s.flaw == flawWrongChallenge {
		token = "orderly-sample-challenge-stale0000"
	}
	mux.HandleFunc("GET /.well-known/openai-apps-challenge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, token)
	})
}

// Tunnel is a transport that reaches the app at TunnelOrigin, as a tunnel
// would forward it: requests for that origin go to the app, with the
// tunnel's origin rewritten to the app's on the way in and back on the way
// out (the app behind a real tunnel would be configured with its public
// URL). Requests for other origins go out unchanged.
func (s *Server) Tunnel() http.RoundTripper { return tunnel{s} }

type tunnel struct{ s *Server }

func (t tunnel) RoundTrip(req *http.Request) (*http.Response, error) {
	pub, _ := url.Parse(TunnelOrigin)
	if req.URL.Host != pub.Host {
		return http.DefaultTransport.RoundTrip(req)
	}
	local, _ := url.Parse(t.s.Origin)
	in := req.Clone(req.Context())
	in.URL.Scheme, in.URL.Host, in.Host = local.Scheme, local.Host, local.Host
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = bytes.ReplaceAll(body, []byte(TunnelOrigin), []byte(t.s.Origin))
		body = bytes.ReplaceAll(body, []byte(url.QueryEscape(TunnelOrigin)), []byte(url.QueryEscape(t.s.Origin)))
		in.Body, in.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		in.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	for k, vs := range in.Header {
		for i, v := range vs {
			in.Header[k][i] = strings.ReplaceAll(v, TunnelOrigin, t.s.Origin)
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(in)
	if err != nil {
		return nil, err
	}
	for k, vs := range resp.Header {
		for i, v := range vs {
			resp.Header[k][i] = strings.ReplaceAll(v, t.s.Origin, TunnelOrigin)
		}
	}
	resp.Body = lineRewriter(resp.Body, t.s.Origin, TunnelOrigin)
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
	resp.Request = req
	return resp, nil
}

// lineRewriter replaces old by new in a body line by line, so that an
// event stream that stays open is rewritten as it flows.
func lineRewriter(body io.ReadCloser, old, new string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReader(body)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				if _, werr := io.WriteString(pw, strings.ReplaceAll(line, old, new)); werr != nil {
					body.Close()
					return
				}
			}
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				body.Close()
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return struct {
		io.Reader
		io.Closer
	}{pr, closerFunc(func() error { pr.Close(); return body.Close() })}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// emailedCode is the reviewer-mfa flaw's second step: after the password,
// a page asks for a code "sent by email", which no reviewer has. It
// reports whether it answered the request.
func (a *authServer) emailedCode(w http.ResponseWriter, f url.Values) bool {
	if a.flaw != flawReviewerMFA {
		return false
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	status := http.StatusOK
	if f.Has("otp") {
		status = http.StatusUnauthorized
	}
	w.WriteHeader(status)
	mfaTemplate.Execute(w, struct {
		Params url.Values
		Wrong  bool
	}{f, f.Has("otp")})
	return true
}

var mfaTemplate = template.Must(template.New("mfa").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Check your email</title></head><body><main>
<h1>Check your email</h1>
<p>We emailed a 6-digit verification code to the address on your Orderly account. Enter it to finish signing in.</p>
{{if .Wrong}}<p role="alert">That code is not right.</p>{{end}}
<form method="post">
{{range $k, $vs := .Params}}{{if ne $k "otp"}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}{{end}}
<label for="otp">Verification code</label><input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form></main></body></html>`))
