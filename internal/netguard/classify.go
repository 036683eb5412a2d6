package netguard

import (
	"net/netip"
	"strings"
)

// Kinds of address the guard refuses unless the user named them.
const (
	Loopback      = "loopback"
	Unspecified   = "unspecified"
	LinkLocal     = "link-local"
	CGNAT         = "CGNAT"
	Private       = "private"
	Multicast     = "multicast"
	Documentation = "documentation"
	Benchmarking  = "benchmarking"
	Protocol      = "IETF protocol assignment"
	Reserved      = "reserved"
	Metadata      = "cloud metadata"
)

// Forms that carry an IPv4 address inside an IPv6 one.
const (
	Mapped     = "IPv4-mapped"
	Translated = "IPv4-translated"
	Compatible = "IPv4-compatible"
	NAT64      = "NAT64"
	LocalNAT64 = "local-use NAT64"
	SixToFour  = "6to4"
	Teredo     = "Teredo"
)

// Class is what Classify found.
type Class struct {
	Addr netip.Addr
	// Kind is the special-purpose range, "" for an ordinary public address.
	Kind string
	// Form and Inner are set when Kind comes from an IPv4 address carried
	// inside Addr, or when the form itself is not globally reachable.
	Form  string
	Inner netip.Addr
	// Metadata is set for the address of a cloud metadata service.
	Metadata bool
}

// String says what the address is, as in "10.0.0.1 is a private address"
// or "64:ff9b::a9fe:a9fe is 169.254.169.254 in NAT64 form, a link-local
// address".
func (c Class) String() string {
	kind := c.Kind
	if kind == "" {
		kind = "public"
	}
	s := c.Addr.String() + " is "
	if c.Form != "" && c.Inner.IsValid() {
		s += c.Inner.String() + " in " + c.Form + " form, "
	}
	return s + article(kind) + " " + kind + " address"
}

// note is said after a refusal of a metadata service's address in a range
// that does not say so itself.
func (c Class) note() string {
	if c.Metadata && c.Kind != Metadata {
		return " (a cloud metadata endpoint)"
	}
	return ""
}

// local reports whether a connection to the address stays on this machine
// when its kind is loopback: a mapped address is the IPv4 address itself
// to the kernel, while NAT64 or 6to4 of 127.0.0.1 is someone else's.
func (c Class) local() bool { return c.Form == "" || c.Form == Mapped }

func article(kind string) string {
	if strings.IndexByte("aeiouAEIOU", kind[0]) >= 0 {
		return "an"
	}
	return "a"
}

type span struct {
	p    netip.Prefix
	kind string
}

func spans(kind string, prefixes ...string) []span {
	out := make([]span, len(prefixes))
	for i, p := range prefixes {
		out[i] = span{netip.MustParsePrefix(p), kind}
	}
	return out
}

