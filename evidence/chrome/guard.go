package chrome

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dossier-dev/dossier/internal/netguard"
)

// profilePrefix begins the name of every profile directory dossier makes.
const profilePrefix = "dossier-chrome-"

// Options tune a launch. The zero value works: the browser then reaches
// the public internet only.
type Options struct {
	// Allow are URLs whose origins (host and port) the browser may reach
	// although they are loopback, private or otherwise special addresses:
	// the MCP server's, which the user named. A page reaches no other
	// such address, whatever its CSP allows; the evidence harness adds
	// its own origins with Browser.Allow once it listens.
	Allow []string
	// Resolver resolves the names pages ask for; nil is the system's.
	// Tests pass their own.
	Resolver netguard.Resolver
	// Tabs is how many pages will run at once. Start opens the tabs
	// beyond the first in the background, so that they are ready when
	// the second page starts instead of being opened then (opening a tab
	// starts a renderer: it costs more than a page). 0 or 1: none.
	Tabs int
}

// Allow lets the browser reach more origins (URLs; their host and port),
// as Options.Allow does.
func (b *Browser) Allow(origins ...string) { b.proxy.guard.Allow(origins...) }

// Refused returns the requests the guard kept the browser from making,
// in the order first seen, for every page so far. Each capture record can
// show them: HTTP requests by URL, HTTPS and WebSocket ones by host and
// port only (the proxy sees no more of them).
func (b *Browser) Refused() []Refusal { return b.proxy.list() }

// failure is the "network: " line of a request of a page that failed
// (what is "answered 403" or "failed: net::ERR_…"): the guard's reason
// when it was the guard's proxy that refused it, so that a refusal is
// never told as the server's answer.
func (b *Browser) failure(u, what string) string {
	if why, ok := b.proxy.refusedWhy(u); ok {
		return "network: " + u + " was refused by dossier's network guard: " + why
	}
	return "network: " + u + " " + what
}

// Sandboxed reports whether the browser runs with Chrome's sandbox, and
// why or why not ("running as root: …").
func (b *Browser) Sandboxed() (bool, string) { return b.sandboxed, b.sandboxWhy }

// preferences hold WebRTC to the proxy in chromium: a page's peer
// connection may not send UDP (STUN, TURN, media) straight to an address
// the guard would refuse. Chromium reads it from the profile and ignores
// the --force-webrtc-ip-handling-policy switch; the headless shell reads
// the switch and ignores the profile (TestGuardedBrowser tries both), so
// the browser gets both.
const preferences = `{"webrtc":{"ip_handling_policy":"disable_non_proxied_udp","multiple_routes_enabled":false,"nonproxied_udp_enabled":false}}`

// writePreferences gives the fresh profile in dir its preferences.
func writePreferences(dir string) error {
	def := filepath.Join(dir, "Default")
	if err := os.Mkdir(def, 0o700); err != nil {
		return fmt.Errorf("writing chrome preferences: %w", err)
	}
	if err := os.WriteFile(filepath.Join(def, "Preferences"), []byte(preferences), 0o600); err != nil {
		return fmt.Errorf("writing chrome preferences: %w", err)
	}
	return nil
}
