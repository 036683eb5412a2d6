package pack

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-dev/dossier/pack/manifest"
)

func TestVerifyFreshness(t *testing.T) {
	b := smallBundle()
	for i := range b.Evidence {
		b.Evidence[i].SHA256, b.Evidence[i].Size = sha256Hex(b.Evidence[i].Data), int64(len(b.Evidence[i].Data))
	}
	b.Manifest = &manifest.Manifest{Attestations: []manifest.Attestation{{Check: "ops.audit-logs", By: "Priya", Date: "2026-01-01", Expires: "2027-06-01", Statement: "kept"}}}
	dir := filepath.Join(t.TempDir(), "pack")
	if _, err := Write(t.Context(), b, dir, []string{"json"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		now    time.Time
		maxAge time.Duration
		want   []string
	}{
		{"fresh", b.Created.Add(24 * time.Hour), 90 * 24 * time.Hour, nil},
		{"stale", b.Created.AddDate(0, 4, 0), 90 * 24 * time.Hour, []string{"stale"}},
		{"any age, attestation expired", b.Created.AddDate(1, 0, 0), 0, []string{"expired: the attestation of ops.audit-logs by Priya"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Verify(dir, VerifyOptions{Now: tt.now, MaxAge: tt.maxAge})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Problems) != len(tt.want) {
				t.Fatalf("problems %v, want %q", v.Problems, tt.want)
			}
			for i, w := range tt.want {
				if v.Problems[i].File != "pack.json" || !strings.Contains(v.Problems[i].Problem, w) {
					t.Errorf("problem %v, want pack.json: …%s…", v.Problems[i], w)
				}
			}
			if v.Signature.Status != SigUnsigned {
				t.Errorf("signature %+v, want unsigned", v.Signature)
			}
		})
	}
}