// special4 are the IPv4 special-purpose ranges that are not globally
// reachable (the IANA IPv4 Special-Purpose Address Registry, RFC 6890 and
// its updates), plus multicast and the reserved 240/4.
var special4 = concat(
	spans(Unspecified, "0.0.0.0/8"),
	spans(Private, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
	spans(CGNAT, "100.64.0.0/10"),
	spans(Loopback, "127.0.0.0/8"),
	spans(LinkLocal, "169.254.0.0/16"),
	spans(Protocol, "192.0.0.0/24"),
	spans(Documentation, "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
	spans(Reserved, "192.88.99.0/24", "240.0.0.0/4"), // deprecated 6to4 relay anycast; future use and broadcast
	spans(Benchmarking, "198.18.0.0/15"),
	spans(Multicast, "224.0.0.0/4"),
)

// special6 are the IPv6 ranges that are not globally reachable (the IANA
// IPv6 Special-Purpose Address Registry) and carry no IPv4 address.
// Everything outside 2000::/3 that is not listed is reserved as well.
var special6 = concat(
	spans(Reserved, "100::/64", "100:0:0:1::/64", "2001:10::/28", "5f00::/16", "fec0::/10"), // discard-only, dummy, ORCHID, SRv6 SIDs, site-local
	spans(Benchmarking, "2001:2::/48"),
	spans(Documentation, "2001:db8::/32", "3fff::/20"),
	spans(Private, "fc00::/7"),
	spans(LinkLocal, "fe80::/10"),
	spans(Multicast, "ff00::/8"),
)

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	mapped        = netip.MustParsePrefix("::ffff:0:0/96")
	translated    = netip.MustParsePrefix("::ffff:0:0:0/96")
	compatible    = netip.MustParsePrefix("::/96")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	localNAT64    = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	teredo        = netip.MustParsePrefix("2001::/32")
)

// metadata are the addresses of cloud instance metadata services: AWS
// (IPv4, IPv6, ECS and EKS), GCP and Azure IMDS (169.254.169.254), Azure's
// wireserver (a public-range address), Alibaba and Oracle.
var metadata = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true,
	netip.MustParseAddr("169.254.170.2"):   true,
	netip.MustParseAddr("169.254.170.23"):  true,
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("fd00:ec2::23"):    true,
	netip.MustParseAddr("168.63.129.16"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
	netip.MustParseAddr("192.0.0.192"):     true,
}

func concat(s ...[]span) []span {
	var out []span
	for _, x := range s {
		out = append(out, x...)
	}
	return out
}

// Classify says which special-purpose range a is in. An IPv6 address that
// carries an IPv4 one (mapped, translated, IPv4-compatible, NAT64, 6to4,
// Teredo) is classified by the address inside; the forms that are not
// globally reachable themselves (IPv4-compatible, local-use NAT64) are
// never public.
func Classify(a netip.Addr) Class {
	a = a.WithZone("")
	c := Class{Addr: a}
	if a.Is4() {
		c.Kind, c.Metadata = kind4(a), metadata[a]
		return c
	}
	if !a.Is6() {
		c.Kind = Reserved
		return c
	}
	c.Metadata = metadata[a]
	b := a.As16()
	v4 := func(i ...int) netip.Addr { return netip.AddrFrom4([4]byte{b[i[0]], b[i[1]], b[i[2]], b[i[3]]}) }
	var inner []netip.Addr
	alwaysRefused := false
	switch {
	case mapped.Contains(a): // before IsLoopback, which is true of ::ffff:127.0.0.1
		c.Form, inner = Mapped, []netip.Addr{a.Unmap()}
	case a.IsUnspecified():
		c.Kind = Unspecified
		return c
	case a.IsLoopback():
		c.Kind = Loopback
		return c
	case translated.Contains(a):
		c.Form, inner = Translated, []netip.Addr{v4(12, 13, 14, 15)}
	case compatible.Contains(a):
		c.Form, inner, alwaysRefused = Compatible, []netip.Addr{v4(12, 13, 14, 15)}, true
	case nat64.Contains(a):
		c.Form, inner = NAT64, []netip.Addr{v4(12, 13, 14, 15)}
	case localNAT64.Contains(a):
		// RFC 6052 §2.2: with a /48 prefix the IPv4 address is bits
		// 48–63 and 72–87; bits 64–71 are zero.
		c.Form, inner, alwaysRefused = LocalNAT64, []netip.Addr{v4(6, 7, 9, 10)}, true
	case sixToFour.Contains(a):
		c.Form, inner = SixToFour, []netip.Addr{v4(2, 3, 4, 5)}
	case teredo.Contains(a):
		// RFC 4380 §4: the client's address, obfuscated, in the last 32
		// bits; the server's in bits 32–63. Packets reach both.
		client := netip.AddrFrom4([4]byte{b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff})
		c.Form, inner = Teredo, []netip.Addr{client, v4(4, 5, 6, 7)}
	}
	if c.Form != "" {
		for _, in := range inner {
			c.Inner = in
			c.Kind, c.Metadata = kind4(in), metadata[in]
			if c.Kind != "" {
				return c
			}
		}
		c.Inner = inner[0]
		if alwaysRefused {
			c.Kind = Reserved
		}
		return c
	}
	for _, s := range special6 {
		if s.p.Contains(a) {
			c.Kind = s.kind
			return c
		}
	}
	if !globalUnicast.Contains(a) {
		c.Kind = Reserved
	} else if c.Metadata {
		c.Kind = Metadata
	}
	return c
}

func kind4(a netip.Addr) string {
	for _, s := range special4 {
		if s.p.Contains(a) {
			return s.kind
		}
	}
	if metadata[a] {
		return Metadata // a metadata service in a public range (Azure's wireserver)
	}
	return ""
}
