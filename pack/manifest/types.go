package manifest

// SchemaID is the only manifest schema this version reads.
const SchemaID = "dossier/v1"

// Manifest is what the vendor claims about the app. Field tags: `yaml` names
// the key; `required` marks keys that must be present (checked by Load).
type Manifest struct {
	Schema       string        `yaml:"schema" json:"schema" required:"true"`
	App          App           `yaml:"app" json:"app" required:"true"`
	Server       Server        `yaml:"server" json:"server" required:"true"`
	Probe        Probe         `yaml:"probe,omitempty" json:"probe"`
	Tools        []Tool        `yaml:"tools" json:"tools" required:"true"`
	Data         Data          `yaml:"data,omitempty" json:"data"`
	Operations   Operations    `yaml:"operations,omitempty" json:"operations"`
	Evidence     []Attachment  `yaml:"evidence,omitempty" json:"evidence,omitempty"`
	Attestations []Attestation `yaml:"attestations,omitempty" json:"attestations,omitempty"`
	Waivers      []Waiver      `yaml:"waivers,omitempty" json:"waivers,omitempty"`
	Submission   *Submission   `yaml:"submission,omitempty" json:"submission,omitempty"`

	// Dir is the directory the manifest was read from; attachment paths are
	// relative to it. File is the path as given. Neither is part of the YAML.
	Dir  string `yaml:"-" json:"-"`
	File string `yaml:"-" json:"-"`

	// positions maps each field path Parse read to where its value sits.
	positions map[string]Position
}

// App is the listing: identity and what the directory shows.
type App struct {
	Name          string   `yaml:"name" json:"name" required:"true"`
	Vendor        string   `yaml:"vendor" json:"vendor" required:"true"`
	Version       string   `yaml:"version" json:"version" required:"true"`
	Description   string   `yaml:"description" json:"description" required:"true"`
	PrivacyPolicy string   `yaml:"privacyPolicy,omitempty" json:"privacyPolicy,omitempty"` // URL
	Terms         string   `yaml:"terms,omitempty" json:"terms,omitempty"`                 // URL
	Support       string   `yaml:"support,omitempty" json:"support,omitempty"`             // email or HTTPS URL
	Plans         []string `yaml:"plans,omitempty" json:"plans,omitempty"`                 // e.g. free, go, plus, pro, business, enterprise, edu
	Regions       []string `yaml:"regions,omitempty" json:"regions,omitempty"`             // e.g. US, EU, "non-EU"
	Workspace     bool     `yaml:"workspace,omitempty" json:"workspace,omitempty"`         // an internal/workspace connector
}

// Server is the live MCP endpoint and its sign-in.
type Server struct {
	URL  string `yaml:"url" json:"url" required:"true"`
	Auth Auth   `yaml:"auth" json:"auth" required:"true"`
}

// Auth modes and registration methods.
const (
	AuthNone  = "none"
	AuthOAuth = "oauth"
	AuthMixed = "mixed"

	RegistrationDCR    = "dcr"
	RegistrationCIMD   = "cimd"
	RegistrationStatic = "static"
)

