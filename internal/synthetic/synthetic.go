// Package synthetic is the go-sdk MCP server the benchmarks measure size
// against: n annotated tools with input and output schemas, 70 % read,
// 20 % write and 10 % destructive, and the manifest that declares them as
// they are. It serves tests and benchmarks only.
package synthetic

import (
	"context"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-dev/dossier/pack/manifest"
)

// Kind gives tool i its kind: most read, some write, a few destructive.
func Kind(i int) string {
	switch {
	case i%10 == 9:
		return manifest.KindDestructive
	case i%10 >= 7:
		return manifest.KindWrite
	}
	return manifest.KindRead
}

// Name is tool i's name.
func Name(i int) string {
	switch Kind(i) {
	case manifest.KindDestructive:
		return fmt.Sprintf("delete_record_%04d", i)
	case manifest.KindWrite:
		return fmt.Sprintf("update_record_%04d", i)
	}
	return fmt.Sprintf("get_record_%04d", i)
}

type input struct {
	Query string `json:"query" jsonschema:"what to look for"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many results at most"`
	Sort  string `json:"sort,omitempty" jsonschema:"order of the results: asc or desc"`
}

type output struct {
	Items []string `json:"items"`
}

// Handler serves n tools over streamable HTTP at any path.
func Handler(n int) http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "synthetic", Version: "1.0.0"}, nil)
	verb := map[string]string{manifest.KindRead: "Get", manifest.KindWrite: "Update", manifest.KindDestructive: "Delete"}
	for i := range n {
		kind := Kind(i)
		destructive, openWorld := kind == manifest.KindDestructive, false
		mcp.AddTool(s, &mcp.Tool{
			Name:        Name(i),
			Description: fmt.Sprintf("%s record %d of the synthetic catalogue.", verb[kind], i),
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: kind == manifest.KindRead, DestructiveHint: &destructive, OpenWorldHint: &openWorld},
			Meta:        mcp.Meta{"securitySchemes": []map[string]any{{"type": "noauth"}}},
		}, func(ctx context.Context, req *mcp.CallToolRequest, in input) (*mcp.CallToolResult, output, error) {
			return nil, output{Items: []string{in.Query}}, nil
		})
	}
	return http.NewCrossOriginProtection().Handler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
}

// Manifest declares every tool of a server of n tools at url as it is; the
// first ten read tools are callable, as a vendor would list a few safe ones.
func Manifest(url string, n int) *manifest.Manifest {
	m := &manifest.Manifest{
		Schema: manifest.SchemaID,
		App:    manifest.App{Name: "Synthetic", Vendor: "Test", Version: "1", Description: fmt.Sprintf("%d tools.", n), Support: "help@example.com"},
		Server: manifest.Server{URL: url, Auth: manifest.Auth{Mode: manifest.AuthNone}},
	}
	purpose := map[string]manifest.Input{"query": {Purpose: "what to look for"}, "limit": {Purpose: "page size"}, "sort": {Purpose: "order"}}
	for i := range n {
		d := manifest.Tool{Name: Name(i), Kind: Kind(i), Inputs: purpose}
		if d.Kind == manifest.KindRead && len(m.Probe.Callable) < 10 {
			m.Probe.Callable = append(m.Probe.Callable, d.Name)
			d.Example = map[string]any{"query": "a"}
		}
		m.Tools = append(m.Tools, d)
	}
	return m
}
