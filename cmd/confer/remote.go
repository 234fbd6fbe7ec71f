package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/server"
)

// remoteFlags adds the flags of commands that call a server's REST API.
func remoteFlags(cmd *cobra.Command) {
	cmd.PersistentFlags().String("server", envOr("CONFER_SERVER", "http://127.0.0.1:8080"), "server URL (env CONFER_SERVER)")
	cmd.PersistentFlags().String("token", "", "API token: a personal one (cfr_…, made in the console) or the admin token (env CONFER_TOKEN)")
	cmd.PersistentFlags().String("data", "./confer-data", "data directory whose admin-token is used when no token is given")
}

// apiClient builds a client from --server and a token: --token, else the
// CONFER_TOKEN or CONFER_ADMIN_TOKEN variable, else the server's
// <data>/admin-token file.
func apiClient(cmd *cobra.Command) (*client.Client, error) {
	srv, _ := cmd.Flags().GetString("server")
	tok, _ := cmd.Flags().GetString("token")
	tok = cmp.Or(tok, os.Getenv("CONFER_TOKEN"), os.Getenv("CONFER_ADMIN_TOKEN"))
	if tok == "" {
		data, _ := cmd.Flags().GetString("data")
		b, err := os.ReadFile(filepath.Join(data, server.AdminTokenFile))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no API token: pass --token (or CONFER_TOKEN), or point --data at the server's data directory")
			}
			return nil, err
		}
		tok = strings.TrimSpace(string(b))
	}
	return &client.Client{BaseURL: srv, Token: tok}, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
