package collect

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
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
		kind := privateKind(a)
		if kind == "" || (kind == "loopback" && g.loopback) || g.named[a.String()] {
			continue
		}
		return fmt.Sprintf("%s is a %s address the user did not name", a, kind)
	}
	return ""
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
