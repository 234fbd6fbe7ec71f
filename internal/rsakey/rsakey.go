// Package rsakey reads, writes and generates the RSA keys that sign Jitsi
// JWTs: PEM public keys in PKCS#1 ("RSA PUBLIC KEY") and SPKI ("PUBLIC KEY")
// form, as produced by `ssh-keygen -t rsa -b 4096 -m PEM` followed by
// `openssl rsa -pubout -outform PEM`, and PKCS#1/PKCS#8 private keys.
package rsakey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// MinBits is the smallest RSA modulus accepted for a signing key.
const MinBits = 2048

// DefaultBits is the size of keys Confer generates, as JaaS does.
const DefaultBits = 4096

// MaxPEMBytes bounds the size of a PEM document accepted from a user.
const MaxPEMBytes = 64 << 10

// Errors returned by ParsePublic. Each is wrapped with a message that names
// what was found, so it can be shown to the user as is.
var (
	// ErrMalformed means the input is not a PEM-encoded key Confer can read.
	ErrMalformed = errors.New("malformed key")
	// ErrPrivateKey means a private key was given where a public key belongs.
	ErrPrivateKey = errors.New("private key given")
	// ErrNotRSA means the key is of another algorithm (EC, Ed25519, ...).
	ErrNotRSA = errors.New("not an RSA key")
	// ErrWeak means the RSA modulus is shorter than MinBits.
	ErrWeak = errors.New("RSA key too weak")
)

// ParsePublic parses one PEM-encoded RSA public key (PKCS#1, SPKI or an
// X.509 certificate) and refuses private keys, other algorithms and keys
// shorter than MinBits with an error that says which it was.
func ParsePublic(data []byte) (*rsa.PublicKey, error) {
	if len(data) > MaxPEMBytes {
		return nil, fmt.Errorf("%w: %d bytes is larger than the %d-byte limit for a PEM key", ErrMalformed, len(data), MaxPEMBytes)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("ssh-rsa ")) {
		return nil, fmt.Errorf("%w: this is an OpenSSH public key; convert it to PEM with `ssh-keygen -f KEY.pub -e -m PKCS8`", ErrMalformed)
	}
	block, _ := pem.Decode(trimmed)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found (expected -----BEGIN PUBLIC KEY-----)", ErrMalformed)
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PUBLIC KEY block does not parse: %v", ErrMalformed, err)
		}
		return checkPublic(pub)
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: RSA PUBLIC KEY block does not parse: %v", ErrMalformed, err)
		}
		return checkPublic(pub)
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: CERTIFICATE block does not parse: %v", ErrMalformed, err)
		}
		return checkPublic(cert.PublicKey)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: this is a %s; upload only the public part (`openssl rsa -in KEY -pubout -outform PEM`) and keep the private key secret", ErrPrivateKey, block.Type)
	default:
		return nil, fmt.Errorf("%w: PEM block type %q is not a public key", ErrMalformed, block.Type)
	}
}

func checkPublic(pub any) (*rsa.PublicKey, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinBits {
			return nil, fmt.Errorf("%w: key is %d-bit RSA, at least %d bits are required", ErrWeak, bits, MinBits)
		}
		return k, nil
	case *ecdsa.PublicKey:
		return nil, fmt.Errorf("%w: key is ECDSA (%s); Jitsi tokens are signed RS256, so the key must be RSA", ErrNotRSA, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil, fmt.Errorf("%w: key is Ed25519; Jitsi tokens are signed RS256, so the key must be RSA", ErrNotRSA)
	default:
		return nil, fmt.Errorf("%w: key type %T; Jitsi tokens are signed RS256, so the key must be RSA", ErrNotRSA, pub)
	}
}

// ParsePrivate parses a PEM-encoded RSA private key in PKCS#1 or PKCS#8 form.
func ParsePrivate(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(bytes.TrimSpace(data))
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found (expected -----BEGIN RSA PRIVATE KEY-----)", ErrMalformed)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is %T", ErrNotRSA, k)
		}
		return rk, nil
	default:
		return nil, fmt.Errorf("%w: PEM block type %q is not an RSA private key", ErrMalformed, block.Type)
	}
}

// Generate creates an RSA key pair of the given size (DefaultBits when 0).
func Generate(random io.Reader, bits int) (*rsa.PrivateKey, error) {
	if bits == 0 {
		bits = DefaultBits
	}
	if bits < MinBits {
		return nil, fmt.Errorf("%w: %d bits requested, at least %d are required", ErrWeak, bits, MinBits)
	}
	if random == nil {
		random = rand.Reader
	}
	k, err := rsa.GenerateKey(random, bits)
	if err != nil {
		return nil, fmt.Errorf("generate %d-bit RSA key: %w", bits, err)
	}
	return k, nil
}

// EncodePrivate returns k as a PKCS#1 "RSA PRIVATE KEY" PEM block, the form
// `ssh-keygen -t rsa -m PEM` writes and 8x8's samples read.
func EncodePrivate(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// EncodePublic returns k as an SPKI "PUBLIC KEY" PEM block, the form
// `openssl rsa -pubout -outform PEM` writes.
func EncodePublic(k *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		// Marshalling a valid *rsa.PublicKey cannot fail.
		panic(fmt.Sprintf("rsakey: marshal public key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Fingerprint is the lower-case hex SHA-256 of the key's SPKI DER encoding,
// the same value `openssl pkey -pubin -outform DER | sha256sum` prints.
func Fingerprint(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