// Auth is the declared OAuth setup.
type Auth struct {
	Mode            string   `yaml:"mode" json:"mode" required:"true" enum:"none,oauth,mixed"`
	Issuer          string   `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	Registration    string   `yaml:"registration,omitempty" json:"registration,omitempty" enum:"dcr,cimd,static"`
	OIDCDiscovery   string   `yaml:"oidcDiscovery,omitempty" json:"oidcDiscovery,omitempty"` // URL of the IdP's discovery document
	TokenLifetime   Duration `yaml:"tokenLifetime,omitempty" json:"tokenLifetime,omitempty"`
	RefreshRotation *bool    `yaml:"refreshRotation,omitempty" json:"refreshRotation,omitempty"`
	Revocation      string   `yaml:"revocation,omitempty" json:"revocation,omitempty"` // how tokens are revoked (endpoint or process)
	RBAC            string   `yaml:"rbac,omitempty" json:"rbac,omitempty"`             // for workspace connectors: roles and the admin-only publish workflow
}

// Probe says how dossier may get in and what it may do. Never secrets: only
// the names of environment variables that hold them.
type Probe struct {
	Tokens   []TokenSource `yaml:"tokens,omitempty" json:"tokens,omitempty"`
	Callable []string      `yaml:"callable,omitempty" json:"callable,omitempty"` // tools the probe may call (read tools); write tools also need --allow-write
}

// TokenSource names an environment variable holding a bearer token minted
// with the given scopes.
type TokenSource struct {
	Env    string   `yaml:"env" json:"env" required:"true"`
	Scopes []string `yaml:"scopes,omitempty" json:"scopes,omitempty"`
	// Audience is set when the variable holds a token minted for another
	// resource: the probe only checks that the server refuses it.
	Audience string `yaml:"audience,omitempty" json:"audience,omitempty"`
}

// Tool kinds.
const (
	KindRead        = "read"
	KindWrite       = "write"
	KindDestructive = "destructive"
)

// Tool is one declared tool.
type Tool struct {
	Name        string           `yaml:"name" json:"name" required:"true"`
	Kind        string           `yaml:"kind" json:"kind" required:"true" enum:"read,write,destructive"`
	Egress      bool             `yaml:"egress,omitempty" json:"egress,omitempty"` // sends data outside the app's boundary
	Scopes      []string         `yaml:"scopes,omitempty" json:"scopes,omitempty"`
	NoAuth      bool             `yaml:"noauth,omitempty" json:"noauth,omitempty"`   // callable without signing in (mixed mode)
	Inputs      map[string]Input `yaml:"inputs,omitempty" json:"inputs,omitempty"`   // input field name → its purpose
	Example     map[string]any   `yaml:"example,omitempty" json:"example,omitempty"` // example arguments for confirmation captures
	Description string           `yaml:"description,omitempty" json:"description,omitempty"`
}

// Input is one input field's declared purpose.
type Input struct {
	Purpose string `yaml:"purpose" json:"purpose" required:"true"`
}

// Data is the data-handling declaration.
type Data struct {
	Categories     []Category `yaml:"categories,omitempty" json:"categories,omitempty"`
	Deletion       *Deletion  `yaml:"deletion,omitempty" json:"deletion,omitempty"`
	LogRedaction   string     `yaml:"logRedaction,omitempty" json:"logRedaction,omitempty"`
	CorrelationIDs string     `yaml:"correlationIds,omitempty" json:"correlationIds,omitempty"`
}

// Category is one category of data kept, with its retention window.
type Category struct {
	Name      string   `yaml:"name" json:"name" required:"true"`
	Retention Duration `yaml:"retention" json:"retention" required:"true"`
	Purpose   string   `yaml:"purpose,omitempty" json:"purpose,omitempty"`
}

// Deletion is how a user's data is deleted on request, and how fast.
type Deletion struct {
	Process string   `yaml:"process" json:"process" required:"true"`
	Within  Duration `yaml:"within" json:"within" required:"true"`
}

// Operations is operational readiness.
type Operations struct {
	Environments []string  `yaml:"environments,omitempty" json:"environments,omitempty"`
	PatchPolicy  *Patch    `yaml:"patchPolicy,omitempty" json:"patchPolicy,omitempty"`
	Monitoring   string    `yaml:"monitoring,omitempty" json:"monitoring,omitempty"`
	Incident     []Contact `yaml:"incidentContacts,omitempty" json:"incidentContacts,omitempty"`
	AuditLogs    string    `yaml:"auditLogs,omitempty" json:"auditLogs,omitempty"`
}

// Patch is the dependency patch policy.
type Patch struct {
	Critical    Duration `yaml:"critical" json:"critical" required:"true"` // time bound for critical fixes
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
}

// Contact is a person or rota that answers incidents.
type Contact struct {
	Name  string `yaml:"name" json:"name" required:"true"`
	Role  string `yaml:"role,omitempty" json:"role,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// Attachment is an evidence file the vendor supplies (a real host
// screenshot, a policy PDF). Path is relative to the manifest.
type Attachment struct {
	Path  string `yaml:"path" json:"path" required:"true"`
	Title string `yaml:"title" json:"title" required:"true"`
	Check string `yaml:"check,omitempty" json:"check,omitempty"` // the check it supports
	Tool  string `yaml:"tool,omitempty" json:"tool,omitempty"`   // for screenshots of a tool's confirmation
}

// Attestation is a person vouching for a check that cannot be probed.
type Attestation struct {
	Check     string `yaml:"check" json:"check" required:"true"`
	By        string `yaml:"by" json:"by" required:"true"`
	Date      Date   `yaml:"date" json:"date" required:"true"`
	Expires   Date   `yaml:"expires" json:"expires" required:"true"`
	Statement string `yaml:"statement" json:"statement" required:"true"`
}

// Submission is what the directory's submission form asks for beyond the
// listing: a subtitle, a category and the review's test cases (the form
// wants five that trigger the app and three that must not).
type Submission struct {
	Subtitle          string     `yaml:"subtitle,omitempty" json:"subtitle,omitempty"`
	Category          string     `yaml:"category,omitempty" json:"category,omitempty"`
	TestCases         []TestCase `yaml:"testCases,omitempty" json:"testCases,omitempty"`
	NegativeTestCases []TestCase `yaml:"negativeTestCases,omitempty" json:"negativeTestCases,omitempty"`
	// ChallengeToken is the domain verification token the form shows; it
	// is public (served to anyone at the challenge path), so it is written
	// here, unlike credentials.
	ChallengeToken  string    `yaml:"challengeToken,omitempty" json:"challengeToken,omitempty"`
	ChallengeDomain string    `yaml:"challengeDomain,omitempty" json:"challengeDomain,omitempty"` // an HTTPS origin on a parent domain of the MCP host
	Reviewer        *Reviewer `yaml:"reviewer,omitempty" json:"reviewer,omitempty"`
}

// Reviewer names the environment variables holding the reviewers' test
// account; the credentials themselves are never written here.
type Reviewer struct {
	UsernameEnv string `yaml:"usernameEnv" json:"usernameEnv" required:"true"`
	PasswordEnv string `yaml:"passwordEnv" json:"passwordEnv" required:"true"`
}

// TestCase is one scenario a reviewer runs in ChatGPT.
type TestCase struct {
	Description string `yaml:"description" json:"description" required:"true"`
	Prompt      string `yaml:"prompt" json:"prompt" required:"true"`
	Tool        string `yaml:"tool,omitempty" json:"tool,omitempty"` // the tool it should trigger; none for a negative case
	Expected    string `yaml:"expected" json:"expected" required:"true"`
}

// Waiver is a named person accepting a known failure for a while: the
// result stays a failure, says who accepted it and why, and stops counting
// against --fail-on and the answers until the waiver expires.
type Waiver struct {
	Check   string `yaml:"check" json:"check" required:"true"`
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"` // e.g. "tool:send_order_email"; empty = every subject
	Reason  string `yaml:"reason" json:"reason" required:"true"`
	Owner   string `yaml:"owner" json:"owner" required:"true"`
	Date    Date   `yaml:"date" json:"date" required:"true"`
	Expires Date   `yaml:"expires" json:"expires" required:"true"`
}

// Duration is a length of time written as a number and a unit: "30m",
// "72h", "30d", "2w" or "1y" (a year is 365 days).
type Duration string

// Date is a calendar date written YYYY-MM-DD.
type Date string

// Tool returns the declared tool with the given name.
func (m *Manifest) Tool(name string) (Tool, bool) {
	for _, t := range m.Tools {
		if t.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}

// IsWrite reports whether the tool changes state or sends data out.
func (t Tool) IsWrite() bool { return t.Kind == KindWrite || t.Kind == KindDestructive || t.Egress }
