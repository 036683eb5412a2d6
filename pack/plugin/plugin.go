// Package plugin reads a vendor's plugin package, the ZIP (or directory)
// that is submitted to OpenAI's plugin directory, in either layout: Codex
// (.codex-plugin/plugin.json with an interface block, and .mcp.json) or
// Agent Plugins (plugin.json, the interface under extensions.com.openai,
// and mcp.json). The package is untrusted input: it is read within bounds,
// every JSON file strictly, and what it says is returned as facts with
// file:line:col positions for collect to judge (submission.*) and for init
// to draft a manifest from. It judges nothing itself.
package plugin

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // icons and screenshots may be any of these
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Layouts.
const (
	Codex = "codex"         // .codex-plugin/plugin.json + .mcp.json
	Agent = "agent-plugins" // plugin.json + mcp.json
)

const (
	codexManifest = ".codex-plugin/plugin.json"
	agentManifest = "plugin.json"
	codexMCP      = ".mcp.json"
	agentMCP      = "mcp.json"
	appFile       = ".app.json"
)

// Package is what a plugin package says.
type Package struct {
	Path   string // as given
	Kind   string // "directory" or "zip"
	Layout string // Codex or Agent

	ManifestFile string // the plugin.json read, relative to the package root
	MCPFile      string // the MCP configuration read, "" when there is none
	Name         string
	Version      string
	Description  string
	Interface    Interface
	Servers      []Server // in file order

	// Assets are the files the interface references.
	Assets []Asset
	// Credentials are the places a secret sits (never the secret):
	// clientSecret, a token or password key, non-empty headers or env.
	Credentials []Finding
	// AppRefs and Hooks are app references and lifecycle hooks, which
	// public submission does not accept yet.
	AppRefs []Finding
	Hooks   []Finding
	// Problems are facts that are malformed: a field of the wrong type, a
	// required field missing, an unknown key where the format is closed
	// (an MCP server entry).
	Problems []Finding
	// Extra are unknown keys where the format allows them (plugin.json's
	// top level and interface block: Codex keeps such keys, the Agent
	// Plugins spec says to report and ignore them): reported, not judged.
	Extra []Finding
	// Notes says what the reader chose, such as which layout it read when
	// a package holds both.
	Notes []string

	Files map[string][]byte // every file of the package, by slash path
}

// Interface is the listing the package carries.
type Interface struct {
	DisplayName       string
	ShortDescription  string
	LongDescription   string
	DeveloperName     string
	Category          string
	Capabilities      []string
	WebsiteURL        string
	SupportURL        string
	PrivacyPolicyURL  string
	TermsOfServiceURL string
	DefaultPrompt     []string // a string or an array of strings
	BrandColor        string
	ComposerIcon      string
	Logo              string
	LogoDark          string
	Screenshots       []string
	// At is where each key present was written, by its JSON name.
	At map[string]string
}

// Server is one MCP server of the package.
type Server struct {
	Name    string
	Type    string
	URL     string
	Headers []string // names of the headers it sets (values are never kept)
	At      string
}

// Asset is a file the interface references, and what its image is.
type Asset struct {
	Field  string // composerIcon, logo, logoDark, screenshots[2]
	Ref    string // as written
	At     string
	Remote bool // an http(s) URL, not a file of the package
	Found  bool // the file is in the package
	Width  int  // 0 when not an image this reader decodes
	Height int
	Format string // png, jpeg, gif, svg
	Icon   bool   // composerIcon, logo, logoDark
}

// Finding is one fact with where it was written.
type Finding struct {
	At   string // file:line:col, or a file name
	Text string
}

func (f Finding) String() string { return f.At + ": " + f.Text }

// Read reads the package at p, a directory or a .zip. An error means the
// package could not be read at all (over a bound, hostile, no plugin.json,
// JSON that does not parse); everything else is a fact in Package.
func Read(p string) (*Package, error) {
	all, kind, err := files(p)
	if err != nil {
		return nil, fmt.Errorf("reading plugin package %q: %w", p, err)
	}
	pkg, err := parse(unwrap(all))
	if err != nil {
		return nil, fmt.Errorf("reading plugin package %q: %w", p, err)
	}
	pkg.Path, pkg.Kind = p, kind
	return pkg, nil
}

