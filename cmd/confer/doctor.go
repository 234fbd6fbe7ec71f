package main

import (
	"cmp"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/doctor"
	"github.com/confer-video/confer/internal/server"
)

func doctorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a running server from here: HTTP(S), its certificate, and each media path (UDP, ICE-TCP, TURN over UDP/TCP/TLS)",
		Long: `doctor checks a deployment from where it runs (run it outside the server's network, e.g. on a laptop):
/healthz and /readyz, the HTTPS certificate, then each media path for real through the node's media probe
(operator token): ICE and DTLS with the SFU over that path only, and a data channel message there and back.
It exits 0 when HTTP works and at least one media path does; missing fallbacks are reported. See docs/network.md.`,
		Args: cobra.NoArgs,
		RunE: runDoctor,
	}
	remoteFlags(cmd)
	cmd.Flags().String("ca", "", "PEM file of the CA that signed the server's certificate (a private CA); default the system's roots")
	cmd.Flags().Bool("json", false, "print the report as JSON")
	cmd.Flags().Duration("timeout", 0, "time allowed to each media path (default 10s)")
	return cmd
}

func runDoctor(cmd *cobra.Command, _ []string) error {
	srv, _ := cmd.Flags().GetString("server")
	timeout, _ := cmd.Flags().GetDuration("timeout")
	cfg := doctor.Config{Server: srv, Token: doctorToken(cmd), PathTimeout: timeout}
	if ca, _ := cmd.Flags().GetString("ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return fmt.Errorf("--ca: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca %s: no PEM certificate in it", ca)
		}
	}
	report, err := doctor.Run(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
		err = report.WriteJSON(cmd.OutOrStdout())
	} else {
		err = report.WriteText(cmd.OutOrStdout())
	}
	if err != nil {
		return err
	}
	if !report.OK {
		return &exitError{code: 1, msg: report.Summary}
	}
	return nil
}

// doctorToken is the operator token: --token, else CONFER_ADMIN_TOKEN or
// CONFER_TOKEN, else <data>/admin-token; "" when none (the media paths are
// then not checked).
func doctorToken(cmd *cobra.Command) string {
	tok, _ := cmd.Flags().GetString("token")
	if tok = cmp.Or(tok, os.Getenv("CONFER_ADMIN_TOKEN"), os.Getenv("CONFER_TOKEN")); tok != "" {
		return tok
	}
	data, _ := cmd.Flags().GetString("data")
	b, _ := os.ReadFile(filepath.Join(data, server.AdminTokenFile))
	return strings.TrimSpace(string(b))
}
