package collect

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
)

// A sensitive-data rule matches field names by their words (so that
// "order_id" or "tracking_number" never look like card numbers) and
// descriptions by phrases.
type sensitiveRule struct {
	category string
	names    [][]string // each entry: all these words must appear in the name
	phrase   *regexp.Regexp
}

// sensitiveRules are compiled when a first schema is scanned.
var sensitiveRules = sync.OnceValue(func() []sensitiveRule {
	return []sensitiveRule{
		{"payment card", [][]string{{"card", "number"}, {"card", "num"}, {"card", "no"}, {"pan"}, {"cvv"}, {"cvv2"}, {"cvc"}, {"cvc2"}, {"ccn"}, {"creditcard"}, {"credit", "card"}, {"debit", "card"}, {"cardnumber"}, {"security", "code", "card"}},
			regexp.MustCompile(`(?i)\b(credit|debit|payment)[ -]?card\b|\bcard[ -]?(number|no\.?)\b|\bcvv2?\b|\bcvc2?\b|\bprimary account number\b`)},
		{"government ID", [][]string{{"ssn"}, {"social", "security"}, {"passport"}, {"national", "id"}, {"nationalid"}, {"driver", "license"}, {"driver", "licence"}, {"drivers", "license"}, {"drivers", "licence"}, {"driving", "licence"}, {"tax", "id"}, {"taxpayer", "id"}, {"itin"}, {"nino"}},
			regexp.MustCompile(`(?i)\bsocial security( number)?\b|\bssn\b|\bpassport( number| no\.?)?\b|\bnational (id|identity|insurance) (number|card)?|\bdriver'?s? licen[cs]e\b|\bdriving licen[cs]e\b|\btax(payer)? id(entification)?( number)?\b`)},
		{"health data", [][]string{{"diagnosis"}, {"diagnoses"}, {"medical"}, {"health"}, {"prescription"}, {"medication"}, {"medications"}, {"symptom"}, {"symptoms"}, {"icd10"}, {"patient", "condition"}, {"allergies"}},
			regexp.MustCompile(`(?i)\bdiagnos(is|es)\b|\bmedical (record|history|condition)s?\b|\bhealth (data|record|condition|information)s?\b|\bprescriptions?\b|\bmedications?\b`)},
		{"password", [][]string{{"password"}, {"passwd"}, {"passphrase"}, {"pwd"}, {"pin"}, {"pincode"}},
			regexp.MustCompile(`(?i)\bpass(word|phrase)s?\b|\bpin (code|number)\b`)},
		{"credential or secret", [][]string{{"api", "key"}, {"apikey"}, {"secret"}, {"client", "secret"}, {"private", "key"}, {"privatekey"}, {"access", "key"}, {"access", "token"}, {"refresh", "token"}, {"auth", "token"}, {"bearer"}, {"token"}, {"credential"}, {"credentials"}},
			regexp.MustCompile(`(?i)\bapi[ -]?key\b|\bsecret key\b|\bclient secret\b|\bprivate key\b|\baccess (key|token)\b|\brefresh token\b|\bbearer token\b`)},
		{"one-time code", [][]string{{"otp"}, {"totp"}, {"hotp"}, {"mfa"}, {"2fa"}, {"two", "factor"}, {"verification", "code"}, {"one", "time", "code"}, {"one", "time", "password"}, {"onetime"}, {"sms", "code"}, {"auth", "code"}},
			regexp.MustCompile(`(?i)\bone[ -]time (pass)?code\b|\bone[ -]time password\b|\botp\b|\b2fa\b|\bmfa\b|\btwo[ -]factor\b|\bverification code\b`)},
	}
})

// Words that make a token-ish name harmless: pagination cursors and the like.
var tokenHarmless = []string{"page", "next", "cursor", "continuation", "pagination", "sync", "csrf", "idempotency", "max", "count", "limit"}

