package collect

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestRedactor(t *testing.T) {
	r := newRedactor()
	r.add("sekrit-token-123456")
	r.add("shorttok1") // shorter than a credential-like word: blanked because it is known
	r.learn([]byte(`{"access_token":"issued-abcdef123","nested":{"client_secret":"cs-999999999"},"code":-32602}`))
	r.learnURL("http://127.0.0.1/cb?code=authcode-777777&state=xyz")
	tests := []struct {
		name, in, keep string
		gone           []string
	}{
		{"known value", "token sekrit-token-123456 here", "token [REDACTED] here", []string{"sekrit"}},
		{"query-escaped", "x=sekrit-token-123456&y=1", "x=[REDACTED]&y=1", nil},
		{"json secret keys", `{"refresh_token":"rrrrrrrrr","id_token":"i"}`, `{"refresh_token":"[REDACTED]","id_token":"[REDACTED]"}`, nil},
		{"json-rpc code is kept", `{"error":{"code":-32602,"message":"bad"}}`, `{"error":{"code":-32602,"message":"bad"}}`, nil},
		{"form body", "grant_type=authorization_code&code=abc&code_verifier=vvv&redirect_uri=x", "grant_type=authorization_code&code=[REDACTED]&code_verifier=[REDACTED]&redirect_uri=x", nil},
		{"learned code", "Location: /cb?code=authcode-777777", "", []string{"authcode-777777"}},
		{"bearer credential", "Authorization was Bearer abc.def.ghi", "Authorization was Bearer [REDACTED]", nil},
		{"long bearer credential", "sent bearer Zm9vYmFyYmF6cXV4cXV1eA==, then", "sent bearer [REDACTED], then", []string{"Zm9v"}},
		{"known short token after bearer", "Bearer shorttok1", "Bearer [REDACTED]", nil},
		{"bearer as a word", `{"error":"no bearer token"}`, `{"error":"no bearer token"}`, nil},
		{"bearer scheme named", "Authorization scheme must be Bearer or DPoP", "Authorization scheme must be Bearer or DPoP", nil},
		{"bearer challenge kept", `Bearer resource_metadata="http://x/.well-known/oauth-protected-resource", scope="a"`, `Bearer resource_metadata="http://x/.well-known/oauth-protected-resource", scope="a"`, nil},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "[REDACTED]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.body([]byte(tt.in))
			if tt.keep != "" && got != tt.keep {
				t.Errorf("got %q, want %q", got, tt.keep)
			}
			for _, g := range tt.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q still in %q", g, got)
				}
			}
		})
	}
	if got := r.url("http://h/mcp?access_token=zzz&x=1"); strings.Contains(got, "zzz") {
		t.Errorf("url: %s", got)
	}
	if got := r.known("401 with a Bearer challenge"); got != "401 with a Bearer challenge" {
		t.Errorf("prose was changed: %q", got)
	}
}

// The redactor runs its case-insensitive rules only over text that holds
// their words; the skip must never leave a match unredacted, whatever the
// case or a rune that (?i) folds to an ASCII letter.
func TestRedactorSkipsOnlyWhatCannotMatch(t *testing.T) {
	tests := []struct {
		name, in string
		gone     string // what must not survive body ("" when nothing is secret)
	}{
		{"plain json", `{"jsonrpc":"2.0","result":{"tools":[{"name":"echo"}]}}`, ""},
		{"upper-case key", `{"ACCESS_TOKEN":"tok-upper-1"}`, "tok-upper-1"},
		{"mixed-case form", "Client_Secret=cs-mixed-22&x=1", "cs-mixed-22"},
		{"kelvin sign in key", "{\"access_to\u212aen\":\"tok-kelvin-3\"}", "tok-kelvin-3"},
		{"long s in key", "{\"client_\u017fecret\":\"cs-longs-44\"}", "cs-longs-44"},
		{"long s in form key", "pa\u017f\u017fword=pw-longs-55", "pw-longs-55"},
		{"key without value", `{"description":"send the code to the user"}`, ""},
		{"bearer upper case", "BEARER Zm9vYmFyYmF6cXV4cXV1eA==", "Zm9vYmFyYmF6cXV4"},
		{"bearer mixed case", "sent bEaReR Zm9vYmFyYmF6cXV4cXV1eA== then", "Zm9vYmFyYmF6cXV4"},
		{"jwt", "x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl y", "c2lnbmF0dXJl"},
	}
	r := newRedactor()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (jsonSecret().MatchString(tt.in) || formSecret().MatchString(tt.in)) && !maySecretKey(tt.in) {
				t.Errorf("maySecretKey(%q) = false, but a secret-key rule matches", tt.in)
			}
			if bearerValue().MatchString(tt.in) && !mayBearer(tt.in) {
				t.Errorf("mayBearer(%q) = false, but the bearer rule matches", tt.in)
			}
			got := r.body([]byte(tt.in))
			if tt.gone != "" && strings.Contains(got, tt.gone) {
				t.Errorf("body(%q) = %q: %q survived", tt.in, got, tt.gone)
			}
			if tt.gone == "" && got != tt.in {
				t.Errorf("body(%q) = %q, want it unchanged", tt.in, got)
			}
		})
	}
}

