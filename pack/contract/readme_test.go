package contract

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEHasTheRuleTable keeps the README's re-submission table in step
// with the rules Diff applies.
func TestREADMEHasTheRuleTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		resubmit, _ := Rule(k)
		row := "| `" + k + "` | " + yesNo(resubmit) + " |"
		if !strings.Contains(string(data), row) {
			t.Errorf("the README's re-submission table has no row %q", row)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
