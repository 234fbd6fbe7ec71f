package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
)

// SignatureHeader is the header JaaS signs events in.
const SignatureHeader = "X-Jaas-Signature"

// Sign returns the v1 signature of body at unix time t: base64 of
// HMAC-SHA256 keyed with the whole secret ("whsec_…") over "<t>.<body>"
// (contracts §3.1).
func Sign(secret string, t int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Header returns the X-Jaas-Signature value for body signed at t.
func Header(secret string, t time.Time, body []byte) string {
	ts := t.Unix()
	return fmt.Sprintf("t=%d,v1=%s", ts, Sign(secret, ts, body))
}

// ErrBadSignature means a signature header does not verify.
var ErrBadSignature = errors.New("webhook signature does not verify")

// Verify checks a signature header as a receiver should: the v1 signature
// (other schemes are ignored) must match in constant time and the timestamp
// must be within tolerance of now.
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts int64 = -1
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return public.Errorf(ErrBadSignature, "timestamp %q", v)
			}
			ts = n
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return public.Errorf(ErrBadSignature, "header has no t= or v1=")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return public.Errorf(ErrBadSignature, "timestamp is %v away from now", d.Round(time.Second))
	}
	want := Sign(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