func TestSensitiveFields(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		hit    string // category expected, "" for none
	}{
		{"order id", `{"properties":{"order_id":{"type":"string"}}}`, ""},
		{"tracking number", `{"properties":{"tracking_number":{"type":"string","description":"Carrier tracking number"}}}`, ""},
		{"note", `{"properties":{"note":{"type":"string","description":"A note to add to the order"}}}`, ""},
		{"page token", `{"properties":{"page_token":{"type":"string"},"nextToken":{"type":"string"}}}`, ""},
		{"card number", `{"properties":{"cardNumber":{"type":"string"}}}`, "payment card"},
		{"cvv by description", `{"properties":{"comment":{"type":"string","description":"Your full card number and CVV"}}}`, "payment card"},
		{"ssn nested in array", `{"properties":{"people":{"type":"array","items":{"type":"object","properties":{"ssn":{"type":"string"}}}}}}`, "government ID"},
		{"passport", `{"properties":{"passport_no":{"type":"string"}}}`, "government ID"},
		{"diagnosis", `{"properties":{"diagnosis":{"type":"string"}}}`, "health data"},
		{"password format", `{"properties":{"value":{"type":"string","format":"password"}}}`, "password"},
		{"api key", `{"properties":{"apiKey":{"type":"string"}}}`, "credential or secret"},
		{"otp", `{"properties":{"otp":{"type":"string"}}}`, "one-time code"},
		{"2fa code", `{"properties":{"twoFactorCode":{"type":"string"}}}`, "one-time code"},
		{"ssn pattern", `{"properties":{"x":{"type":"string","pattern":"^\\d{3}-\\d{2}-\\d{4}$"}}}`, "government ID"},
		{"in $defs", `{"$defs":{"P":{"properties":{"private_key":{"type":"string"}}}}}`, "credential or secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n schemaNode
			if err := json.Unmarshal([]byte(tt.schema), &n); err != nil {
				t.Fatal(err)
			}
			var hits []sensitiveHit
			scanSchema(&n, "", 0, &hits)
			switch {
			case tt.hit == "" && len(hits) > 0:
				t.Errorf("false positive: %+v", hits)
			case tt.hit != "" && (len(hits) == 0 || hits[0].category != tt.hit):
				t.Errorf("got %+v, want %s", hits, tt.hit)
			}
		})
	}
}

func TestSessionIDProblem(t *testing.T) {
	tests := []struct {
		name, a, b string
		bad        bool
	}{
		{"random", "3KQ7XJ5D2M6W4ZP8TB1NR9VHCY", "Q2W8E4R6T1Y9U3I7O5P0ASDFGH", false},
		{"sequential", "session-000000000041", "session-000000000042", true},
		{"short", "abc123", "def456", true},
		{"same", "aaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaa", true},
		{"space", "aaaaaaaa aaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", true},
		{"uuid", "0b8f3f8e-5d0a-4c39-9d6e-2f3b1c7a9e11", "7c2d9a41-3e6b-4f85-a0d2-91b4e6c3f870", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionIDProblem(tt.a, tt.b); (got != "") != tt.bad {
				t.Errorf("sessionIDProblem = %q, want bad=%v", got, tt.bad)
			}
		})
	}
}

func TestBearerChallenge(t *testing.T) {
	p, ok := bearerChallenge(`Bearer resource_metadata="https://x/.well-known/oauth-protected-resource", scope="a b", error="invalid_token"`)
	if !ok || p["resource_metadata"] != "https://x/.well-known/oauth-protected-resource" || p["scope"] != "a b" || p["error"] != "invalid_token" {
		t.Errorf("%v %v", p, ok)
	}
	if _, ok := bearerChallenge(`Basic realm="x"`); ok {
		t.Error("Basic taken for Bearer")
	}
	if p, ok := bearerChallenge(`Basic realm="x", Bearer scope=read`); !ok || p["scope"] != "read" {
		t.Errorf("second challenge: %v %v", p, ok)
	}
}

func TestCSPProblem(t *testing.T) {
	tests := []struct {
		entry, problem string
	}{
		{"https://api.example.com", ""},
		{"*", "a wildcard"},
		{"https://*.example.com", "a wildcard"},
		{"https:", "a whole scheme"},
		{"http://cdn.example.com", "plain http:"},
		{"http://127.0.0.1:8931", ""},
		{"https://cdn.jsdelivr.net", "a whole public CDN"},
		{"https://cdn.jsdelivr.net/npm/lib@1.2.3/", ""},
		{"unpkg.com", "a whole public CDN"},
	}
	for _, tt := range tests {
		if got, _ := cspProblem(tt.entry); got != tt.problem {
			t.Errorf("cspProblem(%q) = %q, want %q", tt.entry, got, tt.problem)
		}
	}
}

