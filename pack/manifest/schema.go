package manifest

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Schema returns a JSON Schema (draft 2020-12) for dossier/v1, generated
// from the Go types: editors use it to complete and check manifests. The
// output is deterministic: keys sorted, two-space indented, ending in a
// newline. Load is stricter than the schema: it also checks references
// between sections, dates in order and secrets.
func Schema() []byte {
	defs := map[string]any{
		"Duration": map[string]any{
			"type":        "string",
			"pattern":     durationPattern,
			"description": "A number and a unit: m (minutes), h (hours), d (days), w (weeks) or y (years of 365 days), such as \"30d\".",
		},
		"Date": map[string]any{
			"type":        "string",
			"pattern":     datePattern,
			"description": "A calendar date written YYYY-MM-DD.",
		},
	}
	return schemaFor(reflect.TypeFor[Manifest](), "dossier app manifest ("+SchemaID+")",
		"What the vendor claims about a ChatGPT app: its listing, MCP server, sign-in, tools, data handling, operations, evidence and attestations.",
		SchemaDocs{Type: typeDoc, Field: fieldDoc, Extra: fieldExtras}, defs)
}

// SchemaDocs describes the keys of a YAML format for SchemaFor. Each
// function is given a struct type's name and a yaml key; any may be nil.
type SchemaDocs struct {
	Type  func(typ string) string              // a section's description
	Field func(typ, key string) string         // a key's one-line meaning
	Extra func(typ, key string) map[string]any // keywords beyond type, enum and description
}

// SchemaFor returns a JSON Schema (draft 2020-12) for another YAML format
// Decode reads (a questionnaire), generated from root's Go types as
// Schema is for the manifest: closed objects, required keys and enums from
// the tags, deterministic output.
func SchemaFor(root reflect.Type, title, description string, docs SchemaDocs) []byte {
	return schemaFor(root, title, description, docs, map[string]any{})
}

func schemaFor(t reflect.Type, title, description string, docs SchemaDocs, defs map[string]any) []byte {
	if docs.Type == nil {
		docs.Type = func(string) string { return "" }
	}
	if docs.Field == nil {
		docs.Field = func(string, string) string { return "" }
	}
	if docs.Extra == nil {
		docs.Extra = func(string, string) map[string]any { return nil }
	}
	root := structSchema(t, defs, docs)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["title"] = title
	root["description"] = description
	root["$defs"] = defs
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		panic("manifest: encoding the schema: " + err.Error()) // only maps, strings and slices: cannot fail
	}
	return b.Bytes()
}

// typeSchema is the schema of a value of type t; struct types go into defs
// and are referenced.
func typeSchema(t reflect.Type, defs map[string]any, docs SchemaDocs) map[string]any {
	switch t {
	case reflect.TypeFor[Duration]():
		return map[string]any{"$ref": "#/$defs/Duration"}
	case reflect.TypeFor[Date]():
		return map[string]any{"$ref": "#/$defs/Date"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem(), defs, docs)
	case reflect.Struct:
		if _, done := defs[t.Name()]; !done {
			defs[t.Name()] = nil // claim the name before recursing
			defs[t.Name()] = structSchema(t, defs, docs)
		}
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), defs, docs)}
	case reflect.Map:
		s := map[string]any{"type": "object"}
		if t.Elem().Kind() != reflect.Interface {
			s["additionalProperties"] = typeSchema(t.Elem(), defs, docs)
		}
		return s
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	}
	return map[string]any{} // any value
}

