package chrome

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/internal/netguard"
)

// TestProxy drives the proxy with Go's client, as Chrome uses it: plain
// requests forwarded, HTTPS tunnelled with CONNECT, to the named origins
// only; the rest refused with 403 and recorded once with a count.
func TestProxy(t *testing.T) {
	named := serve(t, "127.0.0.1:0", "named")
	other := serve(t, "127.0.0.2:0", "other")
	tlsNamed := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "tls named") }))
	defer tlsNamed.Close()
	tlsOther := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "tls other") }))
	tlsOther.StartTLS()
	defer tlsOther.Close()

	p, err := startProxy(netguard.New(netguard.Config{Origins: []string{named.URL, tlsNamed.URL}}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	pu, _ := url.Parse(p.url())
	tr := tlsNamed.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(pu)
	tr.TLSClientConfig.RootCAs.AddCert(tlsOther.Certificate())
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	for _, tt := range []struct {
		name   string
		url    string
		status int
		body   string
	}{
		{"named origin over HTTP", named.URL + "/a", 200, "named"},
		{"named origin over HTTPS (CONNECT)", tlsNamed.URL + "/b", 200, "tls named"},
		{"other loopback address", other.URL + "/c", 403, "127.0.0.2 is a loopback address the user did not name"},
		{"same one again", other.URL + "/c", 403, "loopback"},
		{"metadata", "http://169.254.169.254/latest/meta-data/", 403, "cloud metadata endpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.body) {
				t.Errorf("GET %s: %d %q, want %d with %q", tt.url, resp.StatusCode, b, tt.status, tt.body)
			}
		})
	}
	t.Run("other loopback over HTTPS", func(t *testing.T) {
		if _, err := client.Get(tlsOther.URL); err == nil || !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("CONNECT to an unnamed origin: err = %v, want the proxy's 403", err)
		}
	})
	t.Run("a direct request to the proxy", func(t *testing.T) {
		resp, err := http.Get(p.url() + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})

	if got := other.seen(); len(got) > 0 {
		t.Errorf("the unnamed server was reached: %q", got)
	}
	want := []Refusal{
		{"GET " + other.URL + "/c", "127.0.0.2 is a loopback address the user did not name", 2},
		{"GET http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address the user did not name (a cloud metadata endpoint)", 1},
		{"CONNECT " + strings.TrimPrefix(tlsOther.URL, "https://"), "127.0.0.1 is a loopback address the user did not name", 1},
	}
	if got := p.list(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("refused:\n%+v\nwant\n%+v", got, want)
	}
	for _, tt := range []struct {
		url     string
		refused bool
	}{
		{other.URL + "/c", true},
		{other.URL + "/never-asked", false},
		{tlsOther.URL + "/any/path", true},
		{strings.Replace(tlsOther.URL, "https:", "wss:", 1) + "/socket", true},
		{named.URL + "/a", false},
	} {
		if _, ok := p.refusedWhy(tt.url); ok != tt.refused {
			t.Errorf("refusedWhy(%s) = %v, want %v", tt.url, ok, tt.refused)
		}
	}
}

// TestRefusalBound: a page that makes endless distinct refused requests
// costs a bounded list, and the excess is counted, not lost.
func TestRefusalBound(t *testing.T) {
	p := &proxy{index: map[[2]string]int{}, targets: map[string]string{}}
	for i := range maxRefusals + 7 {
		p.record("GET", fmt.Sprintf("http://10.0.0.1/%d", i), "private")
	}
	p.record("GET", "http://10.0.0.1/0", "private")
	p.record("GET", "http://10.0.0.1/"+strings.Repeat("x", 5000), "private")
	got := p.list()
	if len(got) != maxRefusals+1 || got[0].Count != 2 || got[maxRefusals].Count != 8 {
		t.Errorf("%d entries, first count %d, last %+v", len(got), got[0].Count, got[len(got)-1])
	}
}

// BenchmarkProxyHop is the cost the proxy adds to one request of a page
// (keep-alive on both sides, as Chrome uses it): compare direct with
// proxied.
func BenchmarkProxyHop(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	p, err := startProxy(netguard.New(netguard.Config{Origins: []string{srv.URL}}))
	if err != nil {
		b.Fatal(err)
	}
	defer p.close()
	pu, _ := url.Parse(p.url())
	for _, bb := range []struct {
		name  string
		proxy func(*http.Request) (*url.URL, error)
	}{{"direct", nil}, {"proxied", http.ProxyURL(pu)}} {
		b.Run(bb.name, func(b *testing.B) {
			tr := &http.Transport{Proxy: bb.proxy}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			for b.Loop() {
				resp, err := c.Get(srv.URL + "/x")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