// parse reads the package's files.
func parse(files map[string][]byte) (*Package, error) {
	pkg := &Package{Files: files}
	switch {
	case files[codexManifest] != nil:
		pkg.Layout, pkg.ManifestFile = Codex, codexManifest
		if files[agentManifest] != nil {
			pkg.Notes = append(pkg.Notes, "the package holds both layouts; the Codex one (.codex-plugin/plugin.json) was read")
		}
	case files[agentManifest] != nil:
		pkg.Layout, pkg.ManifestFile = Agent, agentManifest
	default:
		return nil, fmt.Errorf("it has neither %s (Codex layout) nor %s (Agent Plugins layout)", codexManifest, agentManifest)
	}
	m, err := pkg.json(pkg.ManifestFile)
	if err != nil {
		return nil, err
	}
	if err := pkg.readManifest(m); err != nil {
		return nil, err
	}
	if data, ok := files[appFile]; ok && data != nil {
		pkg.AppRefs = append(pkg.AppRefs, Finding{appFile, "an app reference file (.app.json)"})
		if f, err := pkg.json(appFile); err == nil {
			pkg.credentials(f, f.root, "")
		}
	}
	for _, h := range []string{"hooks/hooks.json", "hooks.json"} {
		if files[h] != nil {
			pkg.Hooks = append(pkg.Hooks, Finding{h, "a lifecycle hooks file"})
		}
	}
	pkg.inspectAssets()
	return pkg, nil
}

// json parses one JSON file of the package, within maxJSON.
func (pkg *Package) json(name string) (*jsonFile, error) {
	data := pkg.Files[name]
	if len(data) > maxJSON {
		return nil, fmt.Errorf("%s has %d bytes, more than a plugin package's JSON file holds (%d)", name, len(data), maxJSON)
	}
	return parseJSON(name, data)
}

// Keys each layout defines. plugin.json's top level and the interface
// block are open: an unknown key there is reported as Extra. An MCP server
// entry is closed: an unknown key is a Problem.
var (
	codexTop    = []string{"$schema", "name", "version", "description", "author", "homepage", "repository", "license", "keywords", "skills", "mcpServers", "apps", "hooks", "interface"}
	agentTop    = []string{"$schema", "name", "version", "description", "author", "homepage", "repository", "license", "keywords", "extensions"}
	openAIExt   = []string{"interface", "apps", "hooks"}
	ifaceKeys   = []string{"displayName", "shortDescription", "longDescription", "developerName", "category", "capabilities", "websiteURL", "supportURL", "privacyPolicyURL", "termsOfServiceURL", "defaultPrompt", "brandColor", "composerIcon", "logo", "logoDark", "screenshots"}
	serverKeys  = []string{"type", "url", "headers", "command", "args", "env", "cwd", "oauth"}
	mcpFileKeys = []string{"$schema", "mcpServers"}
)

func (pkg *Package) readManifest(f *jsonFile) error {
	root := f.root
	top := codexTop
	if pkg.Layout == Agent {
		top = agentTop
	}
	pkg.extra(f, root, top, "")
	pkg.Name = pkg.str(f, root, "name")
	pkg.Version = pkg.str(f, root, "version")
	pkg.Description = pkg.str(f, root, "description")
	if strings.TrimSpace(pkg.Name) == "" {
		pkg.Problems = append(pkg.Problems, Finding{f.pos(root.off), "plugin.json has no name"})
	}
	pkg.credentials(f, root, "")

	iface, apps, hooks := root.get("interface"), root.get("apps"), root.get("hooks")
	if pkg.Layout == Agent {
		iface, apps, hooks = nil, nil, nil
		if ext := root.get("extensions"); ext != nil {
			if oa := ext.get("com.openai"); oa != nil && oa.kind == 'o' {
				pkg.extra(f, oa, openAIExt, "extensions.com.openai.")
				iface, apps, hooks = oa.get("interface"), oa.get("apps"), oa.get("hooks")
			}
		}
	}
	if apps != nil {
		pkg.AppRefs = append(pkg.AppRefs, Finding{f.pos(apps.off), "plugin.json declares apps (an app reference)"})
	}
	if hooks != nil {
		pkg.Hooks = append(pkg.Hooks, Finding{f.pos(hooks.off), "plugin.json declares lifecycle hooks"})
	}
	if iface != nil {
		pkg.readInterface(f, iface)
	}

	// The MCP configuration: Codex names it with mcpServers (a path, or
	// the servers inline); the default files otherwise.
	mcpName := codexMCP
	if pkg.Layout == Agent {
		mcpName = agentMCP
	}
	if ms := root.get("mcpServers"); ms != nil && pkg.Layout == Codex {
		switch ms.kind {
		case 'o':
			pkg.MCPFile = pkg.ManifestFile
			pkg.readServers(f, ms)
			return nil
		case 's':
			rel, ok := localPath(ms.str)
			if !ok {
				pkg.Problems = append(pkg.Problems, Finding{f.pos(ms.off), fmt.Sprintf("mcpServers %q is not a path inside the package (./…)", ms.str)})
				return nil
			}
			mcpName = rel
		default:
			pkg.Problems = append(pkg.Problems, Finding{f.pos(ms.off), "mcpServers is " + ms.what() + ", not a path or an object"})
			return nil
		}
	}
	if pkg.Files[mcpName] == nil {
		return nil // no MCP server: judged by collect
	}
	mf, err := pkg.json(mcpName)
	if err != nil {
		return err
	}
	pkg.MCPFile = mcpName
	pkg.credentials(mf, mf.root, "")
	if ms := mf.root.get("mcpServers"); ms != nil {
		pkg.extra(mf, mf.root, mcpFileKeys, "")
		if ms.kind != 'o' {
			pkg.Problems = append(pkg.Problems, Finding{mf.pos(ms.off), "mcpServers is " + ms.what() + ", not an object"})
			return nil
		}
		pkg.readServers(mf, ms)
		return nil
	}
	// The form OpenAI's published packages use: servers at the top level.
	pkg.readServers(mf, mf.root)
	return nil
}