// structSchema is the closed object schema of a struct type.
func structSchema(t reflect.Type, defs map[string]any, docs SchemaDocs) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range fields(t) {
		p := typeSchema(t.Field(f.index).Type, defs, docs)
		if doc := docs.Field(t.Name(), f.key); doc != "" {
			p["description"] = doc
		}
		if f.enum != nil {
			p["enum"] = f.enum
		}
		for k, v := range docs.Extra(t.Name(), f.key) {
			p[k] = v
		}
		props[f.key] = p
		if f.required {
			required = append(required, f.key)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	if doc := docs.Type(t.Name()); doc != "" {
		s["description"] = doc
	}
	if t == reflect.TypeFor[Auth]() {
		s["if"] = map[string]any{"properties": map[string]any{"mode": map[string]any{"enum": []string{AuthOAuth, AuthMixed}}}, "required": []string{"mode"}}
		s["then"] = map[string]any{"required": []string{"issuer"}}
	}
	return s
}

// fieldExtras are the schema keywords beyond type, enum and description:
// formats and patterns that validate checks too.
func fieldExtras(typ, key string) map[string]any {
	httpURL := map[string]any{"format": "uri", "pattern": "^https?://"}
	switch typ + "." + key {
	case "Manifest.schema":
		return map[string]any{"const": SchemaID}
	case "App.privacyPolicy", "App.terms", "Server.url", "Auth.issuer", "Auth.oidcDiscovery":
		return httpURL
	case "App.support":
		return map[string]any{"anyOf": []any{map[string]any{"format": "email"}, httpURL}}
	case "Contact.email":
		return map[string]any{"format": "email"}
	case "TokenSource.env":
		return map[string]any{"pattern": envNamePattern}
	}
	return nil
}

// typeDoc describes a section.
func typeDoc(typ string) string {
	switch typ {
	case "Manifest":
		return "The whole manifest."
	case "App":
		return "The listing: identity and what the app directory shows."
	case "Server":
		return "The live MCP endpoint and its sign-in."
	case "Auth":
		return "The declared OAuth setup."
	case "Probe":
		return "How dossier may get in and what it may call. Never secrets: only the names of environment variables that hold them."
	case "TokenSource":
		return "An environment variable holding a bearer token minted with the given scopes."
	case "Tool":
		return "One tool the MCP server exposes."
	case "Input":
		return "One input field's declared purpose."
	case "Data":
		return "How user data is kept, deleted and logged."
	case "Category":
		return "One category of data kept, with its retention window."
	case "Deletion":
		return "How a user's data is deleted on request, and how fast."
	case "Operations":
		return "Operational readiness."
	case "Patch":
		return "The dependency patch policy."
	case "Contact":
		return "A person or rota that answers incidents."
	case "Attachment":
		return "An evidence file the vendor supplies, such as a screenshot from the real host or a policy PDF."
	case "Attestation":
		return "A named person vouching for a check that cannot be probed."
	case "Submission":
		return "What the directory's submission form asks for beyond the listing; dossier writes it into openai-submission.json."
	case "TestCase":
		return "One scenario a reviewer runs in ChatGPT."
	case "Reviewer":
		return "The environment variables holding the reviewers' test account; never the credentials themselves."
	case "Waiver":
		return "A named person accepting a known failure until a date. The result stays a failure and says who accepted it and why; it stops counting against --fail-on, the verdict and the answers until the waiver expires."
	}
	return ""
}

// fieldDoc is the one-line meaning of a key, used by the schema and by
// FORMAT.md.
func fieldDoc(typ, key string) string {
	switch typ + "." + key {
	case "Manifest.schema":
		return "The manifest format; must be \"" + SchemaID + "\"."
	case "Manifest.app":
		return "The app's listing."
	case "Manifest.server":
		return "The live MCP server and its sign-in."
	case "Manifest.probe":
		return "What dossier may use and call when it probes the server."
	case "Manifest.tools":
		return "Every tool the server exposes, as the vendor describes it."
	case "Manifest.data":
		return "Data handling: what is kept, for how long, and how it is deleted."
	case "Manifest.operations":
		return "Environments, patching, monitoring, incident contacts and audit logs."
	case "Manifest.evidence":
		return "Files supplied as evidence, relative to the manifest."
	case "Manifest.attestations":
		return "People vouching for checks that cannot be probed."
	case "Manifest.waivers":
		return "Known failures a named person accepts until a date."
	case "Manifest.submission":
		return "What the directory's submission form asks for beyond the listing."

	case "Submission.subtitle":
		return "The listing's subtitle."
	case "Submission.category":
		return "The directory category, such as PRODUCTIVITY."
	case "Submission.testCases":
		return "Scenarios that should trigger the app (the form wants five)."
	case "Submission.negativeTestCases":
		return "Scenarios that must not trigger the app (the form wants three)."
	case "Submission.challengeToken":
		return "The domain verification token the submission form shows, served at /.well-known/openai-apps-challenge (public, not a secret)."
	case "Submission.challengeDomain":
		return "An HTTPS origin on a parent domain of the MCP host that serves the token instead; paths are ignored."
	case "Submission.reviewer":
		return "The reviewers' test account, which must sign in without a second factor, an emailed code or a magic link."
	case "Reviewer.usernameEnv":
		return "The environment variable holding the test account's user name."
	case "Reviewer.passwordEnv":
		return "The environment variable holding the test account's password."
	case "TestCase.description":
		return "What the scenario checks."
	case "TestCase.prompt":
		return "What the user types in ChatGPT."
	case "TestCase.tool":
		return "The declared tool it should trigger; leave it out for a negative case."
	case "TestCase.expected":
		return "What the reviewer should see."

	case "App.name":
		return "The app's name as listed."
	case "App.vendor":
		return "The company or person that publishes the app."
	case "App.version":
		return "The version being submitted; quote it (\"2.0\") so YAML keeps it text."
	case "App.description":
		return "The listing's description."
	case "App.privacyPolicy":
		return "URL of the published privacy policy."
	case "App.terms":
		return "URL of the terms of service."
	case "App.support":
		return "Support contact: an email address or an http(s) URL."
	case "App.plans":
		return "ChatGPT plans the app is offered on, such as free, plus, pro, business, enterprise, edu."
	case "App.regions":
		return "Regions the app is offered in, such as US, EU."
	case "App.workspace":
		return "True for an internal workspace connector rather than a public app."

	case "Server.url":
		return "The MCP endpoint URL (streamable HTTP)."
	case "Server.auth":
		return "How clients sign in."

	case "Auth.mode":
		return "none (no sign-in), oauth (every tool needs a token) or mixed (some tools work without one)."
	case "Auth.issuer":
		return "The OAuth authorization server's issuer URL; required when mode is oauth or mixed."
	case "Auth.registration":
		return "How clients register: dcr (dynamic client registration), cimd (client ID metadata documents) or static."
	case "Auth.oidcDiscovery":
		return "URL of the identity provider's OpenID discovery document."
	case "Auth.tokenLifetime":
		return "How long an access token lives."
	case "Auth.refreshRotation":
		return "Whether refresh tokens are rotated on use."
	case "Auth.revocation":
		return "How tokens are revoked: the endpoint or the process."
	case "Auth.rbac":
		return "For workspace connectors: the roles and the admin-only publishing workflow."

	case "Probe.tokens":
		return "Environment variables holding bearer tokens dossier may use."
	case "Probe.callable":
		return "Declared tools the probe may call; write tools also need --allow-write."

	case "TokenSource.env":
		return "Name of the environment variable holding the token (never the token itself)."
	case "TokenSource.scopes":
		return "The scopes the token was minted with."
	case "TokenSource.audience":
		return "Only for a token minted for another resource (a URL): the probe checks the server refuses it (auth.audience) and uses it for nothing else."

	case "Tool.name":
		return "The tool's name as the server lists it; unique."
	case "Tool.kind":
		return "read (changes nothing), write (changes state) or destructive (deletes or overwrites)."
	case "Tool.egress":
		return "True if the tool sends data outside the app's boundary (email, posting, webhooks)."
	case "Tool.scopes":
		return "OAuth scopes the tool requires."
	case "Tool.noauth":
		return "True if the tool can be called without signing in (mixed mode)."
	case "Tool.inputs":
		return "Each input field's name and why it is asked for."
	case "Tool.example":
		return "Example arguments, used to capture the host's confirmation prompt."
	case "Tool.description":
		return "What the tool does, in the vendor's words."

	case "Input.purpose":
		return "Why the tool needs this field."

	case "Data.categories":
		return "Categories of data kept, each with its retention window."
	case "Data.deletion":
		return "How users get their data deleted, and how fast."
	case "Data.logRedaction":
		return "What is removed from logs before they are written."
	case "Data.correlationIds":
		return "How requests are traced through logs without personal data."

	case "Category.name":
		return "The category, such as \"notes\" or \"access logs\"."
	case "Category.retention":
		return "How long the data is kept."
	case "Category.purpose":
		return "Why it is kept."

	case "Deletion.process":
		return "How a user asks for deletion and what happens."
	case "Deletion.within":
		return "The longest a deletion takes."

	case "Operations.environments":
		return "The environments the app runs in, such as production, staging."
	case "Operations.patchPolicy":
		return "How fast dependency fixes are applied."
	case "Operations.monitoring":
		return "How the service is monitored and who is alerted."
	case "Operations.incidentContacts":
		return "Who answers security incidents."
	case "Operations.auditLogs":
		return "What audit logs are kept and for how long."

	case "Patch.critical":
		return "The longest a critical fix takes to reach production."
	case "Patch.description":
		return "The policy in words."

	case "Contact.name":
		return "The person's or rota's name."
	case "Contact.role":
		return "Their role in an incident."
	case "Contact.email":
		return "Their email address."
	case "Contact.phone":
		return "Their phone number; quote it."

	case "Attachment.path":
		return "The file, relative to the manifest's directory; must stay inside it."
	case "Attachment.title":
		return "What the file shows."
	case "Attachment.check":
		return "The check ID it supports, such as evidence.confirmation."
	case "Attachment.tool":
		return "For a confirmation screenshot: the declared tool it shows."

	case "Attestation.check":
		return "The check ID vouched for; must be in the catalogue."
	case "Attestation.by":
		return "The person vouching: name and role."
	case "Attestation.date":
		return "When they vouched."
	case "Attestation.expires":
		return "When the attestation lapses; after date."
	case "Attestation.statement":
		return "What they state."

	case "Waiver.check":
		return "The failing check ID accepted; must be in the catalogue."
	case "Waiver.subject":
		return "The one subject it covers, such as tool:send_order_email; every subject of the check when empty."
	case "Waiver.reason":
		return "Why the failure is accepted, and what makes it safe meanwhile."
	case "Waiver.owner":
		return "The person who accepts it: name and role."
	case "Waiver.date":
		return "When it was accepted."
	case "Waiver.expires":
		return "When it lapses; after date. An expired waiver no longer counts."
	}
	return ""
}
