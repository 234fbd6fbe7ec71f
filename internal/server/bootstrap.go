package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Files Confer keeps in its data directory, each mode 0600.
const (
	AdminTokenFile = "admin-token"
	DemoKeyFile    = "demo-private-key.pem"
)

// Settings that remember the demo tenant.
const (
	settingDemoTenant = "demo.tenant"
	settingDemoKID    = "demo.kid"
)

// Demo is the tenant created on a deployment's first start, so a new user
// can mint a token and meet right away.
type Demo struct {
	Tenant  tenant.ID
	KID     string
	KeyFile string
}

// adminToken returns the configured operator token or the one kept in the
// data directory, creating it on the first start.
func (s *Server) adminToken() (string, error) {
	if s.cfg.AdminToken != "" {
		return s.cfg.AdminToken, nil
	}
	path := filepath.Join(s.cfg.Data, AdminTokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("server: read admin token: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	tok := "confer_admin_" + hex.EncodeToString(raw)
	if err := writeSecret(path, []byte(tok+"\n")); err != nil {
		return "", err
	}
	return tok, nil
}

// ensureDemo creates the demo tenant and its key pair when the deployment has
// no tenant yet, and finds it again on later starts.
func (s *Server) ensureDemo(ctx context.Context) (*Demo, error) {
	keyFile := filepath.Join(s.cfg.Data, DemoKeyFile)
	if id, err := s.store.Setting(ctx, settingDemoTenant); err == nil {
		kid, _ := s.store.Setting(ctx, settingDemoKID)
		if _, err := s.tenants.Get(ctx, tenant.ID(id)); err != nil {
			return nil, nil // the operator removed it
		}
		return &Demo{Tenant: tenant.ID(id), KID: kid, KeyFile: keyFile}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	existing, err := s.tenants.List(ctx, "", 1)
	if err != nil || len(existing) > 0 {
		return nil, err
	}
	fmt.Fprintln(s.deps.Out, "First start: creating a demo tenant and generating its RSA key pair…")
	t, k, priv, err := s.tenants.CreateWithKey(ctx, tenant.CreateParams{Name: "Demo"})
	if err != nil {
		return nil, fmt.Errorf("server: create demo tenant: %w", err)
	}
	if err := writeSecret(keyFile, priv); err != nil {
		return nil, err
	}
	if err := s.store.SetSetting(ctx, settingDemoKID, k.KID()); err != nil {
		return nil, err
	}
	if err := s.store.SetSetting(ctx, settingDemoTenant, string(t.ID)); err != nil {
		return nil, err
	}
	s.deps.Logger.InfoContext(ctx, "demo tenant created", "tenant", t.ID, "kid", k.KID())
	return &Demo{Tenant: t.ID, KID: k.KID(), KeyFile: keyFile}, nil
}

// writeSecret writes data to path with mode 0600, atomically.
func writeSecret(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("server: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("server: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("server: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// printGuide tells a new user what to do next.
func (s *Server) printGuide() {
	w, cmd := s.deps.Out, s.deps.Command
	fmt.Fprintf(w, "\nConfer is running at %s (database: %s)\n", s.URL(), s.store.Dialect())
	tokenHint := "the CONFER_ADMIN_TOKEN you configured"
	if s.cfg.AdminToken == "" {
		tokenHint = "export CONFER_ADMIN_TOKEN=$(cat " + filepath.Join(s.cfg.Data, AdminTokenFile) + ")"
	}
	fmt.Fprintf(w, "Admin API token:  %s\n", tokenHint)
	signup := "sign up"
	if s.cfg.Console.ClosedSignup {
		signup = "accounts by invitation or `" + cmd + " account create EMAIL`"
	}
	fmt.Fprintf(w, "Console:          %s/console (%s)\n", strings.TrimRight(s.URL(), "/"), signup)
	if d := s.demo; d != nil {
		room := string(d.Tenant) + "/demo"
		fmt.Fprintf(w, "\nDemo tenant:      %s\n", d.Tenant)
		fmt.Fprintf(w, "API key (kid):    %s\n", d.KID)
		fmt.Fprintf(w, "Private key:      %s (keep it secret)\n", d.KeyFile)
		fmt.Fprintf(w, "\nMint a moderator token for room %q:\n", room)
		fmt.Fprintf(w, "  JWT=$(%s token mint --key %s --kid %s --room %s --name \"Ada Lovelace\" --moderator)\n", cmd, d.KeyFile, d.KID, room)
		fmt.Fprintf(w, "Ask the server whether it admits that token, and why:\n")
		fmt.Fprintf(w, "  %s token check \"$JWT\" --room %s --server %s\n", cmd, room, s.URL())
		fmt.Fprintf(w, "Open the meeting:  %s/%s?jwt=$JWT\n", strings.TrimRight(s.URL(), "/"), room)
		// An invitation, not "members add": sign-up addresses are not verified,
		// so an account with your address may not be yours; the link is.
		fmt.Fprintf(w, "Manage the demo tenant in the console: invite yourself as its owner and open the printed link:\n")
		fmt.Fprintf(w, "  %s members invite YOU@EXAMPLE.COM --role owner --tenant %s\n", cmd, d.Tenant)
	}
	fmt.Fprintln(w)
}
