package plugin

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeDir writes files under a new directory.
func writeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeZip writes a zip of files, in the order given.
func writeZip(t *testing.T, add func(zw *zip.Writer)) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plugin.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func zipOf(t *testing.T, files map[string][]byte) string {
	return writeZip(t, func(zw *zip.Writer) {
		for name, data := range files {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
	})
}

const codexPlugin = `{
  "name": "orderly",
  "version": "1.0.0",
  "description": "Orders in chat.",
  "mcpServers": "./.mcp.json",
  "futureKey": true,
  "interface": {
    "displayName": "Orderly",
    "shortDescription": "Your orders, in chat",
    "privacyPolicyURL": "https://orderly.example/privacy",
    "defaultPrompt": ["Show my orders"],
    "composerIcon": "./assets/icon.png",
    "screenshots": ["./assets/missing.png"]
  }
}`

func TestReadLayouts(t *testing.T) {
	icon := pngOf(t, 64, 64)
	tests := []struct {
		name  string
		files map[string][]byte
		check func(t *testing.T, p *Package)
	}{
		{"codex", map[string][]byte{
			".codex-plugin/plugin.json": []byte(codexPlugin),
			".mcp.json":                 []byte(`{"mcpServers": {"orderly": {"type": "http", "url": "https://orderly.example/mcp"}}}`),
			"assets/icon.png":           icon,
		}, func(t *testing.T, p *Package) {
			if p.Layout != Codex || p.Name != "orderly" || p.Interface.DisplayName != "Orderly" || len(p.Servers) != 1 || p.Servers[0].URL != "https://orderly.example/mcp" {
				t.Errorf("read %+v", p)
			}
			if len(p.Extra) != 1 || !strings.Contains(p.Extra[0].String(), `.codex-plugin/plugin.json:6:16: unknown key "futureKey"`) {
				t.Errorf("extra %v: want futureKey reported with its position", p.Extra)
			}
			if len(p.Assets) != 2 || !p.Assets[0].Found || p.Assets[0].Width != 64 || p.Assets[1].Found {
				t.Errorf("assets %+v", p.Assets)
			}
		}},
		{"codex, servers at the top level as published", map[string][]byte{
			".codex-plugin/plugin.json": []byte(`{"name": "x", "apps": "./.app.json"}`),
			".mcp.json":                 []byte(`{"a": {"type": "http", "url": "https://a.example/mcp"}, "b": {"type": "sse", "url": "https://b.example/sse", "headers": {"X-Api-Key": "k"}}}`),
			".app.json":                 []byte(`{"apps": {"x": {"id": "asdk_app_1"}}}`),
		}, func(t *testing.T, p *Package) {
			if len(p.Servers) != 2 || p.Servers[1].Type != "sse" || len(p.Credentials) != 1 || !strings.Contains(p.Credentials[0].Text, "X-Api-Key") || strings.Contains(p.Credentials[0].Text, `"k"`) {
				t.Errorf("servers %+v credentials %v", p.Servers, p.Credentials)
			}
			if len(p.AppRefs) != 2 {
				t.Errorf("app references %v: want the apps key and the file", p.AppRefs)
			}
		}},
		{"agent plugins, wrapped in a folder", map[string][]byte{
			"orderly/plugin.json": []byte(`{"$schema": "https://agent-plugins.org/schemas/1.0.0/plugin.schema.json", "name": "orderly",
  "extensions": {"com.openai": {"interface": {"displayName": "Orderly"}, "hooks": {}}}, "bogus": 1}`),
			"orderly/mcp.json": []byte(`{"mcpServers": {"orderly": {"type": "streamable-http", "url": "https://o.example/mcp", "oauth": {"clientSecret": "s3cr3t"}, "retries": 2}}}`),
		}, func(t *testing.T, p *Package) {
			if p.Layout != Agent || p.Interface.DisplayName != "Orderly" || len(p.Servers) != 1 || len(p.Hooks) != 1 || len(p.Extra) != 1 {
				t.Errorf("read %+v", p)
			}
			if len(p.Credentials) != 1 || !strings.Contains(p.Credentials[0].String(), "mcp.json:1:") || !strings.Contains(p.Credentials[0].Text, "clientSecret") {
				t.Errorf("credentials %v", p.Credentials)
			}
			if len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Text, `unknown key "retries"`) {
				t.Errorf("problems %v: an MCP server entry is closed", p.Problems)
			}
		}},
		{"wrong types are problems with positions", map[string][]byte{
			"plugin.json": []byte("{\"name\": 7,\n \"extensions\": {\"com.openai\": {\"interface\": {\"screenshots\": \"./a.png\", \"displayName\": [1]}}}}"),
		}, func(t *testing.T, p *Package) {
			var got []string
			for _, f := range p.Problems {
				got = append(got, f.String())
			}
			want := "plugin.json:1:10: name is a number, not a string|plugin.json:1:1: plugin.json has no name|plugin.json:2:87: displayName is an array, not a string"
			if strings.Join(got, "|") != want {
				t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "|"), want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, form := range []string{"directory", "zip"} {
				p := writeDir(t, tt.files)
				if form == "zip" {
					p = zipOf(t, tt.files)
				}
				pkg, err := Read(p)
				if err != nil {
					t.Fatalf("%s: %v", form, err)
				}
				if pkg.Kind != form {
					t.Errorf("kind %q, want %q", pkg.Kind, form)
				}
				tt.check(t, pkg)
			}
		})
	}
}

