package chrome

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// hits is a loopback server that records what reached it.
type hits struct {
	*httptest.Server
	mu  sync.Mutex
	got []string
}

// serve listens on addr ("127.0.0.2:0") and answers every request with
// page, recording its path.
func serve(t *testing.T, addr, page string) *hits {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &hits{}
	h.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.got = append(h.got, r.URL.RequestURI())
		h.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write([]byte(page))
	})}}
	h.Start()
	t.Cleanup(h.Close)
	return h
}

func (h *hits) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

func (h *hits) port() string {
	_, p, _ := net.SplitHostPort(h.Listener.Addr().String())
	return p
}

type tableResolver map[string]string

func (r tableResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, fmt.Errorf("no such host %q", host)
}

// TestGuardedBrowser loads a widget-like page from the one loopback origin
// the user named. Its fetches to other loopback addresses and ports (which
// listen, and would answer), to a name that resolves to one, and to
// metadata addresses, over HTTP, HTTPS, WebSocket and as an image, are
// refused by the proxy and recorded; its own origin works. Without
// --proxy-bypass-list=<-loopback> Chrome would go straight to the
// loopback servers and they would see the requests.
func TestGuardedBrowser(t *testing.T) {
	for _, path := range browsers(t) {
		t.Run(filepath.Base(path), func(t *testing.T) { testGuardedBrowser(t, path) })
	}
}

func testGuardedBrowser(t *testing.T, path string) {
	secret := serve(t, "127.0.0.2:0", "secret")   // another loopback address
	internal := serve(t, "127.0.0.3:0", "secret") // what internal.test resolves to
	sidePort := serve(t, "127.0.0.1:0", "secret") // the named address, another port
	udp, err := net.ListenPacket("udp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	_, udpPort, _ := net.SplitHostPort(udp.LocalAddr().String())

	targets := []string{
		"http://127.0.0.2:" + secret.port() + "/fetch",
		"http://" + sidePort.Listener.Addr().String() + "/other-port",
		"http://internal.test:" + internal.port() + "/by-name",
		"http://169.254.169.254/latest/meta-data/",
		"http://metadata.test/computeMetadata/v1/",
		"http://[64:ff9b::a9fe:a9fe]/nat64",
		"http://[::ffff:127.0.0.2]:" + secret.port() + "/mapped",
	}
	var js strings.Builder
	for _, u := range targets {
		fmt.Fprintf(&js, "tries.push(fetch(%q).catch(function () {}));\n", u)
	}
	page := `<!doctype html><img src="http://127.0.0.2:` + secret.port() + `/img"><script>
var tries = [];
` + js.String() + `
tries.push(fetch("https://127.0.0.2:` + secret.port() + `/tls").catch(function () {}));
tries.push(new Promise(function (done) {
  var ws = new WebSocket("ws://127.0.0.2:` + secret.port() + `/ws");
  ws.onerror = ws.onclose = ws.onopen = function () { done(); };
}));
tries.push(new Promise(function (done) {
  var pc = new RTCPeerConnection({iceServers: [{urls: "stun:127.0.0.2:` + udpPort + `"}]});
  pc.createDataChannel("x");
  pc.onicegatheringstatechange = function () { if (pc.iceGatheringState === "complete") done(); };
  pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });
  setTimeout(done, 1500);
}));
tries.push(fetch("/own").then(function (r) { return r.text(); }).then(function (t) { window.own = t; }));
Promise.allSettled(tries).then(function () { window.done = true; });
</script>`
	named := serve(t, "127.0.0.1:0", page)

	b := startAt(t, path, Options{
		Allow:    []string{named.URL},
		Resolver: tableResolver{"internal.test": "127.0.0.3", "metadata.test": "169.254.169.254"},
	})
	defer b.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, console, err := b.Shoot(ctx, named.URL+"/", `window.done === true && window.own === `+"`"+page+"`")
	if err != nil {
		t.Fatalf("the named origin's page did not load and fetch its own origin: %v", err)
	}
	// The page's own record of its failed loads names the guard, not a
	// server's 403 or a bare tunnel error.
	for _, u := range []string{"http://127.0.0.2:" + secret.port() + "/img", "https://127.0.0.2:" + secret.port() + "/tls"} {
		want := "network: " + u + " was refused by dossier's network guard: 127.0.0.2 is a loopback address"
		if !slices.ContainsFunc(console, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("console lacks %q:\n%s", want, strings.Join(console, "\n"))
		}
	}

	for _, s := range []*hits{secret, internal, sidePort} {
		if got := s.seen(); len(got) > 0 {
			t.Errorf("a loopback server the user did not name was reached: %q", got)
		}
	}
	udp.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, from, err := udp.ReadFrom(make([]byte, 1500)); err == nil {
		t.Errorf("WebRTC sent UDP around the proxy (from %s)", from)
	}
	if got := named.seen(); len(got) < 2 {
		t.Errorf("the named origin saw %q, want the page and /own", got)
	}

	refused := map[string]string{}
	for _, r := range b.Refused() {
		refused[r.Request] = r.Reason
	}
	for _, tt := range []struct{ request, reason string }{
		{"GET " + targets[0], "127.0.0.2 is a loopback address the user did not name"},
		{"GET " + targets[1], "127.0.0.1 is a loopback address the user did not name"},
		{"GET " + targets[2], "127.0.0.3 is a loopback address"},
		{"GET " + targets[3], "169.254.169.254 is a link-local address the user did not name (a cloud metadata endpoint)"},
		{"GET " + targets[4], "169.254.169.254 is a link-local address"},
		{"GET " + targets[5], "169.254.169.254 in NAT64 form"},
		{"GET http://127.0.0.2:" + secret.port() + "/img", "loopback"},
		{"CONNECT 127.0.0.2:" + secret.port(), "loopback"},
	} {
		if why, ok := refused[tt.request]; !ok || !strings.Contains(why, tt.reason) {
			t.Errorf("refusal of %q = %q (recorded: %v), want it saying %q", tt.request, why, ok, tt.reason)
		}
	}
	if t.Failed() {
		t.Logf("refused: %+v", b.Refused())
	}
}
