package token

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/confer-video/confer/internal/rsakey"
)

// asapFetcher gets public keys from an ASAP key server the way Prosody's
// token util does: GET <base>/<hex(sha256(kid))>.pem, keys cached by kid.
//
// Anyone may send a token with any kid, so what a kid costs is bounded: a
// kid the key server does not have is remembered for asapMissTTL, and the
// fetches of kids not cached are limited to asapFetchRate a second across
// all of them; past that a token is refused until the rate allows again.
type asapFetcher struct {
	base    string
	client  *http.Client
	cache   *lru[string, asapKey]
	misses  *lru[string, time.Time]
	fetches *rate.Limiter
	now     func() time.Time
}

type asapKey struct {
	key     *rsa.PublicKey
	fetched time.Time
}

// asapKeyTTL is how long a fetched key is trusted before it is fetched again,
// so a key withdrawn from the server stops working within this time.
const asapKeyTTL = 10 * time.Minute

// What unknown kids may cost: see asapFetcher.
const (
	asapMissTTL    = time.Minute
	asapFetchRate  = 20
	asapFetchBurst = 40
)

func newASAPFetcher(base string, client *http.Client, now func() time.Time) *asapFetcher {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &asapFetcher{base: strings.TrimRight(base, "/"), client: client, cache: newLRU[string, asapKey](128),
		misses: newLRU[string, time.Time](4096), fetches: rate.NewLimiter(asapFetchRate, asapFetchBurst), now: now}
}

// KeyServerPath is the path, under the key server's base URL, of kid's key.
func KeyServerPath(kid string) string {
	sum := sha256.Sum256([]byte(kid))
	return hex.EncodeToString(sum[:]) + ".pem"
}

func (f *asapFetcher) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if k, ok := f.cache.get(kid); ok && f.now().Sub(k.fetched) < asapKeyTTL {
		return k.key, nil
	}
	if at, ok := f.misses.get(kid); ok && f.now().Sub(at) < asapMissTTL {
		return nil, errors.New("the key server had no such key a moment ago")
	}
	if !f.fetches.Allow() {
		return nil, errors.New("too many unknown keys are being looked up right now; try again in a moment")
	}
	url := f.base + "/" + KeyServerPath(kid)
	var lastErr error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		key, retry, err := f.fetch(ctx, url)
		if err == nil {
			f.cache.put(kid, asapKey{key: key, fetched: f.now()})
			return key, nil
		}
		lastErr = err
		if !retry {
			f.misses.put(kid, f.now())
			break
		}
	}
	f.cache.remove(kid)
	return nil, lastErr
}

func (f *asapFetcher) fetch(ctx context.Context, url string) (key *rsa.PublicKey, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, fmt.Errorf("build request: %w", err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, rsakey.MaxPEMBytes+1))
	if err != nil {
		return nil, true, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode >= 500, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	key, err = rsakey.ParsePublic(body)
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", url, err)
	}
	return key, false, nil
}
