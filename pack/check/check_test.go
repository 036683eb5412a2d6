package check

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStatusRank: worst first is fail, error, warn, manual, then pass and
// na alike; the PDF and the terminal table both sort by it.
func TestStatusRank(t *testing.T) {
	order := []Status{Fail, Error, Warn, Manual, Pass}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rank() <= order[i].Rank() {
			t.Errorf("%s ranks %d, not above %s's %d", order[i-1], order[i-1].Rank(), order[i], order[i].Rank())
		}
	}
	if NA.Rank() != Pass.Rank() || Status("bogus").Rank() != Pass.Rank() {
		t.Errorf("na %d and an unknown status %d should rank with pass %d", NA.Rank(), Status("bogus").Rank(), Pass.Rank())
	}
}

// TestEvidenceFileIsNotSerialized: File names a file dossier reads while it
// writes a pack. It never comes from pack.json, so a received pack cannot
// point dossier at a file of the reader's machine, and never goes into it.
func TestEvidenceFileIsNotSerialized(t *testing.T) {
	var e Evidence
	if err := json.Unmarshal([]byte(`{"id":"C0001","path":"evidence/captures/C0001.png","File":"/etc/passwd","file":"/etc/passwd"}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.File != "" {
		t.Errorf("pack.json set File to %q", e.File)
	}
	data, err := e.Content()
	if err != nil || data != nil {
		t.Errorf("Content() = %q, %v; want nothing at hand", data, err)
	}
	out, err := json.Marshal(Evidence{ID: "C0001", File: "/tmp/dossier-captures-1/capture-1.png"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "dossier-captures") {
		t.Errorf("the spool's path reached pack.json: %s", out)
	}
}
