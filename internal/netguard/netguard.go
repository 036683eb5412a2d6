// Package netguard keeps dossier's own traffic out of the network it runs
// in. The server under test (collect) and the widgets it serves (evidence,
// through the browser's proxy) can name any URL; a connection to a
// loopback, private, link-local, metadata or other special-purpose address
// is refused unless the user named that host. It is a leaf: collect and
// evidence both import it, it imports neither.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Resolver looks up a host's addresses; *net.Resolver is one. Tests pass
// their own to make a name resolve to an address they choose.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config says what the user named.
type Config struct {
	// Hosts are URLs whose hosts the user named (the MCP server, the
	// manifest's own URLs): reachable on any port whatever they resolve
	// to. Naming a loopback host makes every loopback address reachable:
	// the user is probing a server on their own machine.
	Hosts []string
	// Origins are URLs whose host and port alone are reachable whatever
	// they resolve to, and nothing more: the browser reaches the test
	// harness and the MCP server this way, and no other loopback port.
	Origins []string
	// Resolver resolves the names nobody named; nil is net.DefaultResolver.
	Resolver Resolver
	// DialTimeout bounds one connection attempt; zero is 30 seconds.
	DialTimeout time.Duration
}

// Guard decides which addresses may be reached. Its methods are safe for
// concurrent use.
type Guard struct {
	loopback bool // the user named a loopback host
	resolver Resolver
	timeout  time.Duration

	mu      sync.Mutex
	hosts   map[string]bool // host names and IPs allowed on any port, lower case
	origins map[string]bool // host:port allowed, lower case
	cache   map[string][]netip.Addr
}

// New returns a guard for what c names. A URL that does not parse names
// nothing.
func New(c Config) *Guard {
	g := &Guard{resolver: c.Resolver, timeout: c.DialTimeout, hosts: map[string]bool{},
		origins: map[string]bool{}, cache: map[string][]netip.Addr{}}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	if g.timeout <= 0 {
		g.timeout = 30 * time.Second
	}
	for _, raw := range c.Hosts {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		h := canonHost(u.Hostname())
		g.hosts[h] = true
		if isLoopbackName(h) {
			g.loopback = true
		}
	}
	g.Allow(c.Origins...)
	return g
}

// Allow adds origins (URLs; their host and port) that may be reached
// whatever they resolve to, such as a test server started after the guard.
func (g *Guard) Allow(origins ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, raw := range origins {
		if hp, ok := hostPort(raw); ok {
			g.origins[hp] = true
		}
	}
}

// hostPort is the lower-case host:port of a URL, the port defaulted from
// the scheme.
func hostPort(raw string) (hp string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	port := u.Port()
	if port == "" {
		if port, ok = defaultPort(u.Scheme); !ok {
			return "", false
		}
	}
	return net.JoinHostPort(canonHost(u.Hostname()), port), true
}

// canonHost lowers a host and drops a trailing dot and IPv6 brackets; an
// IP literal is written the one way netip writes it, so "::FFFF:7f00:1"
// and "[::ffff:127.0.0.1]" name the same address.
func canonHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String()
	}
	return h
}

func isLoopbackName(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// named reports whether the user named host (any port) or host:port.
func (g *Guard) named(host, port string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hosts[host] || (port != "" && g.origins[net.JoinHostPort(host, port)])
}

// RefuseURL returns why a request to u must not be made, or "". A name
// that does not resolve is left to the dial to fail.
func (g *Guard) RefuseURL(ctx context.Context, u *url.URL) string {
	port := u.Port()
	if port == "" {
		port, _ = defaultPort(u.Scheme)
	}
	return g.refuseHost(ctx, canonHost(u.Hostname()), port)
}

func defaultPort(scheme string) (string, bool) {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return "80", true
	case "https", "wss":
		return "443", true
	}
	return "", false
}

func (g *Guard) refuseHost(ctx context.Context, host, port string) string {
	if host == "" || g.named(host, port) {
		return ""
	}
	as, _ := g.addrs(ctx, host)
	for _, a := range as {
		if why := g.RefuseAddr(a); why != "" {
			return why
		}
	}
	return ""
}

// RefuseAddr says why an address of a host the user did not name must not
// be reached, or "".
func (g *Guard) RefuseAddr(a netip.Addr) string {
	c := Classify(a)
	if c.Kind == "" || g.named(canonHost(a.String()), "") {
		return ""
	}
	if c.Kind == Loopback && c.local() && g.loopback {
		return ""
	}
	return c.String() + " the user did not name" + c.note()
}

// Refused is the error of a dial the guard would not make.
type Refused struct {
	Host   string // as asked for, without the port
	Reason string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s", e.Host, e.Reason)
}

// IsRefused reports whether err is, or wraps, the guard's refusal.
func IsRefused(err error) bool {
	var r *Refused
	return errors.As(err, &r)
}

// DialContext dials as net.Dialer does. For a host the user did not name
// it resolves the name once, refuses it if any address is refused, and
// connects to exactly the addresses it checked: a name cannot resolve to a
// public address for the check and to a private one for the connection
// (DNS rebinding). A named host is dialled whatever it resolves to.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: g.timeout, KeepAlive: 30 * time.Second}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	h := canonHost(host)
	if g.named(h, port) {
		return d.DialContext(ctx, network, addr)
	}
	as, err := g.addrs(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	for _, a := range as {
		if why := g.RefuseAddr(a); why != "" {
			return nil, &Refused{Host: host, Reason: why}
		}
	}
	var errs []error
	for _, a := range as {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// addrs resolves h, once per guard when it resolves; an IP literal is
// itself, and localhost is loopback whatever a resolver says (browsers
// treat it so).
func (g *Guard) addrs(ctx context.Context, h string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(h); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	g.mu.Lock()
	as, ok := g.cache[h]
	g.mu.Unlock()
	if ok {
		return as, nil
	}
	ips, err := g.resolver.LookupNetIP(ctx, "ip", h)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("no addresses for %s", h)
	}
	as = make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		as = append(as, ip.Unmap())
	}
	g.mu.Lock()
	g.cache[h] = as
	g.mu.Unlock()
	return as, nil
}