func (pkg *Package) readServers(f *jsonFile, servers *node) {
	for i, name := range servers.keys {
		v := servers.vals[i]
		if name == "$schema" {
			continue
		}
		s := Server{Name: name, At: f.pos(v.off)}
		if v.kind != 'o' {
			pkg.Problems = append(pkg.Problems, Finding{s.At, fmt.Sprintf("MCP server %q is %s, not an object", name, v.what())})
			continue
		}
		for j, k := range v.keys {
			if !slices.Contains(serverKeys, k) {
				pkg.Problems = append(pkg.Problems, Finding{f.pos(v.vals[j].off), fmt.Sprintf("MCP server %q has an unknown key %q", name, k)})
			}
		}
		s.Type = pkg.str(f, v, "type")
		s.URL = pkg.str(f, v, "url")
		if h := v.get("headers"); h != nil && h.kind == 'o' {
			s.Headers = append(s.Headers, h.keys...)
		}
		pkg.Servers = append(pkg.Servers, s)
	}
}

func (pkg *Package) readInterface(f *jsonFile, n *node) {
	if n.kind != 'o' {
		pkg.Problems = append(pkg.Problems, Finding{f.pos(n.off), "interface is " + n.what() + ", not an object"})
		return
	}
	pkg.extra(f, n, ifaceKeys, "interface.")
	in := &pkg.Interface
	in.At = map[string]string{}
	for i, k := range n.keys {
		in.At[k] = f.pos(n.vals[i].off)
	}
	in.DisplayName = pkg.str(f, n, "displayName")
	in.ShortDescription = pkg.str(f, n, "shortDescription")
	in.LongDescription = pkg.str(f, n, "longDescription")
	in.DeveloperName = pkg.str(f, n, "developerName")
	in.Category = pkg.str(f, n, "category")
	in.Capabilities = pkg.strs(f, n, "capabilities")
	in.WebsiteURL = pkg.str(f, n, "websiteURL")
	in.SupportURL = pkg.str(f, n, "supportURL")
	in.PrivacyPolicyURL = pkg.str(f, n, "privacyPolicyURL")
	in.TermsOfServiceURL = pkg.str(f, n, "termsOfServiceURL")
	in.DefaultPrompt = pkg.strs(f, n, "defaultPrompt")
	in.BrandColor = pkg.str(f, n, "brandColor")
	in.ComposerIcon = pkg.str(f, n, "composerIcon")
	in.Logo = pkg.str(f, n, "logo")
	in.LogoDark = pkg.str(f, n, "logoDark")
	in.Screenshots = pkg.strs(f, n, "screenshots")
	for _, a := range []struct{ field, ref string }{{"composerIcon", in.ComposerIcon}, {"logo", in.Logo}, {"logoDark", in.LogoDark}} {
		if a.ref != "" {
			pkg.Assets = append(pkg.Assets, Asset{Field: a.field, Ref: a.ref, At: in.At[a.field], Icon: true})
		}
	}
	for i, s := range in.Screenshots {
		pkg.Assets = append(pkg.Assets, Asset{Field: fmt.Sprintf("screenshots[%d]", i), Ref: s, At: in.At["screenshots"]})
	}
}

