package evidence

import (
	"net/url"
	"strings"
	"testing"

	"github.com/dossier-dev/dossier/pack/live"
)

func TestBuildPolicy(t *testing.T) {
	self := &url.URL{Scheme: "http", Host: "127.0.0.1:9000"}
	tests := []struct {
		name string
		csp  *live.CSP
		want string
		drop []string
	}{
		{
			name: "none declared: host default",
			want: "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'none'; img-src 'self' data:; font-src 'self'; media-src 'self' data:; frame-src 'none'; object-src 'none'; base-uri 'self'; report-uri R",
		},
		{
			name: "declared lists map onto directives",
			csp:  &live.CSP{Connect: []string{"https://api.example.com"}, Resource: []string{"https://cdn.example.com"}, Frame: []string{"https://embed.example.com"}, BaseURI: []string{"https://example.com"}, Redirect: []string{"https://checkout.example.com"}},
			want: "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.example.com; style-src 'self' 'unsafe-inline' https://cdn.example.com; connect-src 'self' https://api.example.com; img-src 'self' data: https://cdn.example.com; font-src 'self' https://cdn.example.com; media-src 'self' data: https://cdn.example.com; frame-src https://embed.example.com; object-src 'none'; base-uri https://example.com; report-uri R",
		},
		{
			name: "entries that would inject directives are dropped",
			csp:  &live.CSP{Connect: []string{"https://ok.example.com", "https://x.com; script-src *", "'unsafe-eval'", "a\nb"}},
			want: "connect-src 'self' https://ok.example.com;",
			drop: []string{"https://x.com; script-src *", "'unsafe-eval'", "a\nb"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := buildPolicy(tc.csp, self, "R")
			if !strings.Contains(p.header, tc.want) {
				t.Errorf("header\n%s\nwant it to contain\n%s", p.header, tc.want)
			}
			if strings.Join(p.dropped, "|") != strings.Join(tc.drop, "|") {
				t.Errorf("dropped %q, want %q", p.dropped, tc.drop)
			}
			if strings.Contains(p.header, "report-to") {
				t.Errorf("report-to silences report-uri in Chrome: %s", p.header)
			}
		})
	}
}

func TestSourceMatches(t *testing.T) {
	tests := []struct {
		expr, url string
		want      bool
	}{
		{"*", "https://any.example.com/x", true},
		{"https:", "https://any.example.com/x", true},
		{"https:", "http://any.example.com/x", false},
		{"https://api.example.com", "https://api.example.com/v1", true},
		{"https://api.example.com", "https://api.example.com:8443/v1", false},
		{"https://api.example.com", "http://api.example.com/v1", false},
		{"http://api.example.com", "https://api.example.com/v1", true},
		{"api.example.com", "https://api.example.com/v1", true},
		{"https://*.example.com", "https://a.b.example.com/", true},
		{"https://*.example.com", "https://example.com/", false},
		{"https://api.example.com", "wss://api.example.com/socket", true},
		{"http://127.0.0.1:5000", "http://127.0.0.1:5000/ack", true},
		{"http://127.0.0.1:5000", "http://127.0.0.1:5001/ack", false},
		{"http://127.0.0.1:*", "http://127.0.0.1:5001/ack", true},
		{"https://api.example.com/v1/", "https://api.example.com/v1/orders", true},
		{"https://api.example.com/v1/", "https://api.example.com/v2/orders", false},
		{"https://api.example.com/v1", "https://api.example.com/v1", true},
	}
	for _, tc := range tests {
		t.Run(tc.expr+" "+tc.url, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := sourceMatches(tc.expr, u, "http"); got != tc.want {
				t.Errorf("got %t, want %t", got, tc.want)
			}
		})
	}
}

func TestInjectScripts(t *testing.T) {
	block := "<script>\n1\n2\n</script>" // three newlines
	tests := []struct {
		name, html, want string
		line, mapped     int
	}{
		{"after head", "<!doctype html>\n<html>\n<head>\n<title>x</title>", "<head>" + block + "\n<title>", 7, 4},
		{"after html", "<html lang=en><body>", "<html lang=en>" + block + "<body>", 4, 1},
		{"after doctype", "<!DOCTYPE html>\n<p>x", "<!DOCTYPE html>" + block + "\n<p>", 5, 2},
		{"first", "<p>x</p>", block + "<p>x</p>", 4, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, lineOf := injectScripts(tc.html, block)
			if !strings.Contains(string(doc), tc.want) {
				t.Errorf("got %q, want it to contain %q", doc, tc.want)
			}
			if got := lineOf(tc.line); got != tc.mapped {
				t.Errorf("line %d maps to %d, want %d", tc.line, got, tc.mapped)
			}
		})
	}
}
