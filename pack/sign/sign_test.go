package sign

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateSignVerify(t *testing.T) {
	name := filepath.Join(t.TempDir(), "vendor")
	id, err := Generate(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 16 {
		t.Fatalf("key ID %q, want 16 hex digits", id)
	}
	fi, err := os.Stat(name + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := Generate(name); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second Generate: %v, want a refusal to overwrite", err)
	}
	key, err := LoadKey(name + ".key")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublic(name + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if key.ID != id || KeyID(pub) != id {
		t.Fatalf("IDs: generated %s, private %s, public %s", id, key.ID, KeyID(pub))
	}
	sums := Sums(map[string][]byte{"pack.json": []byte("{}\n"), "evidence/a.txt": []byte("a")})
	sig := key.Sign(sums)
	if err := Verify(pub, sums, sig); err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), sums...)
	tampered[0] ^= 1
	if err := Verify(pub, tampered, sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered list: %v, want ErrBadSignature", err)
	}
	if err := Verify(pub, sums, []byte("not base64!")); err == nil {
		t.Fatal("a garbage signature verified")
	}
}

func TestSums(t *testing.T) {
	sums := Sums(map[string][]byte{"b": []byte("b"), "a/x": nil})
	want := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a/x\n" +
		"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b\n"
	if string(sums) != want {
		t.Fatalf("Sums:\n%s\nwant (as sha256sum writes it):\n%s", sums, want)
	}
	got, err := ParseSums(sums)
	if err != nil || len(got) != 2 {
		t.Fatalf("ParseSums: %v %v", got, err)
	}
	for _, bad := range []string{"xyz  a\n", strings.Repeat("0", 64) + "  ../a\n", strings.Repeat("0", 64) + "  a\n" + strings.Repeat("0", 64) + "  a\n"} {
		if _, err := ParseSums([]byte(bad)); err == nil {
			t.Errorf("ParseSums(%q) accepted it", bad)
		}
	}
}