// str reads a string field; another type is a Problem.
func (pkg *Package) str(f *jsonFile, n *node, key string) string {
	v := n.get(key)
	switch {
	case v == nil || v.kind == 'z':
		return ""
	case v.kind != 's':
		pkg.Problems = append(pkg.Problems, Finding{f.pos(v.off), fmt.Sprintf("%s is %s, not a string", key, v.what())})
		return ""
	}
	return v.str
}

// strs reads a string or an array of strings.
func (pkg *Package) strs(f *jsonFile, n *node, key string) []string {
	v := n.get(key)
	switch {
	case v == nil || v.kind == 'z':
		return nil
	case v.kind == 's':
		return []string{v.str}
	case v.kind == 'a':
		var out []string
		for _, it := range v.items {
			if it.kind != 's' {
				pkg.Problems = append(pkg.Problems, Finding{f.pos(it.off), fmt.Sprintf("an item of %s is %s, not a string", key, it.what())})
				continue
			}
			out = append(out, it.str)
		}
		return out
	}
	pkg.Problems = append(pkg.Problems, Finding{f.pos(v.off), fmt.Sprintf("%s is %s, not a string or an array of strings", key, v.what())})
	return nil
}

// extra reports the keys of n that known does not list.
func (pkg *Package) extra(f *jsonFile, n *node, known []string, prefix string) {
	for i, k := range n.keys {
		if !slices.Contains(known, k) {
			pkg.Extra = append(pkg.Extra, Finding{f.pos(n.vals[i].off), fmt.Sprintf("unknown key %q (kept aside, not judged)", prefix+k)})
		}
	}
}

// secretKey reports whether a key names a credential, whatever its case
// and separators.
func secretKey(k string) bool {
	k = strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(k))
	switch k {
	case "clientsecret", "secret", "token", "accesstoken", "refreshtoken", "idtoken", "bearer", "bearertoken",
		"apikey", "password", "passwd", "authorization", "privatekey", "sessiontoken", "cookie":
		return true
	}
	return false
}

// credentials walks every value under n for secrets: a secret key with a
// non-empty value, non-empty headers, a non-empty env. Only where and
// which key is kept, never the value.
func (pkg *Package) credentials(f *jsonFile, n *node, path string) {
	switch n.kind {
	case 'a':
		for i, it := range n.items {
			pkg.credentials(f, it, fmt.Sprintf("%s[%d]", path, i))
		}
	case 'o':
		for i, k := range n.keys {
			v, p := n.vals[i], strings.TrimPrefix(path+"."+k, ".")
			switch {
			case (k == "headers" || k == "env") && v.kind == 'o' && len(v.keys) > 0:
				what := "non-empty headers"
				if k == "env" {
					what = "environment values"
				}
				pkg.Credentials = append(pkg.Credentials, Finding{f.pos(v.off), fmt.Sprintf("%s sets %s (%s; values not shown)", p, what, strings.Join(v.keys, ", "))})
			case secretKey(k) && v.kind == 's' && strings.TrimSpace(v.str) != "":
				pkg.Credentials = append(pkg.Credentials, Finding{f.pos(v.off), fmt.Sprintf("%s holds a value (not shown)", p)})
			default:
				pkg.credentials(f, v, p)
			}
		}
	}
}

// localPath turns "./assets/x.png" into "assets/x.png" when it stays
// inside the package.
func localPath(ref string) (string, bool) {
	rel := strings.TrimPrefix(ref, "./")
	return rel, rel != "" && fs.ValidPath(rel) && !strings.Contains(rel, `\`)
}

var svgBox = regexp.MustCompile(`viewBox\s*=\s*["']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*["']`)

// inspectAssets finds each asset and reads its image size.
func (pkg *Package) inspectAssets() {
	for i := range pkg.Assets {
		a := &pkg.Assets[i]
		low := strings.ToLower(a.Ref)
		if strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") {
			a.Remote = true
			continue
		}
		rel, ok := localPath(a.Ref)
		if !ok {
			continue
		}
		data, found := pkg.Files[rel]
		a.Found = found
		if !found {
			continue
		}
		if strings.HasSuffix(low, ".svg") {
			a.Format = "svg"
			if m := svgBox.FindSubmatch(data); m != nil {
				w, _ := strconv.ParseFloat(string(m[1]), 64)
				h, _ := strconv.ParseFloat(string(m[2]), 64)
				a.Width, a.Height = int(w), int(h)
			}
			continue
		}
		if c, format, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			a.Width, a.Height, a.Format = c.Width, c.Height, format
		}
	}
}
