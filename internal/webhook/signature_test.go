package webhook

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// jaasExample is the worked example of 8x8's webhook signature docs.
const (
	jaasSecret  = "whsec_9635df66714a4cf088ee9d0979dd3bf6"
	jaasHeader  = "t=1632490060,v1=xlzqEojlh4qb21sQpXYsWgyK8x9HVpz+RQldsv18rV0="
	jaasPayload = `{"eventType":"PARTICIPANT_JOINED","sessionId":"9a441d60-ceaf-4eba-b0a8-a7d940a76e1b","timestamp":1632490058278,"fqn":"vpaas-magic-cookie-96f0941768964ab380ed0fbada7a502f/sampleappromanticshiftsstripas","idempotencyKey":"9e9e7420-562d-4659-8e22-44b9b22aaa49","customerId":"96f0941768964ab380ed0fbada7a502f","appId":"vpaas-magic-cookie-96f0941768964ab380ed0fbada7a502f","data":{"avatar":"","name":"Test User","id":"auth0|5f903d7a77f3b4006eb8e67d","participantJid":"fc1ea14a-9bca-4218-a563-8c627e803d56@8x8.vc","moderator":true,"email":"test.user@company.com"}}`
)

func TestSignJaaSVector(t *testing.T) {
	t.Parallel()
	at := time.Unix(1632490060, 0)
	if got := Header(jaasSecret, at, []byte(jaasPayload)); got != jaasHeader {
		t.Fatalf("Header: got %s, want %s", got, jaasHeader)
	}
	for _, tc := range []struct {
		name, header, secret, body string
		now                        time.Time
		ok                         bool
	}{
		{"documented example", jaasHeader, jaasSecret, jaasPayload, at.Add(5 * time.Second), true},
		{"several signatures, one valid", "t=1632490060,v1=AAAA,v1=xlzqEojlh4qb21sQpXYsWgyK8x9HVpz+RQldsv18rV0=", jaasSecret, jaasPayload, at, true},
		{"ten minutes late", jaasHeader, jaasSecret, jaasPayload, at.Add(10 * time.Minute), false},
		{"changed body", jaasHeader, jaasSecret, jaasPayload + " ", at, false},
		{"secret without whsec_", jaasHeader, jaasSecret[6:], jaasPayload, at, false},
		{"only v0", "t=1632490060,v0=xlzqEojlh4qb21sQpXYsWgyK8x9HVpz+RQldsv18rV0=", jaasSecret, jaasPayload, at, false},
		{"no timestamp", "v1=xlzqEojlh4qb21sQpXYsWgyK8x9HVpz+RQldsv18rV0=", jaasSecret, jaasPayload, at, false},
		{"garbage", "nonsense", jaasSecret, jaasPayload, at, false},
	} {
		err := Verify(tc.header, tc.secret, []byte(tc.body), tc.now, 5*time.Minute)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadSignature)) {
			t.Errorf("%s: Verify = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
