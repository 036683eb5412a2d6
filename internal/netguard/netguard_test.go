package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		name, addr string
		kind       string // "" = public
		form       string
		inner      string
		metadata   bool
	}{
		{"public IPv4", "93.184.215.14", "", "", "", false},
		{"public IPv6", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "", "", "", false},
		{"this network", "0.1.2.3", Unspecified, "", "", false},
		{"unspecified IPv4", "0.0.0.0", Unspecified, "", "", false},
		{"unspecified IPv6", "::", Unspecified, "", "", false},
		{"loopback", "127.0.0.1", Loopback, "", "", false},
		{"loopback elsewhere in 127/8", "127.0.0.5", Loopback, "", "", false},
		{"loopback IPv6", "::1", Loopback, "", "", false},
		{"private 10/8", "10.1.2.3", Private, "", "", false},
		{"private 172.16/12", "172.31.255.255", Private, "", "", false},
		{"private 192.168/16", "192.168.1.1", Private, "", "", false},
		{"just outside 172.16/12", "172.32.0.1", "", "", "", false},
		{"CGNAT", "100.64.0.1", CGNAT, "", "", false},
		{"Alibaba metadata in CGNAT", "100.100.100.200", CGNAT, "", "", true},
		{"link-local", "169.254.1.1", LinkLocal, "", "", false},
		{"AWS/GCP/Azure metadata", "169.254.169.254", LinkLocal, "", "", true},
		{"ECS task metadata", "169.254.170.2", LinkLocal, "", "", true},
		{"IETF protocol assignments", "192.0.0.8", Protocol, "", "", false},
		{"Oracle metadata in 192.0.0/24", "192.0.0.192", Protocol, "", "", true},
		{"TEST-NET-1", "192.0.2.1", Documentation, "", "", false},
		{"TEST-NET-2", "198.51.100.7", Documentation, "", "", false},
		{"TEST-NET-3", "203.0.113.9", Documentation, "", "", false},
		{"benchmarking", "198.19.0.1", Benchmarking, "", "", false},
		{"6to4 relay anycast", "192.88.99.1", Reserved, "", "", false},
		{"multicast", "224.0.0.251", Multicast, "", "", false},
		{"class E", "240.0.0.1", Reserved, "", "", false},
		{"broadcast", "255.255.255.255", Reserved, "", "", false},
		{"Azure wireserver, public range", "168.63.129.16", Metadata, "", "", true},
		{"IPv6 unique local", "fd00::1", Private, "", "", false},
		{"AWS IPv6 metadata", "fd00:ec2::254", Private, "", "", true},
		{"IPv6 link-local", "fe80::1", LinkLocal, "", "", false},
		{"IPv6 link-local with zone", "fe80::1%eth0", LinkLocal, "", "", false},
		{"site-local", "fec0::1", Reserved, "", "", false},
		{"IPv6 multicast", "ff02::1", Multicast, "", "", false},
		{"discard-only", "100::1", Reserved, "", "", false},
		{"IPv6 documentation", "2001:db8::1", Documentation, "", "", false},
		{"IPv6 documentation 3fff::/20", "3fff::1", Documentation, "", "", false},
		{"IPv6 benchmarking", "2001:2::1", Benchmarking, "", "", false},
		{"ORCHID", "2001:10::1", Reserved, "", "", false},
		{"SRv6 SID", "5f00::1", Reserved, "", "", false},
		{"outside 2000::/3", "4000::1", Reserved, "", "", false},
		{"IPv4-mapped private", "::ffff:10.0.0.1", Private, Mapped, "10.0.0.1", false},
		{"IPv4-mapped loopback", "::ffff:127.0.0.1", Loopback, Mapped, "127.0.0.1", false},
		{"IPv4-mapped metadata", "::ffff:169.254.169.254", LinkLocal, Mapped, "169.254.169.254", true},
		{"IPv4-mapped public", "::ffff:93.184.215.14", "", Mapped, "93.184.215.14", false},
		{"IPv4-translated private", "::ffff:0:192.168.0.1", Private, Translated, "192.168.0.1", false},
		{"IPv4-compatible loopback", "::127.0.0.1", Loopback, Compatible, "127.0.0.1", false},
		{"IPv4-compatible metadata", "::169.254.169.254", LinkLocal, Compatible, "169.254.169.254", true},
		{"IPv4-compatible public is still not reachable", "::93.184.215.14", Reserved, Compatible, "93.184.215.14", false},
		{"NAT64 metadata", "64:ff9b::169.254.169.254", LinkLocal, NAT64, "169.254.169.254", true},
		{"NAT64 loopback", "64:ff9b::7f00:1", Loopback, NAT64, "127.0.0.1", false},
		{"NAT64 CGNAT", "64:ff9b::100.64.0.1", CGNAT, NAT64, "100.64.0.1", false},
		{"NAT64 public", "64:ff9b::93.184.215.14", "", NAT64, "93.184.215.14", false},
		{"local-use NAT64 private", "64:ff9b:1:a00:0:100::", Private, LocalNAT64, "10.0.0.1", false},
		{"local-use NAT64 public is still not reachable", "64:ff9b:1:5db8:d7:e00::", Reserved, LocalNAT64, "93.184.215.14", false},
		{"6to4 private", "2002:c0a8:101::1", Private, SixToFour, "192.168.1.1", false},
		{"6to4 metadata", "2002:a9fe:a9fe::", LinkLocal, SixToFour, "169.254.169.254", true},
		{"6to4 public", "2002:5db8:d70e::1", "", SixToFour, "93.184.215.14", false},
		// Client 10.0.0.1 obfuscated is f5ff:fffe; server 93.184.215.14.
		{"Teredo private client", "2001:0:5db8:d70e::f5ff:fffe", Private, Teredo, "10.0.0.1", false},
		{"Teredo private server", "2001:0:a9fe:a9fe::a247:28f1", LinkLocal, Teredo, "169.254.169.254", true},
		{"Teredo public both", "2001:0:5db8:d70e::a247:28f1", "", Teredo, "93.184.215.14", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Classify(netip.MustParseAddr(tt.addr))
			if c.Kind != tt.kind || c.Form != tt.form || c.Metadata != tt.metadata {
				t.Errorf("Classify(%s) = kind %q form %q metadata %v, want %q %q %v", tt.addr, c.Kind, c.Form, c.Metadata, tt.kind, tt.form, tt.metadata)
			}
			if tt.inner != "" && c.Inner != netip.MustParseAddr(tt.inner) {
				t.Errorf("Classify(%s).Inner = %s, want %s", tt.addr, c.Inner, tt.inner)
			}
		})
	}
}