// rawEntry adds an entry whose header says what the test wants, whatever
// the bytes that follow hold.
func rawEntry(t *testing.T, zw *zip.Writer, h *zip.FileHeader, body []byte) {
	t.Helper()
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
}

func deflated(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	return b.Bytes()
}

func TestReadRefusesHostilePackages(t *testing.T) {
	manifest := []byte(`{"name": "x"}`)
	bomb := bytes.Repeat([]byte{0}, 64<<20) // inflates 64 MiB from about 64 KiB
	tests := []struct {
		name string
		path func(t *testing.T) string
		want string
	}{
		{"zip-slip", func(t *testing.T) string {
			return zipOf(t, map[string][]byte{"plugin.json": manifest, "../../evil.sh": []byte("x")})
		}, `entry "../../evil.sh" is not a plain relative path`},
		{"absolute entry", func(t *testing.T) string {
			return zipOf(t, map[string][]byte{"plugin.json": manifest, "/etc/cron.d/x": []byte("x")})
		}, `entry "/etc/cron.d/x" is not a plain relative path`},
		{"a 1 GB entry declared", func(t *testing.T) string {
			return writeZip(t, func(zw *zip.Writer) {
				body := deflated(t, []byte("tiny"))
				rawEntry(t, zw, &zip.FileHeader{Name: "plugin.json", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte("tiny")),
					CompressedSize64: uint64(len(body)), UncompressedSize64: 1 << 30}, body)
			})
		}, `entry "plugin.json" declares 1073741824 bytes, more than a plugin package file holds`},
		{"a bomb that lies about its size", func(t *testing.T) string {
			return writeZip(t, func(zw *zip.Writer) {
				body := deflated(t, bomb)
				rawEntry(t, zw, &zip.FileHeader{Name: "plugin.json", Method: zip.Deflate, CRC32: 0,
					CompressedSize64: uint64(len(body)), UncompressedSize64: 100}, body)
			})
		}, `entry "plugin.json": its content does not match its declared size`},
		{"too many entries", func(t *testing.T) string {
			return writeZip(t, func(zw *zip.Writer) {
				for i := range maxEntries + 1 {
					zw.Create("f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + filepath.Base(t.Name()) + string(rune(i)))
				}
			})
		}, "entries, more than a plugin package holds"},
		{"symlink entry", func(t *testing.T) string {
			return writeZip(t, func(zw *zip.Writer) {
				h := &zip.FileHeader{Name: "assets/icon.png"}
				h.SetMode(fs.ModeSymlink | 0o777)
				w, _ := zw.CreateHeader(h)
				w.Write([]byte("/etc/passwd"))
			})
		}, `entry "assets/icon.png" is a symbolic link`},
		{"symlink in a directory", func(t *testing.T) string {
			dir := writeDir(t, map[string][]byte{"plugin.json": manifest})
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "icon.png")); err != nil {
				t.Fatal(err)
			}
			return dir
		}, `"icon.png" is a symbolic link`},
		{"deep JSON", func(t *testing.T) string {
			deep := `{"name": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
			return writeDir(t, map[string][]byte{"plugin.json": []byte(deep)})
		}, "plugin.json:1:41: JSON nested deeper than 32 levels"},
		{"duplicate key", func(t *testing.T) string {
			return writeDir(t, map[string][]byte{"plugin.json": []byte("{\"name\": \"a\",\n  \"name\": \"b\"}")})
		}, `plugin.json:2:3: key "name" appears twice`},
		{"syntax error", func(t *testing.T) string {
			return writeDir(t, map[string][]byte{".codex-plugin/plugin.json": []byte("{\"name\": \"a\",\n  \"x\": tru }")})
		}, ".codex-plugin/plugin.json:2:"},
		{"no manifest", func(t *testing.T) string {
			return writeDir(t, map[string][]byte{"README.md": []byte("hi")})
		}, "neither .codex-plugin/plugin.json"},
		{"not a zip", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "p.zip")
			os.WriteFile(p, []byte("PK not really"), 0o644)
			return p
		}, "not a readable zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.path(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
