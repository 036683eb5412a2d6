package collect

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// hopGuard keeps the probe from being steered into the network it runs in.
// A server under test can name any URL (a resource_metadata, an
// authorization server, a redirect); a request to a private, link-local,
// CGNAT, loopback or unspecified address is refused unless the user named
// that host. Naming a loopback URL allows loopback: the user is probing a
// server on their own machine.
type hopGuard struct {
	named    map[string]bool // host names and IPs the user gave, lower case
	loopback bool            // the user named a loopback host

	mu    sync.Mutex
	cache map[string][]netip.Addr
}

func newHopGuard(named []string) *hopGuard {
	g := &hopGuard{named: map[string]bool{}, cache: map[string][]netip.Addr{}}
	for _, raw := range named {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		g.named[h] = true
		if isLoopbackHost(h) {
			g.loopback = true
		}
	}
	return g
}

// refuse returns why a request to u must not be made, or "".
func (g *hopGuard) refuse(ctx context.Context, u *url.URL) string {
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if h == "" || g.named[h] {
		return ""
	}
	for _, a := range g.addrs(ctx, h) {
		if why := g.refuseAddr(a); why != "" {
			return why
		}
	}
	return ""
}

// refuseAddr says why an address of a host the user did not name must not
// be reached, or "".
func (g *hopGuard) refuseAddr(a netip.Addr) string {
	kind := privateKind(a)
	if kind == "" || (kind == "loopback" && g.loopback) || g.named[a.String()] {
		return ""
	}
	return fmt.Sprintf("%s is a %s address the user did not name", a, kind)
}

// dialContext dials as net.Dialer does, and for a host the user did not
// name checks the address it actually connects to. refuse checks before
// the request; this closes the gap where a name resolves to a public
// address for that check and to a private one for the dial (DNS
// rebinding).
func (g *hopGuard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if !g.named[strings.ToLower(strings.TrimSuffix(host, "."))] {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if why := g.refuseAddr(ap.Addr().Unmap()); why != "" {
				return fmt.Errorf("refusing to connect to %s: %s", host, why)
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, addr)
}

// addrs resolves h once per run; a name that does not resolve is left to
// the dial to fail.
func (g *hopGuard) addrs(ctx context.Context, h string) []netip.Addr {
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return []netip.Addr{a.Unmap()}
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	g.mu.Lock()
	as, ok := g.cache[h]
	g.mu.Unlock()
	if ok {
		return as
	}
	ips, _ := net.DefaultResolver.LookupNetIP(ctx, "ip", h)
	for _, ip := range ips {
		as = append(as, ip.Unmap())
	}
	g.mu.Lock()
	g.cache[h] = as
	g.mu.Unlock()
	return as
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// privateKind names the non-public range a is in, or "".
func privateKind(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return "unspecified"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return "link-local"
	case cgnat.Contains(a):
		return "CGNAT"
	case a.IsPrivate():
		return "private"
	}
	return ""
}
