// Package mcpsdk is the one place the probe touches the official MCP Go SDK.
// It connects a client session over Streamable HTTP and hands back plain
// values (JSON for anything the server shaped), so that collect can judge
// them without depending on the SDK's types.
package mcpsdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// UIExtension is the MCP Apps extension the probe advertises, so that a
// server that checks client capabilities shows its UI tools.
const UIExtension = "io.modelcontextprotocol/ui"

// UIMIMEType is the MCP Apps widget MIME type.
const UIMIMEType = "text/html;profile=mcp-app"

// Info is the outcome of the handshake.
type Info struct {
	ProtocolVersion string
	Name            string
	Title           string
	Version         string
	Instructions    string
	Capabilities    json.RawMessage
	SessionID       string
}

// Resource is one resources/list entry.
type Resource struct {
	URI      string
	Name     string
	MIMEType string
	Meta     json.RawMessage
}

// Content is one item of a resources/read result.
type Content struct {
	URI      string
	MIMEType string
	Text     string
	Blob     []byte
	Meta     json.RawMessage
}

// Session is a connected client session.
type Session struct {
	cs *mcp.ClientSession
}

// Connect performs the handshake at the given protocol version ("" lets the
// SDK try server/discover first and fall back to initialize). hc carries
// every request; the SDK's own retries and standalone SSE stream are off.
func Connect(ctx context.Context, endpoint string, hc *http.Client, version string) (*Session, error) {
	caps := &mcp.ClientCapabilities{}
	caps.AddExtension(UIExtension, map[string]any{"mimeTypes": []string{UIMIMEType}})
	c := mcp.NewClient(&mcp.Implementation{Name: "dossier", Version: "0"}, &mcp.ClientOptions{Capabilities: caps})
	// The probe's recorder bounds every body (a UI resource may be larger
	// than the SDK's own 16 MiB cap on one event), so the SDK's cap is off.
	t := &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1, MaxEventSize: -1}
	cs, err := c.Connect(ctx, t, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		return nil, err
	}
	return &Session{cs: cs}, nil
}

// Info returns what the server said in the handshake.
func (s *Session) Info() Info {
	in := Info{SessionID: s.cs.ID()}
	res := s.cs.InitializeResult()
	if res == nil {
		return in
	}
	in.ProtocolVersion = res.ProtocolVersion
	in.Instructions = res.Instructions
	if res.ServerInfo != nil {
		in.Name, in.Title, in.Version = res.ServerInfo.Name, res.ServerInfo.Title, res.ServerInfo.Version
	}
	if res.Capabilities != nil {
		in.Capabilities, _ = json.Marshal(res.Capabilities)
	}
	return in
}

// ListTools fetches one page of tools/list. Each tool comes back as the
// SDK re-encodes it, which loses what the SDK's types do not hold (absent
// hints, top-level securitySchemes): collect prefers its own raw listing.
func (s *Session) ListTools(ctx context.Context, cursor string) (tools []json.RawMessage, next string, err error) {
	res, err := s.cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	for _, t := range res.Tools {
		if t == nil {
			continue
		}
		b, err := json.Marshal(t)
		if err != nil {
			continue
		}
		tools = append(tools, b)
	}
	return tools, res.NextCursor, nil
}

// ListResources fetches one page of resources/list.
func (s *Session) ListResources(ctx context.Context, cursor string) ([]Resource, string, error) {
	res, err := s.cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	var out []Resource
	for _, r := range res.Resources {
		if r == nil {
			continue
		}
		out = append(out, Resource{URI: r.URI, Name: r.Name, MIMEType: r.MIMEType, Meta: meta(r.Meta)})
	}
	return out, res.NextCursor, nil
}

// ReadResource reads one resource. A JSON-RPC error is returned as
// *RPCError.
func (s *Session) ReadResource(ctx context.Context, uri string) ([]Content, error) {
	res, err := s.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		return nil, asRPCError(err)
	}
	var out []Content
	for _, c := range res.Contents {
		if c == nil {
			continue
		}
		out = append(out, Content{URI: c.URI, MIMEType: c.MIMEType, Text: c.Text, Blob: c.Blob, Meta: meta(c.Meta)})
	}
	return out, nil
}

// CallTool calls a tool and returns the result as the server's JSON would
// read (content, structuredContent, isError, _meta). A JSON-RPC error is
// returned as *RPCError.
func (s *Session) CallTool(ctx context.Context, name string, args map[string]any) (json.RawMessage, error) {
	res, err := s.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, asRPCError(err)
	}
	return json.Marshal(res)
}

// Close ends the session.
func (s *Session) Close() error { return s.cs.Close() }

// RPCError is a JSON-RPC error answer.
type RPCError struct {
	Code    int64
	Message string
}

func (e *RPCError) Error() string { return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message) }

// asRPCError returns the server's JSON-RPC error in err as *RPCError, and
// any other error as it is.
func asRPCError(err error) error {
	if we := serverError(err); we != nil {
		return &RPCError{Code: we.Code, Message: we.Message}
	}
	return err
}

// serverError is the first JSON-RPC error in err's tree that the SDK did
// not make itself. The SDK reports some failures of its own as JSON-RPC
// errors: a request that got no answer or none it could use (a refused
// connection, a 429, 502, 503 or 504) is "rejected by transport" (-32005),
// and a call made while the session closes is "client is closing"
// (-32003). Neither is the server's answer: a 503 once made a schema-invalid
// call "rejected with JSON-RPC error -32005" (tool.input-validation pass)
// and a widget "not resolving" (widget.resource fail). When the server's
// error came with a non-2xx status, the SDK wraps both, the server's
// first.
func serverError(err error) *jsonrpc.Error {
	if we, ok := err.(*jsonrpc.Error); ok {
		if own := we.Code == -32005 && we.Message == "rejected by transport" || we.Code == -32003 && we.Message == "client is closing"; !own {
			return we
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return serverError(inner)
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			if we := serverError(inner); we != nil {
				return we
			}
		}
	}
	return nil
}

func meta(m mcp.Meta) json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// AcceptsAuthServerMeta reports whether the SDK's own client would accept
// the authorization server metadata at metadataURL for issuer: nil if yes.
func AcceptsAuthServerMeta(ctx context.Context, metadataURL, issuer string, hc *http.Client) error {
	m, err := oauthex.GetAuthServerMeta(ctx, metadataURL, issuer, hc)
	if err != nil {
		return err
	}
	if m == nil {
		return errors.New("no metadata (4xx)")
	}
	return nil
}
