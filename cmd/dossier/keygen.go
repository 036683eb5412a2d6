package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/pack/sign"
)

func newKeygenCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out NAME",
		Short: "Make an Ed25519 key pair to sign packs with (NAME.key, NAME.pub)",
		Long: `keygen writes NAME.key (the private key, PKCS#8 PEM, readable by you only) and
NAME.pub (the public key, PKIX PEM, for the buyer), and prints the key ID: the
first 16 hex digits of the SHA-256 of the public key. Existing files are never
overwritten. Sign with build --sign-key NAME.key; the buyer checks with
verify --pubkey NAME.pub.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return &usageError{fmt.Errorf("--out is required")}
			}
			id, err := sign.Generate(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Wrote %s.key (private: keep it secret) and %s.pub (public: give it to the buyer).\nKey ID: %s\n", out, out, id)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the key pair's file name without extension")
	return cmd
}
