package cascade

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AuthHeader carries a node's credentials on the control channel's
// request: "<node>.<unix seconds>.<hex HMAC-SHA256>", the HMAC keyed by
// the cluster's shared secret over the node, the time and the request URI.
const AuthHeader = "X-Confer-Cascade"

// maxSkew bounds how old (or early) a credential may be.
const maxSkew = time.Minute

// sign returns the credential of node for a request to uri at now.
func sign(secret []byte, node, uri string, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	return node + "." + ts + "." + mac(secret, node, ts, uri)
}

func mac(secret []byte, node, ts, uri string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%s\n%s\n%s", node, ts, uri)
	return hex.EncodeToString(m.Sum(nil))
}

// verify checks a request's credential and returns the calling node.
func verify(secret []byte, r *http.Request, now time.Time) (string, error) {
	v := r.Header.Get(AuthHeader)
	if v == "" {
		return "", fmt.Errorf("%w: no %s header", ErrUnauthorized, AuthHeader)
	}
	i, j := strings.Index(v, "."), strings.LastIndex(v, ".")
	if i <= 0 || j <= i {
		return "", fmt.Errorf("%w: malformed credential", ErrUnauthorized)
	}
	node, ts, sum := v[:i], v[i+1:j], v[j+1:]
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: malformed time", ErrUnauthorized)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return "", fmt.Errorf("%w: credential is %s off the clock (at most %s)", ErrUnauthorized, d.Round(time.Second), maxSkew)
	}
	if !hmac.Equal([]byte(sum), []byte(mac(secret, node, ts, r.URL.RequestURI()))) {
		return "", fmt.Errorf("%w: signature does not match the cluster's secret", ErrUnauthorized)
	}
	return node, nil
}
