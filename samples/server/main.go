// Command server runs the Orderly sample app on its own, for the demo and
// for poking at it by hand:
//
//	go run ./samples/server [-addr 127.0.0.1:8931] [-flaw NAME] [-tokens]
//
// It prints the MCP URL and the issuer, and with -tokens three test access
// tokens as shell exports for the manifest's probe.tokens, then serves until
// interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/samples/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orderly:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orderly", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", strings.TrimPrefix(app.CanonicalOrigin, "http://"), "listen address")
	var names []string
	for _, f := range app.Flaws() {
		names = append(names, f.Name)
	}
	flaw := fs.String("flaw", "", "plant one flaw: "+strings.Join(names, ", "))
	var variants []string
	for _, v := range app.Variants() {
		variants = append(variants, v.Name)
	}
	variant := fs.String("variant", "", "change the contract without a defect (for dossier diff and verify --live): "+strings.Join(variants, ", "))
	tokens := fs.Bool("tokens", false, "print a test access token for each probe.tokens entry of the sample manifest, as shell exports")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := app.Start(ctx, app.Options{Addr: *addr, Flaw: *flaw, Variant: *variant})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "MCP URL: %s\nIssuer:  %s\n", s.URL, s.Issuer)
	if *flaw != "" {
		for _, f := range app.Flaws() {
			if f.Name == *flaw {
				fmt.Fprintf(stderr, "planted flaw %s (fails %s): %s\n", f.Name, f.Check, f.Description)
			}
		}
	}
	if *tokens {
		// One export per probe.tokens entry of the shipped manifest, so the
		// two cannot drift apart.
		m, err := manifest.Parse("samples/orderly/manifest.yaml", app.Manifest())
		if err != nil {
			return err
		}
		for _, ts := range m.Probe.Tokens {
			tok, err := s.TokenFor(ts)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "export %s=%s\n", ts.Env, tok)
		}
	}
	fmt.Fprintln(stderr, "serving; press Ctrl-C to stop")
	<-ctx.Done()
	return nil
}
