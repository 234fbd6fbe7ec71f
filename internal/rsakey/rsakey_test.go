package rsakey

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		input   string // used when file is empty
		wantErr error
		wantMsg string
		bits    int
	}{
		{file: "rsa2048_spki.pub", bits: 2048},
		{file: "rsa2048_pkcs1.pub", bits: 2048},
		{file: "rsa2048.crt", bits: 2048},
		{file: "rsa1024.pub", wantErr: ErrWeak, wantMsg: "1024-bit"},
		{file: "ec.pub", wantErr: ErrNotRSA, wantMsg: "ECDSA"},
		{file: "ed25519.pub", wantErr: ErrNotRSA, wantMsg: "Ed25519"},
		{file: "rsa2048_pkcs1.key", wantErr: ErrPrivateKey, wantMsg: "RSA PRIVATE KEY"},
		{file: "rsa2048_pkcs8.key", wantErr: ErrPrivateKey, wantMsg: "PRIVATE KEY"},
		{file: "ec.key", wantErr: ErrPrivateKey, wantMsg: "EC PRIVATE KEY"},
		{file: "openssh_rsa.pub", wantErr: ErrMalformed, wantMsg: "OpenSSH"},
		{input: "", wantErr: ErrMalformed, wantMsg: "no PEM block"},
		{input: "hello", wantErr: ErrMalformed, wantMsg: "no PEM block"},
		{input: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", wantErr: ErrMalformed, wantMsg: "does not parse"},
		{input: "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", wantErr: ErrMalformed, wantMsg: `"FOO"`},
		{input: strings.Repeat("A", MaxPEMBytes+1), wantErr: ErrMalformed, wantMsg: "limit"},
	}
	for _, tt := range tests {
		name := tt.file
		if name == "" {
			name = "inline/" + tt.input[:min(len(tt.input), 12)]
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := []byte(tt.input)
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			key, err := ParsePublic(data)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("ParsePublic: got error %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublic: %v", err)
			}
			if got := key.N.BitLen(); got != tt.bits {
				t.Errorf("bits: got %d, want %d", got, tt.bits)
			}
		})
	}
}

func TestPrivateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"rsa2048_pkcs1.key", "rsa2048_pkcs8.key"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := ParsePrivate(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		pubPEM, err := os.ReadFile("testdata/rsa2048_spki.pub")
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodePublic(&priv.PublicKey); !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(pubPEM)) {
			t.Errorf("%s: EncodePublic differs from openssl's -pubout:\n%s\nwant\n%s", file, got, pubPEM)
		}
		again, err := ParsePrivate(EncodePrivate(priv))
		if err != nil || !again.Equal(priv) {
			t.Errorf("%s: EncodePrivate does not round-trip: %v", file, err)
		}
	}
	if _, err := ParsePrivate([]byte("nope")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParsePrivate(garbage): got %v, want ErrMalformed", err)
	}
	if _, err := Generate(nil, 1024); !errors.Is(err, ErrWeak) {
		t.Errorf("Generate(1024): got %v, want ErrWeak", err)
	}
}
