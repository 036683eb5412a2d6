package chrome

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/dossier-dev/dossier/internal/netguard"
)

// Refusal is a request of the browser's that the guard did not let out.
type Refusal struct {
	// Request is "GET http://169.254.169.254/latest" for plain HTTP, or
	// "CONNECT 10.0.0.1:443" for HTTPS and WebSockets, whose URL the
	// proxy never sees.
	Request string
	// Reason is the guard's, such as "169.254.169.254 is a link-local
	// address the user did not name (a cloud metadata endpoint)".
	Reason string
	// Count is how many times the same request was refused.
	Count int
}

// Bounds on what a page can make the proxy keep.
const (
	maxRefusals   = 500  // distinct refusals; the rest are counted in a last entry
	maxRequestLen = 1024 // bytes of a refused request line kept
)

// proxy is the browser's only way out: an HTTP proxy on loopback (plain
// requests forwarded, CONNECT tunnelled) that dials through the guard, so
// a page reaches only the public internet and the origins the user or the
// harness named, whatever its CSP allows.
type proxy struct {
	guard   *netguard.Guard
	ln      net.Listener
	srv     *http.Server
	forward *httputil.ReverseProxy

	mu       sync.Mutex
	tunnels  map[net.Conn]bool
	refused  []Refusal
	index    map[[2]string]int
	overflow int
	targets  map[string]string // what was refused (an http:// URL, or host:port) → why
}

func startProxy(g *netguard.Guard) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback for the browser's proxy: %w", err)
	}
	p := &proxy{guard: g, ln: ln, tunnels: map[net.Conn]bool{}, index: map[[2]string]int{}, targets: map[string]string{}}
	// A page's broken requests are its own business, not dossier's stderr.
	quiet := log.New(io.Discard, "", 0)
	t := &http.Transport{
		DialContext:         g.DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		// The page's own Accept-Encoding goes through; the proxy never
		// decodes.
		DisableCompression: true,
	}
	p.forward = &httputil.ReverseProxy{
		// The request is already absolute (GET http://host/path); Out is
		// In without its hop-by-hop headers, and no X-Forwarded-*.
		Rewrite:      func(*httputil.ProxyRequest) {},
		Transport:    t,
		ErrorHandler: p.failed,
		ErrorLog:     quiet,
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quiet}
	go p.srv.Serve(ln)
	return p, nil
}

// url is the proxy's address for --proxy-server.
func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		http.Error(w, "this is a forward proxy: requests must name an http:// URL", http.StatusBadRequest)
		return
	}
	p.forward.ServeHTTP(w, r)
}

// failed answers a request the forwarder could not complete.
func (p *proxy) failed(w http.ResponseWriter, r *http.Request, err error) {
	var ref *netguard.Refused
	if errors.As(err, &ref) {
		p.refuse(w, r.Method, r.URL.String(), ref.Reason)
		return
	}
	http.Error(w, "dossier's proxy could not reach "+r.URL.Host, http.StatusBadGateway)
}

// refuse records a refusal and answers 403. The page sees a failed
// request, as it would on a network that drops the address.
func (p *proxy) refuse(w http.ResponseWriter, method, target, reason string) {
	p.record(method, target, reason)
	w.Header().Set("X-Dossier-Refused", "1")
	http.Error(w, "dossier refused this request: "+reason, http.StatusForbidden)
}

// tunnel serves CONNECT: it dials through the guard, and on success
// splices the two connections until either end closes or the proxy does.
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := p.guard.DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		var ref *netguard.Refused
		if errors.As(err, &ref) {
			p.refuse(w, "CONNECT", r.Host, ref.Reason)
			return
		}
		http.Error(w, "dossier's proxy could not reach "+r.Host, http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "tunnelling is not supported on this connection", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !p.track(up, down) {
		up.Close()
		down.Close()
		return
	}
	defer p.untrack(up, down)
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the browser sent after CONNECT and before our answer.
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			up.Write(b)
		}
		io.Copy(up, down)
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() {
		io.Copy(down, up)
		closeWrite(down)
		done <- struct{}{}
	}()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// track registers a tunnel's connections so close can end them; it
// returns false once the proxy is closing.
func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tunnels == nil {
		return false
	}
	for _, c := range cs {
		p.tunnels[c] = true
	}
	return true
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.tunnels, c)
	}
}

func (p *proxy) record(method, target, reason string) {
	request := method + " " + target
	if len(request) > maxRequestLen {
		request = request[:maxRequestLen] + "…"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.targets) < 4*maxRefusals {
		p.targets[target] = reason
	}
	k := [2]string{request, reason}
	if i, ok := p.index[k]; ok {
		p.refused[i].Count++
		return
	}
	if len(p.refused) >= maxRefusals {
		p.overflow++
		return
	}
	p.index[k] = len(p.refused)
	p.refused = append(p.refused, Refusal{Request: request, Reason: reason, Count: 1})
}

// refusedWhy says why the guard refused a request for URL u: the URL
// itself for plain HTTP, its host and port for a tunnel.
func (p *proxy) refusedWhy(u string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if why, ok := p.targets[u]; ok {
		return why, true
	}
	// Chrome tunnels HTTPS and WebSockets (ws: too) with CONNECT.
	pu, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	port := pu.Port()
	switch {
	case port != "":
	case pu.Scheme == "https" || pu.Scheme == "wss":
		port = "443"
	case pu.Scheme == "ws":
		port = "80"
	default:
		return "", false
	}
	why, ok := p.targets[net.JoinHostPort(pu.Hostname(), port)]
	return why, ok
}

// list returns the refusals in the order first seen.
func (p *proxy) list() []Refusal {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]Refusal(nil), p.refused...)
	if p.overflow > 0 {
		out = append(out, Refusal{Request: "(other requests)", Count: p.overflow,
			Reason: fmt.Sprintf("more than %d distinct requests were refused; the rest are counted here", maxRefusals)})
	}
	return out
}

// close stops the proxy and ends every tunnel.
func (p *proxy) close() {
	p.srv.Close()
	p.mu.Lock()
	for c := range p.tunnels {
		c.Close()
	}
	p.tunnels = nil
	p.mu.Unlock()
	if t, ok := p.forward.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}