func TestRefusalText(t *testing.T) {
	g := New(Config{Hosts: []string{"https://mcp.example.com/mcp"}})
	for _, tt := range []struct{ addr, want string }{
		{"10.0.0.1", "10.0.0.1 is a private address the user did not name"},
		{"169.254.169.254", "169.254.169.254 is a link-local address the user did not name (a cloud metadata endpoint)"},
		{"64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe is 169.254.169.254 in NAT64 form, a link-local address the user did not name (a cloud metadata endpoint)"},
		{"192.0.0.8", "192.0.0.8 is an IETF protocol assignment address the user did not name"},
		{"168.63.129.16", "168.63.129.16 is a cloud metadata address the user did not name"},
	} {
		if got := g.RefuseAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("RefuseAddr(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestRefuseURL keeps the probe's rule: a host the user named is reachable
// on any port, and a named loopback host opens all of loopback; Origins
// open one host:port and nothing more.
func TestRefuseURL(t *testing.T) {
	loop := []string{"http://127.0.0.1:8931/mcp"}
	public := []string{"https://mcp.example.com/mcp"}
	for _, tt := range []struct {
		name    string
		cfg     Config
		target  string
		refused bool
	}{
		{"named loopback allows loopback", Config{Hosts: loop}, "http://localhost:4000/token", false},
		{"named loopback allows another loopback port", Config{Hosts: loop}, "http://127.0.0.1:1/x", false},
		{"named loopback allows IPv4-mapped loopback", Config{Hosts: loop}, "http://[::ffff:127.0.0.1]:1/x", false},
		{"named loopback does not allow NAT64 of loopback", Config{Hosts: loop}, "http://[64:ff9b::7f00:1]/", true},
		{"named loopback does not allow IPv4-compatible loopback", Config{Hosts: loop}, "http://[::127.0.0.1]/", true},
		{"public name refuses loopback", Config{Hosts: public}, "http://127.0.0.1:8080/", true},
		{"public name refuses localhost", Config{Hosts: public}, "http://localhost:8080/", true},
		{"public name refuses sub.localhost", Config{Hosts: public}, "http://a.localhost./", true},
		{"metadata address", Config{Hosts: loop}, "http://169.254.169.254/latest", true},
		{"private address", Config{Hosts: loop}, "http://192.168.1.1/", true},
		{"CGNAT", Config{Hosts: loop}, "http://100.100.1.1/", true},
		{"unspecified", Config{Hosts: loop}, "http://0.0.0.0:8931/", true},
		{"IETF protocol assignments", Config{Hosts: loop}, "http://192.0.0.192/opc/v2/", true},
		{"IPv6 unique local", Config{Hosts: loop}, "http://[fd00::1]/", true},
		{"IPv6 metadata", Config{Hosts: loop}, "http://[fd00:ec2::254]/", true},
		{"IPv4-mapped private", Config{Hosts: loop}, "http://[::ffff:10.0.0.1]/", true},
		{"6to4 of a private address", Config{Hosts: loop}, "http://[2002:a00:1::]/", true},
		{"Teredo of a private client", Config{Hosts: loop}, "http://[2001:0:5db8:d70e::f5ff:fffe]/", true},
		{"named private host", Config{Hosts: []string{"http://10.0.0.5/mcp"}}, "http://10.0.0.5:9000/oauth", false},
		{"named private host in IPv4-mapped spelling", Config{Hosts: []string{"http://10.0.0.5/mcp"}}, "http://[::ffff:a00:5]/", false},
		{"another private host", Config{Hosts: []string{"http://10.0.0.5/mcp"}}, "http://10.0.0.6/oauth", true},
		{"public address", Config{Hosts: loop}, "http://93.184.215.14/", false},
		{"NAT64 of a public address", Config{Hosts: loop}, "http://[64:ff9b::5db8:d70e]/", false},
		{"origin allows its own port", Config{Origins: loop}, "http://127.0.0.1:8931/other", false},
		{"origin allows nothing else on loopback", Config{Origins: loop}, "http://127.0.0.1:8932/", true},
		{"origin with default port", Config{Origins: []string{"http://10.0.0.5/"}}, "http://10.0.0.5:80/x", false},
		{"origin's host on another port", Config{Origins: []string{"http://10.0.0.5/"}}, "https://10.0.0.5/x", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			why := New(tt.cfg).RefuseURL(t.Context(), u)
			if (why != "") != tt.refused {
				t.Errorf("RefuseURL(%s) = %q, want refused %v", tt.target, why, tt.refused)
			}
		})
	}
}

// fakeResolver answers every name from a table; a name not in it does
// not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no such host %q", host)
	}
	return out, nil
}

