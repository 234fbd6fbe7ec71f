package httpapi

import (
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	l := newFailureLimiter(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if d := l.wait("ada"); d != 0 {
			t.Fatalf("attempt %d waits %v", i, d)
		}
		l.fail("ada")
		now = now.Add(10 * time.Second)
	}
	if d := l.wait("ada"); d != 30*time.Second {
		t.Fatalf("after 3 failures: wait %v, want 30s (until the first failure is a minute old)", d)
	}
	if d := l.wait("bob"); d != 0 {
		t.Fatalf("another key waits %v", d)
	}
	now = now.Add(30 * time.Second)
	if d := l.wait("ada"); d != 0 {
		t.Fatalf("after the window: wait %v", d)
	}
	l.fail("ada")
	l.fail("ada")
	l.succeed("ada")
	l.fail("ada")
	if d := l.wait("ada"); d != 0 {
		t.Fatalf("a success forgets: wait %v", d)
	}
}
