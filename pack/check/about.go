package check

// About says, in plain words for a reader who has never seen the code, what
// one check looks at, what makes it fail, and what to change so that it
// passes. docs/checks.md, the SARIF rules' help and the PDF's pointers are
// made from it.
type About struct {
	Checks    string // what the check looks at
	FailsWhen string // what makes it fail (or warn)
	Remedy    string // what the vendor changes so that it passes
}

// about holds the texts of every catalogue entry, by check ID. A catalogue
// entry without texts fails TestCatalogueTexts.
var about = map[string]About{
	"listing.privacy-policy": {
		Checks:    "The manifest names a privacy policy URL, and that URL answers 200 over HTTPS with an HTML or PDF page.",
		FailsWhen: "No URL is declared, it does not answer, it answers an error status, or it is served over plain HTTP.",
		Remedy:    "Publish the privacy policy at a stable HTTPS URL and set app.privacyPolicy to it.",
	},
	"listing.support-contact": {
		Checks:    "The manifest names a support contact, an email address or an HTTPS URL; a URL must answer.",
		FailsWhen: "No contact is declared, or the declared URL does not answer.",
		Remedy:    "Set app.support to a monitored email address or a working HTTPS support page.",
	},
	"listing.terms": {
		Checks:    "The manifest names terms of service, and their URL answers.",
		FailsWhen: "No terms URL is declared (a warning) or the declared one does not answer.",
		Remedy:    "Publish the terms of service and set app.terms to their HTTPS URL.",
	},
	"listing.metadata": {
		Checks:    "The listing has a name, a description, a vendor and a version, and does not call itself beta, trial or preview.",
		FailsWhen: "A listing field is missing or still TODO, or the wording marks the app as not yet stable.",
		Remedy:    "Fill in app.name, app.description, app.vendor and app.version, and remove beta, trial or preview wording once the app is stable.",
	},
	"listing.availability": {
		Checks:    "The plans and regions the manifest claims agree with the platform facts file shipped with dossier.",
		FailsWhen: "The manifest claims availability on a plan or in a region where the platform does not offer apps generally.",
		Remedy:    "Limit app.plans and app.regions to what the platform offers, or say how availability is restricted.",
	},

	"tool.declared": {
		Checks:    "Every tool the live server lists is declared in the manifest, and every declared tool is still listed.",
		FailsWhen: "The server lists a tool the manifest does not know, or the manifest declares a tool the server no longer lists.",
		Remedy:    "Declare the new tool (its kind, scopes and input purposes) or remove the one that is gone; dossier init prints a draft of what the server lists.",
	},
	"tool.annotations-explicit": {
		Checks:    "Each live tool states readOnlyHint, destructiveHint and openWorldHint, each as a true or false value.",
		FailsWhen: "Any of the three hints is missing or not a boolean; the submission is refused for it.",
		Remedy:    "Set all three annotations explicitly on the tool in the server's tools/list answer.",
	},
	"tool.write-labeled": {
		Checks:    "A tool declared write or destructive, or one that sends data out, does not claim to be read-only; a tool declared read is read-only on the server and not destructive.",
		FailsWhen: "A state-changing or egress tool says readOnlyHint true, so the host would run it without asking the user; or a tool declared read says it writes or destroys.",
		Remedy:    "Set readOnlyHint false on tools that change state or send data out, and make the manifest's kind agree with what the tool really does.",
	},
	"tool.destructive-labeled": {
		Checks:    "A tool declared destructive (deletes, cancels, revokes, overwrites, or sends something that cannot be taken back) carries destructiveHint true.",
		FailsWhen: "The tool is declared destructive but the server says destructiveHint false.",
		Remedy:    "Set destructiveHint true on the tool, so the host warns before it runs.",
	},
	"tool.egress-labeled": {
		Checks:    "A tool declared to send data outside the app's own systems says openWorldHint true and is a write.",
		FailsWhen: "An egress tool lacks openWorldHint true or claims to be read-only.",
		Remedy:    "Set openWorldHint true and readOnlyHint false on every tool that sends data to third parties.",
	},
	"tool.annotation-heuristics": {
		Checks:    "The verbs in a tool's name and description (delete, send, post, create, cancel...) agree with its hints.",
		FailsWhen: "The words suggest a write or a destructive action that the hints do not show (a warning).",
		Remedy:    "Correct the hints, or reword the name and description if the tool does not do what they suggest.",
	},
	"tool.naming": {
		Checks:    "Tool names are unique, at most 128 characters of letters, digits, underscore, dot and hyphen; each tool has a description; status strings are at most 64 characters.",
		FailsWhen: "A name is duplicated, too long or has other characters, a description is empty, or a status string is too long.",
		Remedy:    "Rename the tool or shorten the text on the server, and give every tool a description.",
	},
	"tool.text-hygiene": {
		Checks:    "A tool's name, title, description and input descriptions hold plain text: no control characters, terminal escapes, hidden direction overrides, invalid UTF-8 or HTML markup.",
		FailsWhen: "Such characters or markup are present (a warning; a failure for script markup or escape sequences). dossier shows the text escaped everywhere.",
		Remedy:    "Remove the markup and invisible characters from the tool's texts on the server.",
	},
	"tool.security-schemes": {
		Checks:    "The security schemes the server states for each tool (at the top level and in _meta) agree with the manifest's sign-in mode and scopes.",
		FailsWhen: "They disagree, or a write tool is callable without sign-in on a server that declares sign-in.",
		Remedy:    "Make the tool's securitySchemes and the manifest's scopes and noauth say the same thing.",
	},
	"tool.input-validation": {
		Checks:    "When the probe may call the tool, a call with arguments that break the input schema is refused and returns nothing that looks like success.",
		FailsWhen: "The server accepts invalid input and answers as if the call worked.",
		Remedy:    "Validate arguments against the declared input schema on the server and return an error for invalid ones.",
	},
	"tool.output-schema": {
		Checks:    "A tool that returns structuredContent declares an outputSchema; when the probe called the tool, what it returned decides.",
		FailsWhen: "Structured content comes back without an output schema (a warning).",
		Remedy:    "Declare outputSchema on the tool, describing the structuredContent it returns.",
	},

	"data.minimization": {
		Checks:    "Every input field of every live tool is listed in the manifest with the purpose it is collected for.",
		FailsWhen: "A live input field has no declared purpose, or the purpose is still TODO.",
		Remedy:    "Under the tool's inputs, give each field a purpose saying why the app needs it; drop fields the app does not need.",
	},
	"data.sensitive-fields": {
		Checks:    "No input schema asks for payment card numbers or CVV, health data, government IDs, passwords, API keys, secrets or one-time codes.",
		FailsWhen: "A field's name, description, format or pattern asks for such data.",
		Remedy:    "Remove the field; collect such data only through the provider's own secure pages, never through the chat.",
	},
	"data.retention": {
		Checks:    "The manifest declares how long each category of data is kept, and a deletion process with a time limit.",
		FailsWhen: "Retention windows or the deletion process are missing.",
		Remedy:    "Fill in data.categories with a retention per category and data.deletion with the process and its time limit.",
	},
	"data.log-redaction": {
		Checks:    "The manifest says how personal data is kept out of logs and that requests carry correlation IDs.",
		FailsWhen: "Either statement is missing; a person must judge it (manual or declared).",
		Remedy:    "Describe the log redaction in data.logRedaction and the correlation IDs in data.correlationIds.",
	},
	"data.result-hygiene": {
		Checks:    "When read tools are called, their results carry no bearer tokens, secrets or personal data beyond what the tool is for.",
		FailsWhen: "A result holds a token, a secret or personal data the tool has no reason to return (a warning).",
		Remedy:    "Strip secrets and unneeded personal fields from what the tool returns.",
	},

	"auth.required": {
		Checks:    "A server that declares sign-in answers an initialize or a protected tool call without a token with 401 and a Bearer challenge.",
		FailsWhen: "Protected work is done without a token.",
		Remedy:    "Require a valid access token on every protected request and answer 401 with a WWW-Authenticate: Bearer challenge otherwise.",
	},
	"auth.challenge": {
		Checks:    "The 401 challenge names the protected resource metadata (resource_metadata), and the scope it needs.",
		FailsWhen: "resource_metadata is missing (for servers that offer only the 2025-06-18 protocol, or where no well-known metadata exists); a missing scope warns.",
		Remedy:    "Add resource_metadata=\"<metadata URL>\" and scope=\"...\" to the WWW-Authenticate header.",
	},
	"auth.prm": {
		Checks:    "Protected Resource Metadata is found at the challenge's URL, then the path-suffixed well-known URL, then the root one; it is JSON and lists authorization servers.",
		FailsWhen: "No metadata is found, or it is malformed or names no authorization server.",
		Remedy:    "Serve /.well-known/oauth-protected-resource (with the MCP path appended) as JSON with authorization_servers.",
	},
	"auth.prm-resource": {
		Checks:    "The metadata's resource value is the MCP server's own URL (for root metadata, its origin).",
		FailsWhen: "It names another origin (high) or another URL.",
		Remedy:    "Set resource in the protected resource metadata to the exact MCP URL clients connect to.",
	},
	"auth.as-metadata": {
		Checks:    "The authorization server's metadata is found at the URLs the specifications list, in their order, and its issuer matches exactly.",
		FailsWhen: "No metadata is found, or the issuer differs from the one requested.",
		Remedy:    "Serve OAuth or OpenID discovery metadata whose issuer is exactly the authorization server's URL.",
	},
	"auth.pkce-s256": {
		Checks:    "The authorization server advertises PKCE with the S256 method.",
		FailsWhen: "code_challenge_methods_supported is missing or does not include S256.",
		Remedy:    "Support S256 and list it in code_challenge_methods_supported.",
	},
	"auth.client-registration": {
		Checks:    "Clients can register: dynamic client registration or client ID metadata documents are offered, and a minimal registration succeeds.",
		FailsWhen: "Neither is offered, or a registration request does not return 201 with a client_id.",
		Remedy:    "Offer a working registration_endpoint, or advertise client_id_metadata_document_supported.",
	},
	"auth.invalid-token": {
		Checks:    "Garbage, expired and foreign-signed bearer tokens are refused with 401.",
		FailsWhen: "Any of them is accepted or answered otherwise.",
		Remedy:    "Verify the token's signature, expiry and issuer on every request.",
	},
	"auth.audience": {
		Checks:    "A token issued for another resource is refused with 401.",
		FailsWhen: "The server accepts a token minted for someone else.",
		Remedy:    "Check that the token's audience (aud or resource) is this server before accepting it.",
	},
	"auth.scope-enforcement": {
		Checks:    "For each tool, a token without the tool's scope gets 403 insufficient_scope (or an error result naming the needed scope) and the tool does not run.",
		FailsWhen: "The tool runs without its scope.",
		Remedy:    "Check the token's scopes in every tool before doing any work.",
	},
	"auth.session-not-auth": {
		Checks:    "An MCP session ID reused without a token is refused.",
		FailsWhen: "The session ID alone is accepted as a credential.",
		Remedy:    "Require the bearer token on every request, whatever the session.",
	},
	"auth.token-in-query": {
		Checks:    "A token passed as ?access_token= in the URL, without an Authorization header, is refused.",
		FailsWhen: "The server accepts the token from the query string.",
		Remedy:    "Read tokens only from the Authorization header.",
	},
	"auth.https": {
		Checks:    "The MCP endpoint, its resource metadata and the authorization server use HTTPS unless they are on loopback.",
		FailsWhen: "Any of them uses plain HTTP on a host that is not loopback.",
		Remedy:    "Serve every endpoint over HTTPS.",
	},
	"auth.token-lifecycle": {
		Checks:    "The manifest declares the access token lifetime, refresh token rotation and how tokens are revoked; an observed expires_in agrees.",
		FailsWhen: "A declaration is missing, or the tokens live longer than declared.",
		Remedy:    "Fill in server.auth.tokenLifetime, refreshRotation and revocation, and make the server honour them.",
	},
	"auth.oidc": {
		Checks:    "The identity provider is documented: its issuer or discovery URL.",
		FailsWhen: "Neither is declared.",
		Remedy:    "Set server.auth.issuer or server.auth.oidcDiscovery.",
	},
	"auth.rbac": {
		Checks:    "For an internal or workspace connector, role-based access and an admin-only publishing workflow are declared.",
		FailsWhen: "A workspace connector declares neither.",
		Remedy:    "Describe roles and who may publish in server.auth.rbac.",
	},

	"transport.handshake": {
		Checks:    "The server answers the MCP handshake (initialize, or server/discover for newer protocol versions); its version, identity and capabilities are recorded.",
		FailsWhen: "Neither request gets a usable answer.",
		Remedy:    "Make the endpoint speak MCP over Streamable HTTP at the manifest's server.url.",
	},
	"transport.origin": {
		Checks:    "A request carrying a foreign Origin header is refused with 403, judged against the same request without it succeeding.",
		FailsWhen: "The foreign Origin is accepted (another 4xx warns).",
		Remedy:    "Check the Origin header on every request and refuse origins the app does not serve, against DNS rebinding.",
	},
	"transport.protocol-version": {
		Checks:    "A request with a made-up MCP-Protocol-Version header gets 400.",
		FailsWhen: "The server accepts it.",
		Remedy:    "Refuse protocol versions the server does not support with 400.",
	},
	"transport.session-id": {
		Checks:    "Session IDs are visible ASCII and cannot be guessed.",
		FailsWhen: "They are sequential, short or malformed.",
		Remedy:    "Generate session IDs from a cryptographically secure random source.",
	},
	"transport.limits": {
		Checks:    "The server's answers stayed within the probe's bounds on size, time and pages.",
		FailsWhen: "A bound was hit (a warning naming the bound and the flag that raises it); an answer that never ends fails. What the bound hid is not judged.",
		Remedy:    "Raise the named flag (--max-body, --max-resource, --max-pages, --max-tools) if the size is legitimate; otherwise bound the server's answers.",
	},

	"widget.resource": {
		Checks:    "Every UI link of a tool resolves through resources/read to a ui:// resource with an MCP Apps or Skybridge HTML type.",
		FailsWhen: "A link does not resolve, or the resource has another type.",
		Remedy:    "Serve the widget at the linked ui:// URI with MIME type text/html;profile=mcp-app (or text/html+skybridge).",
	},
	"widget.csp-declared": {
		Checks:    "The widget declares a content security policy with no wildcard, plain http: or whole-CDN entries.",
		FailsWhen: "No policy is declared (a warning), or it is too broad.",
		Remedy:    "Declare _meta.ui.csp listing only the exact origins the widget needs.",
	},
	"widget.render": {
		Checks:    "Rendered in headless Chrome under exactly its declared policy, the widget starts: it completes the host handshake, throws no uncaught error, loads its scripts and styles, and is not blank.",
		FailsWhen: "It never starts, throws, cannot load its own code, or shows nothing; the result names the console line or the failed URL. The other widget checks are not judged until this passes.",
		Remedy:    "Fix the error the result names; open the widget's capture record in the pack for the console and network log.",
	},
	"widget.csp-sufficient": {
		Checks:    "Under exactly its declared policy, the widget loads without a content security policy violation.",
		FailsWhen: "The browser blocks something; each blocked URL is listed.",
		Remedy:    "Add the blocked origins the widget really needs to its declared policy, or stop loading them.",
	},
	"widget.egress": {
		Checks:    "Every network request the widget makes goes to a domain it declared.",
		FailsWhen: "A request goes elsewhere.",
		Remedy:    "Declare the domain, or remove the request.",
	},
	"widget.privileged-api": {
		Checks:    "The widget calls no privileged browser API: location, camera, microphone, clipboard, notifications, payment, USB, serial, HID, top navigation, pop-ups, credential storage.",
		FailsWhen: "It calls one; each call is listed.",
		Remedy:    "Remove the call, or move the feature to the host's own mechanisms.",
	},
	"widget.sandbox-escape": {
		Checks:    "The widget does not reach for the parent page, navigate the top frame, open windows to leave its frame, or load scripts from an origin that is neither declared nor the app's own.",
		FailsWhen: "It attempts any of these. Its own bundle blocked only because the policy forgot to declare it counts under widget.csp-sufficient instead.",
		Remedy:    "Remove the code that reaches outside the frame; communicate with the host only through its messaging API.",
	},
	"widget.domain": {
		Checks:    "A widget domain is declared (_meta.ui.domain or openai/widgetDomain).",
		FailsWhen: "None is declared (a warning; the submission of an app with UI needs one).",
		Remedy:    "Declare the dedicated origin the widget is served from.",
	},

	"evidence.confirmation": {
		Checks:    "Every write tool has a capture of the confirmation prompt the host shows, with a trace of the live hints that make the host ask.",
		FailsWhen: "A write tool has no such capture.",
		Remedy:    "Build the pack with a browser available (install chromium or pass --chrome) so the prompts are drawn.",
	},
	"evidence.attached": {
		Checks:    "The files the manifest attaches as evidence exist, and their hashes are recorded.",
		FailsWhen: "An attached file is missing or unreadable.",
		Remedy:    "Fix the path under evidence (relative to the manifest) or add the file.",
	},

	"ops.environments": {
		Checks:    "The environments (production, staging...) are described, declared or attested by a named person.",
		FailsWhen: "Nothing is declared, or the attestation has expired.",
		Remedy:    "List them under operations.environments, or add an attestation with an owner and an expiry.",
	},
	"ops.patch-policy": {
		Checks:    "A time limit for fixing critical vulnerabilities is declared or attested.",
		FailsWhen: "No time limit is given, or the attestation has expired.",
		Remedy:    "Set operations.patchPolicy.critical (for example 7d).",
	},
	"ops.monitoring": {
		Checks:    "Monitoring and alerting are described or attested.",
		FailsWhen: "Nothing is declared, or the attestation has expired.",
		Remedy:    "Describe them in operations.monitoring.",
	},
	"ops.incident-response": {
		Checks:    "Named incident contacts are declared or attested.",
		FailsWhen: "No contact is named, or the attestation has expired.",
		Remedy:    "List people or rotas under operations.incidentContacts.",
	},
	"ops.audit-logs": {
		Checks:    "Audit logging is described or attested.",
		FailsWhen: "Nothing is declared, or the attestation has expired.",
		Remedy:    "Describe what is logged and for how long in operations.auditLogs.",
	},

	"submission.package": {
		Checks:    "The plugin package given with --plugin (Codex .codex-plugin/plugin.json and .mcp.json, or Agent Plugins plugin.json and mcp.json) parses; it connects exactly one MCP server, of type http, at the manifest's server URL; it holds no credentials, app references or lifecycle hooks; every asset it references is in it.",
		FailsWhen: "Any of these (credentials are critical). Icons that are not square or smaller than 48 px warn: only third parties report that limit.",
		Remedy:    "Keep one http MCP server at the manifest's URL in the package's MCP file, remove clientSecret, headers and tokens, drop .app.json and hooks, and add the missing assets.",
	},
	"submission.listing": {
		Checks:    "The package's listing (its interface: name, descriptions, developer, category, website, privacy, terms, support, starter prompts) is complete, agrees with the manifest, and its URLs answer over HTTPS and name the publisher.",
		FailsWhen: "A field is missing or disagrees with the manifest, or a URL does not answer. Lengths over what third parties report, and pages that do not name the publisher, warn.",
		Remedy:    "Fill in the interface block, make it say what the manifest says, and publish every page it links to.",
	},
	"submission.endpoint": {
		Checks:    "The MCP URL is HTTPS on a public host name: not loopback, a private address or a temporary tunnel domain.",
		FailsWhen: "A plain-HTTP, private or tunnel endpoint fails; a loopback endpoint warns: the pack was made against a local or staging server, and the submitted URL must be checked again.",
		Remedy:    "Host the MCP server on a stable public HTTPS domain you own, and build the submission pack against it.",
	},
	"submission.domain-verification": {
		Checks:    "GET /.well-known/openai-apps-challenge on the MCP host (or submission.challengeDomain) answers 200 with exactly the token of submission.challengeToken, as plain text.",
		FailsWhen: "The path is missing, answers JSON or HTML, or serves another token.",
		Remedy:    "Serve the token the submission form shows, alone, as text/plain at that path, and set submission.challengeToken to it.",
	},
	"submission.reviewer-account": {
		Checks:    "The reviewer test account (submission.reviewer names the environment variables holding its credentials) signs in through the identity provider's own pages in a fresh headless browser, as --login form does: no second factor, emailed or texted code, or magic link.",
		FailsWhen: "A page asks for a one-time code (emailed, texted or from an authenticator) or a magic link, or the credentials are refused; each page's screenshot is evidence.",
		Remedy:    "Give reviewers a dedicated demo account with sample data that signs in with a user name and password only.",
	},
	"submission.test-cases": {
		Checks:    "The manifest's submission lists at least five positive and three negative test cases, and every tool a positive case expects exists on the live server.",
		FailsWhen: "Fewer cases, or a case naming a tool the server no longer lists.",
		Remedy:    "Add test cases under submission.testCases and submission.negativeTestCases, naming the tools as the server lists them.",
	},

	"resubmit.contract": {
		Checks:    "Compared with the previous pack, the reviewed contract is unchanged: tools, input and output schemas, hints, scopes, widget policy and domain, server origin.",
		FailsWhen: "A change needs a new review; each is listed. A changed server origin (scheme, host or port) needs a new plugin, not a re-submission, and the result says so.",
		Remedy:    "Submit the app for review again (or revert the change) before the new version ships.",
	},
}
