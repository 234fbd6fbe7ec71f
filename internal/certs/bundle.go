package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// directoryLine starts a stored certificate: which ACME directory issued it,
// so switching directories (a staging CA, then production) orders anew.
// PEM tools skip text before the first block (RFC 7468 §5.2).
const directoryLine = "ACME directory: "

// encodeBundle is the stored form of a certificate: the directory line, the
// chain, then the private key, all PEM.
func encodeBundle(directory string, key *ecdsa.PrivateKey, chain [][]byte) ([]byte, error) {
	var b bytes.Buffer
	if directory != "" {
		b.WriteString(directoryLine + directory + "\n")
	}
	for _, der := range chain {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	if key != nil {
		if err := encodeKey(&b, key); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

func encodeKey(b *bytes.Buffer, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("certs: encode key: %w", err)
	}
	return pem.Encode(b, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

// decodeBundle parses a stored certificate and says which directory issued it.
func decodeBundle(data []byte) (cert *tls.Certificate, directory string, err error) {
	if rest, ok := bytes.CutPrefix(data, []byte(directoryLine)); ok {
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		directory = strings.TrimSpace(string(line))
	}
	c, err := tls.X509KeyPair(data, data)
	if err != nil {
		return nil, "", fmt.Errorf("certs: stored certificate: %w", err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, "", fmt.Errorf("certs: stored certificate: %w", err)
		}
	}
	return &c, directory, nil
}

// decodeKey parses a PEM EC private key (the account key).
func decodeKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "EC PRIVATE KEY" {
		return nil, errors.New("certs: stored account key is not a PEM EC PRIVATE KEY")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certs: stored account key: %w", err)
	}
	return key, nil
}
