package plugin

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the package reader as each of the
// JSON files it reads: it must return facts or an error, never panic, and
// every finding must carry a position inside the file it names.
func FuzzParse(f *testing.F) {
	f.Add([]byte(codexPlugin), []byte(`{"mcpServers": {"a": {"type": "http", "url": "https://a.example/mcp"}}}`))
	f.Add([]byte(`{"name": "x", "extensions": {"com.openai": {"interface": {"defaultPrompt": "hi"}}}}`), []byte(`{"a": {"headers": {"k": "v"}}}`))
	f.Add([]byte(`{"name": [[[[[[]]]]]]}`), []byte(`{"$schema": 1, "mcpServers": []}`))
	f.Fuzz(func(t *testing.T, manifest, mcp []byte) {
		for _, layout := range []map[string][]byte{
			{codexManifest: manifest, codexMCP: mcp},
			{agentManifest: manifest, agentMCP: mcp, appFile: mcp},
		} {
			pkg, err := parse(layout)
			if err != nil {
				continue
			}
			for _, list := range [][]Finding{pkg.Credentials, pkg.AppRefs, pkg.Hooks, pkg.Problems, pkg.Extra} {
				for _, fd := range list {
					if fd.At == "" || (!strings.HasPrefix(fd.At, ".") && !strings.Contains(fd.At, "json")) {
						t.Errorf("finding without a position: %v", fd)
					}
				}
			}
		}
	})
}

// FuzzReadZip feeds arbitrary bytes to the reader as a .zip: refused or
// read, never a panic, never more than the bounds.
func FuzzReadZip(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := t.TempDir() + "/p.zip"
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		pkg, err := Read(p)
		if err != nil {
			return
		}
		var total int
		for _, d := range pkg.Files {
			total += len(d)
		}
		if len(pkg.Files) > maxEntries || total > maxTotal {
			t.Errorf("%d files, %d bytes read: over the bounds", len(pkg.Files), total)
		}
	})
}
