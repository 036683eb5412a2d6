package app

import (
	"embed"
	"net/http"
	"strings"
)

//go:embed pages/*.html
var pageFiles embed.FS

const pageStyle = `body{margin:0;background:#f4f5f7;color:#1d2330;font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:760px;margin:32px auto;background:#fff;border-radius:12px;padding:32px 40px;box-shadow:0 2px 12px rgba(0,0,0,.06)}
h1{margin:0 0 4px}h2{margin-top:28px;font-size:18px}.brand{color:#2f5bea;font-weight:700;margin:0}.muted{color:#5d6573}
table{border-collapse:collapse}td,th{text-align:left;padding:6px 16px 6px 0;border-bottom:1px solid #e3e6eb}a{color:#2f5bea}`

// pages serves the listing pages the manifest links to.
func (s *Server) pages(mux *http.ServeMux) {
	for _, name := range []string{"privacy", "terms", "support"} {
		if name == "privacy" && s.flaw == flawNoPrivacyPolicy {
			continue
		}
		b, _ := pageFiles.ReadFile("pages/" + name + ".html") // embedded, so present
		page := strings.Replace(string(b), "/*PAGE_STYLE*/", pageStyle, 1)
		mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
			w.Write([]byte(page))
		})
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/support", http.StatusFound)
	})
}
