package account

import (
	"crypto/rand"
	"testing"
)

// BenchmarkPasswordHash is the cost of one sign-up or password check.
func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if _, err := hashPassword(rand.Reader, "correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPasswordVerify(b *testing.B) {
	h, _ := hashPassword(rand.Reader, "correct horse battery")
	for b.Loop() {
		if ok, err := verifyPassword(h, "correct horse battery"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func TestVerifyPasswordRefusesBadHashes(t *testing.T) {
	good, _ := hashPassword(rand.Reader, "correct horse battery")
	for _, h := range []string{"", "$2a$10$bcrypt", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA", "$argon2id$v=18$m=19456,t=2,p=1$AAAA$AAAA",
		"$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA", good + "x$"} {
		if ok, err := verifyPassword(h, "correct horse battery"); ok || err == nil {
			t.Errorf("verifyPassword(%q) = %v, %v", h, ok, err)
		}
	}
	if ok, err := verifyPassword(good, "correct horse batterY"); ok || err != nil {
		t.Errorf("wrong password: %v %v", ok, err)
	}
}