// Patterns for card numbers and SSNs written into a schema's "pattern".
var sensitivePatterns = sync.OnceValue(func() []sensitivePattern {
	return []sensitivePattern{
		{"payment card", regexp.MustCompile(`\{1[2-9],1[6-9]\}|\{1[3-6]\}|\{13,19\}|\\d\{4\}[ -]?\??\\d\{4\}[ -]?\??\\d\{4\}`)},
		{"government ID", regexp.MustCompile(`\\d\{3\}-\??\\d\{2\}-\??\\d\{4\}`)},
	}
})

type sensitivePattern struct {
	category string
	re       *regexp.Regexp
}

type sensitiveHit struct {
	path, category, why string
}

func nameMatches(ws []string, rule sensitiveRule) bool {
	for _, need := range rule.names {
		ok := true
		for _, w := range need {
			if !slices.Contains(ws, w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if rule.category == "credential or secret" && len(need) == 1 && (need[0] == "token" || need[0] == "secret") {
			for _, h := range tokenHarmless {
				if slices.Contains(ws, h) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// scanSchema walks a JSON schema (properties, items, combinators, $defs) and
// reports fields that ask for restricted data.
func scanSchema(n *schemaNode, path string, depth int, hits *[]sensitiveHit) {
	if n == nil || depth > 20 {
		return
	}
	names := make([]string, 0, len(n.Properties))
	for k := range n.Properties {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		prop := n.Properties[name]
		fp := name
		if path != "" {
			fp = path + "." + name
		}
		ws := words(name)
		for _, r := range sensitiveRules() {
			why := ""
			switch {
			case nameMatches(ws, r):
				why = "name " + quote(name)
			case prop != nil && r.phrase.MatchString(prop.Description):
				why = "description " + quote(prop.Description)
			}
			if why != "" {
				*hits = append(*hits, sensitiveHit{fp, r.category, why})
				break
			}
		}
		if prop == nil {
			continue
		}
		if strings.EqualFold(prop.Format, "password") {
			*hits = append(*hits, sensitiveHit{fp, "password", "format \"password\""})
		}
		if strings.EqualFold(prop.Format, "credit-card") || strings.EqualFold(prop.Format, "creditcard") {
			*hits = append(*hits, sensitiveHit{fp, "payment card", "format " + quote(prop.Format)})
		}
		for _, sp := range sensitivePatterns() {
			if prop.Pattern != "" && sp.re.MatchString(prop.Pattern) {
				*hits = append(*hits, sensitiveHit{fp, sp.category, "pattern " + quote(prop.Pattern)})
				break
			}
		}
		scanSchema(prop, fp, depth+1, hits)
	}
	for _, sub := range []json.RawMessage{n.Items, n.Additional} {
		var c schemaNode
		if len(sub) > 0 && json.Unmarshal(sub, &c) == nil {
			scanSchema(&c, path+"[]", depth+1, hits)
		}
	}
	for _, group := range [][]*schemaNode{n.AnyOf, n.OneOf, n.AllOf} {
		for _, c := range group {
			scanSchema(c, path, depth+1, hits)
		}
	}
	for _, defs := range []map[string]*schemaNode{n.Defs, n.Definitions} {
		for k, c := range defs {
			scanSchema(c, "$defs."+k, depth+1, hits)
		}
	}
}

func (p *prober) checkSensitive(t live.Tool, steps []string) {
	sub := "tool:" + t.Name
	var n schemaNode
	_ = json.Unmarshal(t.InputSchema, &n)
	var hits []sensitiveHit
	scanSchema(&n, "", 0, &hits)
	if len(hits) == 0 {
		p.result("data.sensitive-fields", sub, check.Pass, check.Probed, "No input field asks for card, government-ID, health, password, secret or one-time-code data.", steps...)
		return
	}
	var parts []string
	for i, h := range hits {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(hits)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s, by its %s)", quote(h.path), h.category, h.why))
	}
	p.resultSev("data.sensitive-fields", sub, check.Fail, check.Critical, check.Probed, "Input asks for restricted data: "+strings.Join(parts, "; ")+".", steps...)
}
