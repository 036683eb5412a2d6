package collect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-dev/dossier/pack/check"
	"github.com/dossier-dev/dossier/pack/live"
	"github.com/dossier-dev/dossier/pack/manifest"
)

// A server that speaks only the stateless 2026-07-28 era is still listed
// and judged, through server/discover.
func TestStatelessOnlyServer(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "modern", Version: "1"}, &mcp.ServerOptions{SupportedProtocolVersions: []string{"2026-07-28"}})
	mcp.AddTool(s, &mcp.Tool{Name: "get_order", Description: "Get an order.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: bp(false), OpenWorldHint: bp(false)}},
		func(ctx context.Context, req *mcp.CallToolRequest, in orderIn) (*mcp.CallToolResult, orderOut, error) {
			return nil, orderOut{Status: "shipped"}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: true})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	m := noAuthManifest(srv.URL + "/mcp")
	m.Tools = []manifest.Tool{{Name: "get_order", Kind: manifest.KindRead, Inputs: map[string]manifest.Input{"order_id": {Purpose: "which"}}}}
	rep, _ := runProbe(t, Options{Manifest: m})
	checkInvariants(t, rep)
	if o := rep.Observation.Server; o.Era != live.EraStateless || !o.Discover {
		t.Errorf("server: %+v", o)
	}
	for _, id := range []string{"transport.handshake", "tool.annotations-explicit"} {
		sub := "app"
		if id != "transport.handshake" {
			sub = "tool:get_order"
		}
		if r, _ := find(rep.Results, id, sub); r.Status != check.Pass {
			t.Errorf("%s: %+v", id, r)
		}
	}
	t.Log("\n" + dump(rep.Results))
}
