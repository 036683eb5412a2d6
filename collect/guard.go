package collect

import (
	"context"
	"net"
	"net/url"

	"github.com/dossier-dev/dossier/internal/netguard"
)

// hopGuard keeps the probe from being steered into the network it runs in.
// A server under test can name any URL (a resource_metadata, an
// authorization server, a redirect); a request to a loopback, private,
// link-local, metadata or other special-purpose address is refused unless
// the user named that host (see netguard). Naming a loopback URL allows
// loopback: the user is probing a server on their own machine.
type hopGuard struct{ g *netguard.Guard }

// newHopGuard guards for the URLs the user gave (the MCP URL, the
// manifest's own URLs).
func newHopGuard(named []string) *hopGuard {
	return &hopGuard{netguard.New(netguard.Config{Hosts: named})}
}

// refuse returns why a request to u must not be made, or "".
func (g *hopGuard) refuse(ctx context.Context, u *url.URL) string { return g.g.RefuseURL(ctx, u) }

// dialContext dials as net.Dialer does, and for a host the user did not
// name connects only to the addresses it checked. refuse checks before the
// request; this closes the gap where a name resolves to a public address
// for that check and to a private one for the dial (DNS rebinding).
func (g *hopGuard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return g.g.DialContext(ctx, network, addr)
}