// TestDialContext checks the dial itself: a name is resolved once, every
// address is checked, and the connection goes to a checked address, so a
// name cannot slip through to a refused address.
func TestDialContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	res := fakeResolver{
		"metadata.test": {"169.254.169.254"},
		"nat64.test":    {"64:ff9b::a9fe:a9fe"},
		"mixed.test":    {"93.184.215.14", "127.0.0.1"},
		"loop.test":     {"127.0.0.1"},
	}
	tests := []struct {
		name    string
		cfg     Config
		addr    string
		refused string // a substring of the refusal, "" = connects
	}{
		{"a public server's probe may not reach loopback", Config{Hosts: []string{"https://mcp.example.com/mcp"}}, "127.0.0.1:" + port, "127.0.0.1 is a loopback address"},
		{"nor by the name localhost", Config{Hosts: []string{"https://mcp.example.com/mcp"}}, "localhost:" + port, "loopback address the user did not name"},
		{"nor by a name that resolves to it", Config{Hosts: []string{"https://mcp.example.com/mcp"}}, "loop.test:" + port, "loopback address"},
		{"a name resolving to metadata", Config{Hosts: []string{"http://127.0.0.1:9/mcp"}}, "metadata.test:80", "169.254.169.254 is a link-local address"},
		{"a name resolving to NAT64 metadata", Config{Hosts: []string{"http://127.0.0.1:9/mcp"}}, "nat64.test:80", "in NAT64 form"},
		{"one refused address refuses the name", Config{Hosts: []string{"https://mcp.example.com/mcp"}}, "mixed.test:" + port, "127.0.0.1 is a loopback address"},
		{"a named loopback server allows loopback", Config{Hosts: []string{"http://127.0.0.1:9/mcp"}}, "127.0.0.1:" + port, ""},
		{"and a name that resolves to loopback", Config{Hosts: []string{"http://127.0.0.1:9/mcp"}}, "loop.test:" + port, ""},
		{"a named host is dialled whatever it resolves to", Config{Hosts: []string{"http://localhost:9/mcp"}}, "localhost:" + port, ""},
		{"a named origin is dialled", Config{Origins: []string{srv.URL}}, "127.0.0.1:" + port, ""},
		{"a named origin opens no other port", Config{Origins: []string{"http://127.0.0.1:9"}}, "127.0.0.1:" + port, "loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Resolver = res
			conn, err := New(tt.cfg).DialContext(t.Context(), "tcp", tt.addr)
			if conn != nil {
				conn.Close()
			}
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("dial %s: %v", tt.addr, err)
				}
				return
			}
			if !IsRefused(err) || !strings.Contains(err.Error(), tt.refused) {
				t.Errorf("dial %s: err = %v, want a refusal containing %q", tt.addr, err, tt.refused)
			}
		})
	}
}

// TestDialResolvesOnce shows the rebinding gap closed: the resolver
// answers a public address first and loopback after, and the guard keeps
// to what it checked.
func TestDialResolvesOnce(t *testing.T) {
	r := &flipResolver{answers: [][]string{{"93.184.215.14"}, {"127.0.0.1"}}}
	g := New(Config{Hosts: []string{"https://mcp.example.com/mcp"}, Resolver: r, DialTimeout: time.Second})
	u, _ := url.Parse("http://rebind.test/")
	if why := g.RefuseURL(t.Context(), u); why != "" {
		t.Fatalf("first answer is public, yet refused: %s", why)
	}
	conn, err := g.DialContext(t.Context(), "tcp", "rebind.test:1")
	if conn != nil {
		conn.Close()
	}
	if IsRefused(err) {
		t.Fatalf("the dial asked again and saw loopback: %v", err)
	}
	if r.calls != 1 {
		t.Errorf("resolver called %d times, want 1", r.calls)
	}
}

type flipResolver struct {
	answers [][]string
	calls   int
}

func (f *flipResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	a := f.answers[min(f.calls, len(f.answers)-1)]
	f.calls++
	var out []netip.Addr
	for _, s := range a {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}
