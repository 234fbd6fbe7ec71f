package certs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Store keeps the ACME account key, the certificate and the pending
// challenge responses. On one node it is a folder of the data directory
// (DirStore); in a cluster it is the shared database, so every node serves
// the same certificate and any node can answer the CA's challenge.
type Store interface {
	// Get returns what Put stored under name, or ErrNotFound.
	Get(ctx context.Context, name string) ([]byte, error)
	// Put stores data under name, replacing what was there.
	Put(ctx context.Context, name string, data []byte) error
	// Delete removes name; removing a missing name is not an error.
	Delete(ctx context.Context, name string) error
}

// Locker is a lease that lets one node of a cluster order at a time.
type Locker interface {
	// TryLock takes the named lease for ttl, or reports false while another
	// holder has it.
	TryLock(ctx context.Context, name string, ttl time.Duration) (bool, error)
	// Unlock gives the lease up.
	Unlock(ctx context.Context, name string) error
}

// Names of what a Manager stores.
const (
	accountKeyName = "account-key.pem"
	certName       = "certificate.pem"
)

// OrderLease is the name of the Locker lease held while ordering.
const OrderLease = "acme-order"

func http01Name(token string) string     { return "http-01-" + token }
func tlsALPN01Name(domain string) string { return "tls-alpn-01-" + domain + ".pem" }

// validName keeps names to one path element of safe characters (tokens are
// base64url, domains letters, digits, dots and dashes).
func validName(name string) bool {
	if name == "" || len(name) > 300 || strings.HasPrefix(name, ".") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// DirStore is a Store over a folder (created on first Put, mode 0700, files
// 0600: it holds private keys).
type DirStore string

var _ Store = DirStore("")

// Get reads the file name.
func (d DirStore) Get(_ context.Context, name string) ([]byte, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: invalid name %q", ErrNotFound, name)
	}
	data, err := os.ReadFile(filepath.Join(string(d), name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return data, err
}

// Put writes the file name atomically (a temporary file renamed).
func (d DirStore) Put(_ context.Context, name string, data []byte) error {
	if !validName(name) {
		return fmt.Errorf("certs: invalid store name %q", name)
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	tmp, err := os.CreateTemp(string(d), "."+name+".*")
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("certs: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("certs: write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(string(d), name)); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}

// Delete removes the file name.
func (d DirStore) Delete(_ context.Context, name string) error {
	if !validName(name) {
		return nil
	}
	if err := os.Remove(filepath.Join(string(d), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}
