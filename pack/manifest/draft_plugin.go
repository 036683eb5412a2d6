package manifest

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dossier-dev/dossier/pack/live"
)

// Listing is what a vendor's plugin package says of the listing (dossier
// init --plugin): Draft fills the app and submission sections from it
// instead of leaving them TODO. Empty fields stay TODO or commented out.
type Listing struct {
	Source        string // where it was read, for the draft's comment
	Name          string
	Vendor        string
	Version       string
	Description   string
	PrivacyPolicy string
	Terms         string
	Support       string
	Subtitle      string
	Category      string
}

// draftListingApp is the app section from the package, what the server
// said filling the gaps.
func draftListingApp(obs live.Observation, l *Listing) *yaml.Node {
	s := obs.Server
	app := mapping()
	addTodo(app, "name", firstNonEmpty(l.Name, s.Title, s.Name), "the app's name as the directory shows it")
	addTodo(app, "vendor", l.Vendor, "the company that publishes the app")
	addTodo(app, "version", firstNonEmpty(l.Version, s.Version), "")
	addTodo(app, "description", firstNonEmpty(oneLine(l.Description, 1000), oneLine(s.Instructions, 300)), "what the app does, in the listing's words")
	app.Content[0].HeadComment = "From the plugin package " + l.Source + " (its interface block)."
	var missing []string
	for _, f := range []struct{ key, v, want string }{
		{"privacyPolicy", l.PrivacyPolicy, "privacyPolicy: https://…"},
		{"terms", l.Terms, "terms: https://…"},
		{"support", l.Support, "support: an email address or an https URL"},
	} {
		if strings.TrimSpace(f.v) != "" {
			add(app, f.key, value(f.v))
		} else {
			missing = append(missing, f.want)
		}
	}
	if len(missing) > 0 {
		app.Content[len(app.Content)-1].FootComment = "TODO: the package does not say:\n" + strings.Join(missing, "\n")
	}
	return app
}

// draftSubmission is the submission section from the package; the test
// cases and the challenge token are only the vendor's to write.
func draftSubmission(l *Listing) *yaml.Node {
	sub := mapping()
	addTodo(sub, "subtitle", l.Subtitle, "the listing's subtitle (interface.shortDescription)")
	addTodo(sub, "category", l.Category, "the directory category (interface.category)")
	sub.Content[len(sub.Content)-1].FootComment = "TODO: the domain verification token the submission form shows, five positive and\n" +
		"three negative test cases (submission.domain-verification, submission.test-cases):\n" +
		"challengeToken: …\n" +
		"testCases:\n" +
		"  - {description: …, prompt: …, tool: …, expected: …}\n" +
		"negativeTestCases:\n" +
		"  - {description: …, prompt: …, expected: …}"
	return sub
}
