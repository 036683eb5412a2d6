// Package live holds what the probe observed on the live server: the
// handshake, the tools and UI resources as listed, and the OAuth setup as
// discovered. collect fills it; pack serializes and judges from it. It is a
// leaf package: it imports only the shared vocabulary of pack/check.
package live

import (
	"encoding/json"
	"time"

	"github.com/dossier-dev/dossier/pack/check"
)

// Protocol eras.
const (
	EraStateful  = "initialize"      // 2025-06-18, 2025-11-25: initialize + sessions
	EraStateless = "server/discover" // 2026-07-28
)

// Observation is everything the probe saw.
type Observation struct {
	Server    Server     `json:"server"`
	Tools     []Tool     `json:"tools"`
	Resources []Resource `json:"resources,omitempty"`
	OAuth     *OAuth     `json:"oauth,omitempty"`
	Skipped   []Skip     `json:"skipped,omitempty"` // active probes not run, and why
	Limits    []string   `json:"limits,omitempty"`  // bounds that were hit

	// ToolsIncomplete says why tools/list was not read whole (a bound was
	// hit, a page failed): a declared tool missing from Tools may exist
	// on the server, so nothing is judged from its absence.
	ToolsIncomplete string `json:"toolsIncomplete,omitempty"`

	// RefusedRedirects lists redirects to another origin the probe did not
	// follow, as "from -> to".
	RefusedRedirects []string `json:"refusedRedirects,omitempty"`
}

// Server is the handshake's outcome.
type Server struct {
	URL             string          `json:"url"`
	Reached         bool            `json:"reached"`
	Era             string          `json:"era,omitempty"`
	ProtocolVersion string          `json:"protocolVersion,omitempty"`
	Name            string          `json:"name,omitempty"`
	Title           string          `json:"title,omitempty"`
	Version         string          `json:"version,omitempty"`
	Instructions    string          `json:"instructions,omitempty"`
	Capabilities    json.RawMessage `json:"capabilities,omitempty"`

	// Discover records the raw server/discover probe: true when the server
	// answered it listing 2026-07-28 or later (the stateless era), and the
	// versions it listed whenever it answered.
	Discover         bool     `json:"discover,omitempty"`
	DiscoverVersions []string `json:"discoverVersions,omitempty"`
	// Stateful is true when the server handed out an Mcp-Session-Id.
	Stateful bool `json:"stateful,omitempty"`
}

// Tool is one entry of tools/list, with the annotation hints read from the
// raw JSON so that "absent" and "false" stay distinct.
type Tool struct {
	Name            string           `json:"name"`
	Title           string           `json:"title,omitempty"`
	Description     string           `json:"description,omitempty"`
	Hints           Hints            `json:"hints"`
	InputSchema     json.RawMessage  `json:"inputSchema,omitempty"`
	OutputSchema    json.RawMessage  `json:"outputSchema,omitempty"`
	Meta            json.RawMessage  `json:"_meta,omitempty"`
	Fields          []Field          `json:"fields,omitempty"` // top-level input properties
	SecuritySchemes []SecurityScheme `json:"securitySchemes,omitempty"`
	UI              string           `json:"ui,omitempty"` // _meta.ui.resourceUri or openai/outputTemplate

	// SecuritySchemes holds the top-level securitySchemes, or the _meta
	// mirror when the top level is absent. MetaSecuritySchemes is the
	// _meta["securitySchemes"] mirror as given; SchemesSource says where
	// SecuritySchemes came from: "top-level", "_meta" or "" (neither).
	MetaSecuritySchemes []SecurityScheme `json:"metaSecuritySchemes,omitempty"`
	SchemesSource       string           `json:"schemesSource,omitempty"`
	// UILinks lists every distinct UI link of the tool (_meta.ui.resourceUri,
	// openai/outputTemplate, legacy ui/resourceUri), UI first.
	UILinks []string `json:"uiLinks,omitempty"`
}

// Hints are the annotation values; nil means the key was absent or not a boolean.
type Hints struct {
	ReadOnly    *bool `json:"readOnlyHint"`
	Destructive *bool `json:"destructiveHint"`
	OpenWorld   *bool `json:"openWorldHint"`
	Idempotent  *bool `json:"idempotentHint"`
}

