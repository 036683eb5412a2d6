package mcpsdk

import (
	"errors"
	"fmt"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// TestAsRPCError: the server's JSON-RPC errors become *RPCError, wrapped as
// the SDK wraps them; the SDK's own (a request rejected by the transport,
// a closing client) stay plain errors.
func TestAsRPCError(t *testing.T) {
	server := &jsonrpc.Error{Code: -32602, Message: "invalid params"}
	rejected := &jsonrpc.Error{Code: -32005, Message: "rejected by transport"}
	closing := &jsonrpc.Error{Code: -32003, Message: "client is closing"}
	tests := []struct {
		name string
		err  error
		want int64 // the RPCError's code; 0 for none
	}{
		{"the server's error", server, -32602},
		{"the server's error, wrapped", fmt.Errorf("calling %q: %w", "tools/call", server), -32602},
		{"the server's error with a 400", fmt.Errorf("%s: %w: %w: %v", "calling tools/call", server, rejected, "Bad Request"), -32602},
		{"no connection", fmt.Errorf("%s: %w: %w", "calling resources/read", rejected, errors.New("connection refused")), 0},
		{"a 503", fmt.Errorf("%w: %s: %v", rejected, "calling resources/read", "Service Unavailable"), 0},
		{"a closing client", fmt.Errorf("calling: %w", closing), 0},
		{"a server sending -32005 of its own", &jsonrpc.Error{Code: -32005, Message: "quota exceeded"}, -32005},
		{"no JSON-RPC error", errors.New("EOF"), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rpc *RPCError
			got := asRPCError(tc.err)
			switch {
			case tc.want == 0 && errors.As(got, &rpc):
				t.Errorf("got the server's JSON-RPC error %d, want a plain error", rpc.Code)
			case tc.want != 0 && !errors.As(got, &rpc):
				t.Errorf("got %v, want the server's JSON-RPC error %d", got, tc.want)
			case tc.want != 0 && rpc.Code != tc.want:
				t.Errorf("got JSON-RPC error %d, want %d", rpc.Code, tc.want)
			case tc.want == 0 && got != tc.err:
				t.Errorf("the error changed: %v", got)
			}
		})
	}
}
