package bundle

import (
	"time"

	"github.com/dossier-dev/dossier/pack/live"
)

// Signature describes the detached signature over SHA256SUMS.
type Signature struct {
	KeyID     string `json:"keyId"`     // first 16 hex digits of the SHA-256 of the public key's PKIX DER
	Algorithm string `json:"algorithm"` // "ed25519"
	File      string `json:"file"`      // "SHA256SUMS.sig": base64 of the signature over SHA256SUMS
}

// Contract is what the platform reviews of an app (apps-platform §5.3): the
// server, every tool's definition and every widget's metadata. Schema
// digests are the SHA-256 of the canonical JSON (keys sorted, no spaces).
type Contract struct {
	Server       string           `json:"server"`                       // the MCP URL
	Instructions string           `json:"instructionsSha256,omitempty"` // digest of the server's instructions
	Tools        []ToolContract   `json:"tools"`
	Widgets      []WidgetContract `json:"widgets"`
}

// ToolContract is one tool's reviewed definition.
type ToolContract struct {
	Name            string     `json:"name"`
	Title           string     `json:"title,omitempty"`
	Description     string     `json:"description,omitempty"`
	InputSchema     string     `json:"inputSchemaSha256,omitempty"`
	OutputSchema    string     `json:"outputSchemaSha256,omitempty"`
	Annotations     live.Hints `json:"annotations"`
	SecuritySchemes []string   `json:"securitySchemes,omitempty"` // scheme types, sorted
	Scopes          []string   `json:"scopes,omitempty"`          // every scheme's scopes, sorted
	UI              []string   `json:"ui,omitempty"`              // UI links, as listed
}

// WidgetContract is one UI resource's reviewed metadata. HTML is not part
// of the contract (§5.3: a compatible content update at the same URI needs
// no review), but its digest is kept so a diff can say it changed.
type WidgetContract struct {
	URI      string    `json:"uri"`
	MIMEType string    `json:"mimeType,omitempty"`
	CSP      *live.CSP `json:"csp,omitempty"`
	Domain   string    `json:"domain,omitempty"`
	HTML     string    `json:"htmlSha256,omitempty"`
}

// Changes is the comparison with an earlier pack.
type Changes struct {
	Since    Since    `json:"since"`
	Changes  []Change `json:"changes"`  // empty when the contract is unchanged
	Flipped  []Flip   `json:"flipped"`  // answers that changed
	Resubmit bool     `json:"resubmit"` // some change needs re-submission
}

// Since identifies the pack compared with.
type Since struct {
	App     string    `json:"app"`
	Version string    `json:"version"` // the app version it declared
	Created time.Time `json:"created"`
	Server  string    `json:"server"`
	SHA256  string    `json:"sha256,omitempty"` // of its pack.json; empty for a live server
}

// Change kinds.
const (
	ChangeServer       = "server-url"
	ChangeInstructions = "instructions"
	ChangeToolAdded    = "tool-added"
	ChangeToolRemoved  = "tool-removed"
	ChangeToolRenamed  = "tool-renamed"
	ChangeTitle        = "title"
	ChangeDescription  = "description"
	ChangeInputSchema  = "input-schema"
	ChangeOutputSchema = "output-schema"
	ChangeAnnotations  = "annotations"
	ChangeSchemes      = "security-schemes"
	ChangeScopes       = "scopes"
	ChangeUILink       = "ui-link"
	ChangeWidgetAdded  = "widget-added"
	ChangeWidgetGone   = "widget-removed"
	ChangeMIMEType     = "widget-mime-type"
	ChangeCSPWidened   = "csp-widened"
	ChangeCSPNarrowed  = "csp-narrowed"
	ChangeCSPChanged   = "csp-changed" // widened and narrowed at once
	ChangeDomain       = "widget-domain"
	ChangeContent      = "widget-content"
)

// Change is one difference of the contract.
type Change struct {
	Kind     string `json:"kind"`
	Subject  string `json:"subject"` // "app", "tool:NAME", "widget:URI"
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Resubmit bool   `json:"resubmit"`
	Why      string `json:"why"` // the §5.3 rule that decides Resubmit
}

// Flip is a questionnaire answer that changed.
type Flip struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Old      string `json:"old"` // "" when the question is new
	New      string `json:"new"` // "" when the question is gone
}