// Field is one top-level input property of a tool.
type Field struct {
	Name        string `json:"name"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	Format      string `json:"format,omitempty"`
	Pattern     string `json:"pattern,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// SecurityScheme is one entry of a tool's securitySchemes.
type SecurityScheme struct {
	Type   string   `json:"type"`
	Scopes []string `json:"scopes,omitempty"`
}

// Resource is a UI resource as read with resources/read.
type Resource struct {
	URI        string          `json:"uri"`
	Name       string          `json:"name,omitempty"`
	MIMEType   string          `json:"mimeType,omitempty"`
	Meta       json.RawMessage `json:"_meta,omitempty"`
	CSP        *CSP            `json:"csp,omitempty"`
	Domain     string          `json:"domain,omitempty"`
	HTMLSHA256 string          `json:"htmlSha256,omitempty"`
	Size       int             `json:"size,omitempty"`
	HTML       string          `json:"-"`                    // the widget's HTML, for rendering; not serialized
	LinkedFrom []string        `json:"linkedFrom,omitempty"` // tools whose UI link names it
	// Incomplete says why the resource was not read whole (a bound was
	// hit, the read failed): nothing that rests on its HTML is judged.
	Incomplete string `json:"incomplete,omitempty"`
}

// CSP is a widget's declared policy, from _meta.ui.csp and/or openai/widgetCSP.
type CSP struct {
	Connect  []string `json:"connect,omitempty"`
	Resource []string `json:"resource,omitempty"`
	Frame    []string `json:"frame,omitempty"`
	BaseURI  []string `json:"baseUri,omitempty"`
	Redirect []string `json:"redirect,omitempty"`
	Source   []string `json:"source"` // "ui.csp", "openai/widgetCSP"
}

// OAuth is the discovered authorization setup.
type OAuth struct {
	Challenge             string   `json:"challenge,omitempty"` // WWW-Authenticate of the unauthenticated 401
	PRMURL                string   `json:"prmUrl,omitempty"`
	Resource              string   `json:"resource,omitempty"`
	AuthorizationServers  []string `json:"authorizationServers,omitempty"`
	ScopesSupported       []string `json:"scopesSupported,omitempty"`
	MetadataURL           string   `json:"metadataUrl,omitempty"`
	Issuer                string   `json:"issuer,omitempty"`
	AuthorizationEndpoint string   `json:"authorizationEndpoint,omitempty"`
	TokenEndpoint         string   `json:"tokenEndpoint,omitempty"`
	RegistrationEndpoint  string   `json:"registrationEndpoint,omitempty"`
	RevocationEndpoint    string   `json:"revocationEndpoint,omitempty"`
	CodeChallengeMethods  []string `json:"codeChallengeMethods,omitempty"`
	CIMD                  bool     `json:"cimd,omitempty"`
	TokenExpiresIn        int      `json:"tokenExpiresIn,omitempty"` // seconds, of the token the probe obtained
	TokenAudience         []string `json:"tokenAudience,omitempty"`
	TokenScopes           []string `json:"tokenScopes,omitempty"`
	RefreshRotated        *bool    `json:"refreshRotated,omitempty"`
	Obtained              string   `json:"obtained,omitempty"` // how the probe got its token: "env", "dcr+pkce", "none"
}

// Skip records an active probe that was not run.
type Skip struct {
	Probe   string `json:"probe"`
	Subject string `json:"subject,omitempty"`
	Reason  string `json:"reason"`
}

// Capture is the record of one PNG: what was rendered, how, and what the
// page did. The evidence stage fills it; pack.json carries it.
type Capture struct {
	ID      check.EvidenceID `json:"id"` // the PNG's evidence ID
	Subject string           `json:"subject"`
	URL     string           `json:"url"`
	Time    time.Time        `json:"time"`
	Chrome  string           `json:"chrome"`
	Flags   []string         `json:"flags"`
	// Sandbox says whether Chrome ran with its own sandbox, and if not why
	// (as root it cannot, so it runs with --no-sandbox).
	Sandbox  string `json:"sandbox,omitempty"`
	Viewport string `json:"viewport"`
	// Image is the PNG's size when it shows only part of the viewport,
	// "WxH" in pixels: a drawn prompt is captured as its card alone.
	Image      string      `json:"image,omitempty"`
	CSP        string      `json:"csp,omitempty"` // the exact policy applied to the widget document
	Dropped    []string    `json:"droppedCspEntries,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
	Requests   []Request   `json:"requests,omitempty"`
	Privileged []string    `json:"privileged,omitempty"`
	Escapes    []string    `json:"escapes,omitempty"`
	Bridge     []string    `json:"bridge,omitempty"` // distinct bridge messages the widget sent, sorted: their order and count follow layout timing
	Console    []string    `json:"console,omitempty"`
	PNGSHA256  string      `json:"pngSha256"`
	HTMLSHA256 string      `json:"htmlSha256"`
	Simulated  bool        `json:"simulated,omitempty"` // a host prompt dossier drew, not a real host

	// What decides whether the widget started (widget.render): uncaught
	// exceptions and unhandled rejections, elements whose resource did not
	// load (with why), and the widget's own tools/call the test host
	// refused (with why).
	Errors      []string `json:"errors,omitempty"`
	FailedLoads []string `json:"failedLoads,omitempty"`
	Refused     []string `json:"refusedCalls,omitempty"`
}

// Violation is one CSP violation as the browser reported it to the
// harness's report-uri endpoint.
type Violation struct {
	Directive  string `json:"directive"` // effective directive, such as connect-src
	BlockedURL string `json:"blockedUrl"`
	Source     string `json:"source,omitempty"` // file:line of the offending code
	Sample     string `json:"sample,omitempty"`
}

// Request is one network request the widget attempted.
type Request struct {
	URL     string   `json:"url"`
	Class   string   `json:"class"`   // connect, resource or frame: which allow-list governs it
	Allowed bool     `json:"allowed"` // inside the declared allow-list
	Blocked bool     `json:"blocked"` // the CSP blocked it
	Seen    []string `json:"seen"`    // how it was observed: fetch, xhr, img, csp-report, resource:script …
}
