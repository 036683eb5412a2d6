package app

import (
	"context"
	_ "embed"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The two widgets: one in the MCP Apps dialect, one in ChatGPT's legacy
// Skybridge dialect, so a probe sees both shapes.
const (
	orderListURI = "ui://orderly/order-list.html"
	orderCardURI = "ui://orderly/order-card.html"

	mimeMCPApp    = "text/html;profile=mcp-app"
	mimeSkybridge = "text/html+skybridge"

	// widgetDomain is the dedicated origin ChatGPT renders Orderly's widgets on.
	widgetDomain = "https://orderly.example"
)

var (
	//go:embed widgets/order-list.html
	orderListHTML string
	//go:embed widgets/order-card.html
	orderCardHTML string
	//go:embed widgets/bridge.js
	widgetRuntime string
	//go:embed widgets/style.css
	widgetStyle string
)

// widgetPage inlines the shared style and runtime: a widget loads nothing
// from anywhere, so its CSP can allow no domain at all.
func widgetPage(html string) string {
	return strings.NewReplacer("/*ORDERLY_STYLE*/", widgetStyle, "/*ORDERLY_RUNTIME*/", widgetRuntime).Replace(html)
}

func (s *Server) addWidgets(srv *mcp.Server) {
	add := func(r *mcp.Resource, html string) {
		html = widgetPage(html)
		srv.AddResource(r, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
				URI: r.URI, MIMEType: r.MIMEType, Text: html, Meta: r.Meta,
			}}}, nil
		})
	}
	add(&mcp.Resource{
		URI: orderListURI, Name: "order-list", Title: "Orderly order list",
		Description: "A table of the customer's orders with status and totals, for list_orders.",
		MIMEType:    mimeMCPApp,
		Meta: mcp.Meta{"ui": map[string]any{
			"csp":           map[string]any{"connectDomains": s.connectDomains(), "resourceDomains": []string{}},
			"domain":        widgetDomain,
			"prefersBorder": true,
		}},
	}, orderListHTML)
	add(&mcp.Resource{
		URI: orderCardURI, Name: "order-card", Title: "Orderly order card",
		Description: "One order's items, totals, shipping and notes, for get_order.",
		MIMEType:    mimeSkybridge,
		Meta: mcp.Meta{
			"openai/widgetCSP":           map[string]any{"connect_domains": []string{}, "resource_domains": []string{}},
			"openai/widgetDomain":        widgetDomain,
			"openai/widgetDescription":   "Shows one order's items, totals, shipping state and notes.",
			"openai/widgetPrefersBorder": true,
		},
	}, orderCardHTML)
}