func TestQuote(t *testing.T) {
	got := quote("a\x1b[31mb\u202ec" + strings.Repeat("x", 300))
	if strings.ContainsAny(got, "\x1b\u202e") || len([]rune(got)) > 205 {
		t.Errorf("quote: %q", got)
	}
}

// A server that answers the HTTP request but never with the matching
// JSON-RPC id must not hold the run for the whole deadline.
func TestHostileWrongID(t *testing.T) {
	srv := rawServer(t, func(id, method string, _ json.RawMessage, w http.ResponseWriter) bool {
		if method != "tools/list" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":987654,"result":{"tools":[]}}`))
		return true
	})
	start := time.Now()
	rep, _ := runProbe(t, Options{Manifest: noAuthManifest(srv.URL + "/mcp"), Deadline: 10 * time.Second, Bounds: Bounds{Request: 300 * time.Millisecond}})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	checkInvariants(t, rep)
}

// A card-shaped run of digits is a finding only when it is not part of a
// decimal number: generated floats once made data.result-hygiene warn one
// run in ten on the corpus's cohort server.
func TestHygieneCardNumbers(t *testing.T) {
	p := &prober{red: newRedactor()}
	tests := []struct {
		name, body string
		card       bool
	}{
		{"card in a string", `{"pan":"4111 1111 1111 1111"}`, true},
		{"card as a number", `{"pan":4111111111111111}`, true},
		{"fraction of a float", `{"retention":0.4111111111111111}`, false},
		{"whole part of a float", `{"total":4111111111111111.5}`, false},
		{"card after a sentence's full stop", `{"note":"Paid.4111111111111111"}`, true},
		{"not Luhn", `{"pan":"4111111111111112"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Contains(p.hygiene([]byte(tc.body)), "a card number that passes the Luhn check")
			if got != tc.card {
				t.Errorf("hygiene(%s) found a card: %v, want %v", tc.body, got, tc.card)
			}
		})
	}
}

// TestForeignToken: the forged tokens are well-formed RS256 JWTs under the
// published foreign key, so a server refusing them refuses the key, not
// the token's form.
func TestForeignToken(t *testing.T) {
	key, err := foreignKey()
	if err != nil {
		t.Fatal(err)
	}
	if key.N.BitLen() != 2048 {
		t.Errorf("the foreign key has %d bits, want 2048", key.N.BitLen())
	}
	s, err := signJWT(key, map[string]any{"sub": "dossier-probe", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return &key.PublicKey, nil }, jwt.WithValidMethods([]string{"RS256"}))
	if err != nil {
		t.Fatalf("the forged token does not verify under the foreign key: %v", err)
	}
	kid, _ := tok.Header["kid"].(string)
	if typ := tok.Header["typ"]; typ != "at+jwt" || !strings.HasPrefix(kid, "dossier-probe-") {
		t.Errorf("header typ %v kid %q, want at+jwt and a dossier-probe- kid", typ, kid)
	}
	if sub, _ := tok.Claims.GetSubject(); sub != "dossier-probe" {
		t.Errorf("sub %q, want dossier-probe", sub)
	}
}

// TestJudgeRefusal: what a call that should be refused got back. A server
// error with a JSON-RPC error in its body once read as a refusal (scope
// enforcement passed "at initialize", a mixed-mode tool warned); it says
// neither yes nor no.
func TestJudgeRefusal(t *testing.T) {
	internal := &rpcError{Code: -32603, Message: "internal error"}
	tests := []struct {
		name string
		rep  rpcReply
		want refusal
	}{
		{"a 500 with a JSON-RPC error", rpcReply{status: 500, rpcErr: internal}, unknownOutcome},
		{"a 503", rpcReply{status: 503}, unknownOutcome},
		{"a JSON-RPC error at 200", rpcReply{status: 200, rpcErr: internal}, refusedOther},
		{"a 401 with a challenge", rpcReply{status: 401, header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}}, refusedChallenge},
		{"a 403 without one", rpcReply{status: 403}, refusedOther},
		{"a 400", rpcReply{status: 400}, refusedOther},
		{"a result", rpcReply{status: 200, result: json.RawMessage(`{"content":[]}`)}, ran},
		{"an isError result", rpcReply{status: 200, result: json.RawMessage(`{"isError":true}`)}, refusedOther},
	}
	for _, tc := range tests {
		if got := judgeRefusal(tc.rep); got.kind != tc.want {
			t.Errorf("%s: %v (%s), want %v", tc.name, got.kind, got.detail, tc.want)
		}
	}
}
