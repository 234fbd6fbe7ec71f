package account

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/confer-video/confer/internal/public"
)

// Argon2id parameters: OWASP's recommendation of 19 MiB, two passes, one
// lane (about 25 ms on one core).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits; the upper one keeps hashing cheap to refuse.
const (
	MinPassword = 10
	maxPassword = 256
)

func checkPassword(pw, email string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPassword:
		return public.Errorf(ErrInvalid, "the password has %d characters; use at least %d", n, MinPassword)
	case len(pw) > maxPassword:
		return public.Errorf(ErrInvalid, "the password is longer than %d bytes", maxPassword)
	case email != "" && strings.EqualFold(pw, email):
		return public.Errorf(ErrInvalid, "the password must not be your e-mail address")
	}
	return nil
}

// hashPassword returns the PHC string of an argon2id hash of pw.
func hashPassword(rand io.Reader, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("account: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errHashFormat = errors.New("account: unrecognised password hash")

// verifyPassword reports whether pw matches the PHC string, in time that
// does not depend on where they differ.
func verifyPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errHashFormat
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errHashFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil || memory > 1<<20 || passes > 16 || threads == 0 {
		return false, errHashFormat
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errHashFormat
	}
	got := argon2.IDKey([]byte(pw), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
