package token

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/rsakey"
)

// signer says how a table case signs its token.
type signer int

const (
	withKeyA  signer = iota // tenant A's API key
	withOther               // a key nobody registered under kidA
	withHS                  // HS256 with the app secret
	withWrongSecret
)

type verifyCase struct {
	name    string
	raw     string // used as the token when set
	hdr     func(map[string]any)
	pay     func(map[string]any)
	sign    signer
	room    string // default tenantA + "/daily"
	opts    []func(*Config)
	reason  Reason
	msg     string // substring of the message
	check   func(t *testing.T, c *Claims)
	noRoom  bool
	rawHdr  any // replaces the header JSON value when set
	rawPay  any // replaces the payload JSON value when set
	wantErr error
}

func hsHeader(h map[string]any) {
	h["alg"] = "HS256"
	delete(h, "kid")
}

func hsPayload(p map[string]any) {
	p["iss"] = appID
}

func set(key string, v any) func(map[string]any) {
	return func(m map[string]any) { m[key] = v }
}

func del(key string) func(map[string]any) {
	return func(m map[string]any) { delete(m, key) }
}

func both(fs ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, f := range fs {
			f(m)
		}
	}
}

func user(key string, v any) func(map[string]any) {
	return func(p map[string]any) { p["context"].(map[string]any)["user"].(map[string]any)[key] = v }
}

func features(f any) func(map[string]any) {
	return func(p map[string]any) { p["context"].(map[string]any)["features"] = f }
}

func regexRoom(pattern string) func(map[string]any) {
	return func(p map[string]any) {
		p["room"] = pattern
		p["context"].(map[string]any)["room"] = map[string]any{"regex": true}
	}
}

func unix(d time.Duration) float64 { return float64(t0.Add(d).Unix()) }

var verifyCases = []verifyCase{
	// Valid tokens and what they grant.
	{name: "valid JaaS token", check: func(t *testing.T, c *Claims) {
		if c.Mode != ModeTenant || !c.Moderator || c.User.Name != "Ada Lovelace" || c.User.Email != "ada@example.com" || c.User.ID != "u-42" || c.KeyID != kidA {
			t.Errorf("claims: got %+v", c)
		}
		want := map[string]bool{"livestreaming": true, "recording": false, "transcription": true, "outbound-call": false}
		for k, v := range want {
			if got, ok := c.Features[k]; !ok || got != v {
				t.Errorf("feature %s: got %v (present %v), want %v", k, got, ok, v)
			}
		}
		if c.Feature("file-upload", true) != true || c.Feature("recording", true) != false {
			t.Error("Feature defaults not applied")
		}
	}},
	{name: "typ jwt lower case (8x8 Go sample)", hdr: set("typ", "jwt")},
	{name: "no nbf (8x8 Python sample)", pay: del("nbf")},
	{name: "no features", pay: features(nil), check: func(t *testing.T, c *Claims) {
		if len(c.Features) != 0 {
			t.Errorf("features: got %v, want none", c.Features)
		}
	}},
	{name: "moderator false string", pay: user("moderator", "false"), check: wantModerator(false)},
	{name: "moderator boolean true", pay: user("moderator", true), check: wantModerator(true)},
	{name: "moderator missing", pay: user("moderator", nil), check: wantModerator(false)},
	{name: "top-level moderator claim", pay: both(user("moderator", "false"), set("moderator", true)), check: wantModerator(true)},
	{name: "affiliation owner", pay: both(user("moderator", "false"), user("affiliation", "owner")), check: wantModerator(true)},
	{name: "lobby bypass", pay: user("lobby_bypass", true), check: func(t *testing.T, c *Claims) {
		if !c.LobbyBypass {
			t.Error("LobbyBypass: got false, want true")
		}
	}},
	{name: "room star", pay: set("room", "*"), room: tenantA + "/anything-at-all"},
	{name: "room claim upper case", pay: set("room", "Daily"), room: tenantA + "/daily"},
	{name: "room path upper case", room: tenantA + "/DAILY"},
	{name: "no room to check", noRoom: true, pay: set("room", "elsewhere")},
	{name: "regex room", pay: regexRoom("sales%-%d+"), room: tenantA + "/sales-42"},
	{name: "regex room case-insensitive", pay: regexRoom("Sales%-.*"), room: tenantA + "/SALES-East"},
	{name: "regex room with %W class", pay: regexRoom("a%Wb"), room: tenantA + "/a.b"},
	{name: "regex room anchored", pay: regexRoom("^team[0-9]+$"), room: tenantA + "/team7"},
	{name: "regex flag as string", pay: both(set("room", "x.*"), func(p map[string]any) {
		p["context"].(map[string]any)["room"] = map[string]any{"regex": "true"}
	}), room: tenantA + "/xyz"},
	{name: "exp in leeway", pay: set("exp", unix(-5*time.Second)), opts: []func(*Config){func(c *Config) { c.Leeway = 10 * time.Second }}},
	{name: "nbf in leeway", pay: set("nbf", unix(5*time.Second)), opts: []func(*Config){func(c *Config) { c.Leeway = 10 * time.Second }}},

	// Self-hosted HS256.
	{name: "HS256 sub tenant", hdr: hsHeader, pay: hsPayload, sign: withHS, check: func(t *testing.T, c *Claims) {
		if c.Mode != ModeSelfHosted || c.Algorithm != "HS256" {
			t.Errorf("mode/alg: got %v/%s", c.Mode, c.Algorithm)
		}
	}},
	{name: "HS256 sub star", hdr: hsHeader, pay: both(hsPayload, set("sub", "*")), sign: withHS},
	{name: "HS256 sub domain", hdr: hsHeader, pay: both(hsPayload, set("sub", "meet.example.com")), sign: withHS,
		opts: []func(*Config){func(c *Config) { c.Domain = "meet.example.com" }}},
	{name: "HS256 any audience", hdr: hsHeader, pay: both(hsPayload, set("aud", "whatever")), sign: withHS},
	{name: "HS256 without context", hdr: hsHeader, pay: both(hsPayload, del("context"), set("user_id", "legacy")), sign: withHS,
		check: func(t *testing.T, c *Claims) {
			if c.User.ID != "legacy" {
				t.Errorf("user id: got %q, want legacy", c.User.ID)
			}
		}},

	// tokenMissing, malformed, headerNotFound, payloadNotFound.
	{name: "empty", raw: " ", reason: ReasonTokenMissing},
	{name: "one part", raw: "abc", reason: ReasonMalformed, msg: "has 1"},
	{name: "four parts", raw: "a.b.c.d", reason: ReasonMalformed, msg: "has 4"},
	{name: "header not base64", raw: "!!.e30.AA", reason: ReasonMalformed, msg: "header"},
	{name: "payload not base64", raw: "e30.!!.AA", reason: ReasonMalformed, msg: "payload"},
	{name: "signature not base64", raw: "e30.e30.!!", reason: ReasonMalformed, msg: "signature"},
	{name: "non-canonical base64", raw: "e30.e31.AA", reason: ReasonMalformed},
	{name: "too long", raw: strings.Repeat("a", MaxTokenBytes+1), reason: ReasonMalformed, msg: "limit"},
	{name: "header array", rawHdr: []any{1}, reason: ReasonHeaderNotFound},
	{name: "header null", rawHdr: nil, reason: ReasonHeaderNotFound},
	{name: "payload number", rawPay: 42, reason: ReasonPayloadNotFound},

	// typInvalid, algInvalid.
	{name: "typ missing", hdr: del("typ"), reason: ReasonTypInvalid, msg: "no typ"},
	{name: "typ JWS", hdr: set("typ", "JWS"), reason: ReasonTypInvalid, msg: `"JWS"`},
	{name: "typ number", hdr: set("typ", 1), reason: ReasonTypInvalid},
	{name: "alg none", hdr: set("alg", "none"), reason: ReasonAlgInvalid, msg: `"none"`},
	{name: "alg missing", hdr: del("alg"), reason: ReasonAlgInvalid},
	{name: "alg RS512", hdr: set("alg", "RS512"), reason: ReasonAlgInvalid},
	{name: "HS256 without app secret", hdr: hsHeader, pay: hsPayload, sign: withHS, reason: ReasonAlgInvalid, msg: "app_secret",
		opts: []func(*Config){func(c *Config) { c.AppSecret, c.AppID = "", "" }}},

	// kidNotFound, kidMismatch, keyRevoked, signatureInvalid.
	{name: "kid missing", hdr: del("kid"), reason: ReasonKidNotFound, msg: "no kid"},
	{name: "kid number", hdr: set("kid", 7), reason: ReasonKidNotFound},
	{name: "kid unknown", hdr: set("kid", tenantA+"/nope"), reason: ReasonKidNotFound, msg: "no API key"},
	{name: "kid without tenant", hdr: set("kid", "4f4910"), reason: ReasonKidNotFound, msg: "not of the form"},
	{name: "kid of another tenant", hdr: set("kid", kidB), reason: ReasonKidMismatch, msg: tenantB},
	{name: "sub missing", pay: del("sub"), reason: ReasonKidMismatch},
	{name: "signed with another key", sign: withOther, reason: ReasonSignatureInvalid},
	{name: "HS256 wrong secret", hdr: hsHeader, pay: hsPayload, sign: withWrongSecret, reason: ReasonSignatureInvalid},

	// expInvalid, nbfInvalid, tokenExpired, nbfFuture.
	{name: "exp missing", pay: del("exp"), reason: ReasonExpInvalid, msg: "no exp"},
	{name: "exp string", pay: set("exp", "1893456000"), reason: ReasonExpInvalid},
	{name: "exp fraction", pay: set("exp", 1893456000.5), reason: ReasonExpInvalid},
	{name: "exp negative", pay: set("exp", -1), reason: ReasonExpInvalid},
	{name: "exp milliseconds far future", pay: set("exp", 1893456000000.0), reason: ReasonExpInvalid},
	{name: "nbf string", pay: set("nbf", "soon"), reason: ReasonNbfInvalid},
	{name: "expired", pay: set("exp", unix(-42*time.Second)), reason: ReasonTokenExpired, msg: "expired 42s ago"},
	{name: "expired hours ago", pay: set("exp", unix(-(3*time.Hour + 2*time.Minute))), reason: ReasonTokenExpired, msg: "3h2m ago"},
	{name: "exp equals now", pay: set("exp", unix(0)), reason: ReasonTokenExpired},
	{name: "expired beyond leeway", pay: set("exp", unix(-11*time.Second)), reason: ReasonTokenExpired,
		opts: []func(*Config){func(c *Config) { c.Leeway = 10 * time.Second }}},
	{name: "nbf in future", pay: set("nbf", unix(5*time.Minute)), reason: ReasonNbfFuture, msg: "another 5m0s"},

	// issInvalid, audInvalid, subInvalid.
	{name: "iss wrong", pay: set("iss", "my_app"), reason: ReasonIssInvalid, msg: `"chat"`},
	{name: "iss missing", pay: del("iss"), reason: ReasonIssInvalid},
	{name: "HS256 iss not accepted", hdr: hsHeader, pay: both(hsPayload, set("iss", "chat")), sign: withHS, reason: ReasonIssInvalid},
	{name: "aud wrong", pay: set("aud", "jitsi-meet"), reason: ReasonAudInvalid},
	{name: "aud array", pay: set("aud", []any{"jitsi"}), reason: ReasonAudInvalid, msg: "array"},
	{name: "HS256 aud not accepted", hdr: hsHeader, pay: both(hsPayload, set("aud", "other")), sign: withHS, reason: ReasonAudInvalid,
		opts: []func(*Config){func(c *Config) { c.AcceptedAudiences = []string{"jitsi"} }}},
	{name: "room of another tenant", room: tenantB + "/daily", reason: ReasonSubInvalid, msg: "belongs to tenant"},
	{name: "HS256 sub other tenant", hdr: hsHeader, pay: both(hsPayload, set("sub", tenantB)), sign: withHS, reason: ReasonSubInvalid},
	{name: "HS256 sub missing", hdr: hsHeader, pay: both(hsPayload, del("sub")), sign: withHS, reason: ReasonSubInvalid},

	// contextNotFound, userInvalid, featureInvalid, featureValueInvalid.
	{name: "context missing", pay: del("context"), reason: ReasonContextNotFound},
	{name: "context string", pay: set("context", "x"), reason: ReasonContextNotFound},
	{name: "user name number", pay: user("name", 12), reason: ReasonUserInvalid, msg: "context.user.name"},
	{name: "user email null", pay: user("email", nil), reason: ReasonUserInvalid, msg: "context.user.email"},
	{name: "user not object", pay: func(p map[string]any) { p["context"].(map[string]any)["user"] = "ada" }, reason: ReasonUserInvalid},
	{name: "unknown feature", pay: features(map[string]any{"teleport": "true"}), reason: ReasonFeatureInvalid, msg: `"teleport"`},
	{name: "features array", pay: features([]any{"recording"}), reason: ReasonFeatureInvalid},
	{name: "feature value yes", pay: features(map[string]any{"recording": "yes"}), reason: ReasonFeatureValueInvalid, msg: "recording"},
	{name: "feature value number", pay: features(map[string]any{"recording": 1}), reason: ReasonFeatureValueInvalid},

	// roomMismatch.
	{name: "other room", room: tenantA + "/weekly", reason: ReasonRoomMismatch, msg: `"daily", not "weekly"`},
	{name: "room claim missing", pay: del("room"), reason: ReasonRoomMismatch, msg: "no room claim"},
	{name: "room claim number", pay: set("room", 3), reason: ReasonRoomMismatch},
	{name: "room claim with tenant", pay: set("room", tenantA+"/daily"), reason: ReasonRoomMismatch, msg: "includes the tenant"},
	{name: "regex not covering name", pay: regexRoom("sales"), room: tenantA + "/presales", reason: ReasonRoomMismatch, msg: "pattern"},
	{name: "regex unescaped dash", pay: regexRoom("sales-42"), room: tenantA + "/sales-42", reason: ReasonRoomMismatch},
	{name: "regex malformed", pay: regexRoom("sales[0-9"), room: tenantA + "/sales1", reason: ReasonRoomMismatch, msg: "not a valid Lua pattern"},
	{name: "regex flag off", pay: set("room", "sales.*"), room: tenantA + "/sales1", reason: ReasonRoomMismatch},
	{name: "bad room argument", room: "a/b/c", wantErr: ErrInvalidRoom},
	{name: "bad room argument: empty tenant", room: "/daily", wantErr: ErrInvalidRoom},
	{name: "JaaS token in tenant-less room", room: "daily", reason: ReasonSubInvalid, msg: "tenant-less"},
	{name: "HS256 tenant-less room, sub domain", hdr: hsHeader, pay: both(hsPayload, set("sub", "meet.example.com")), sign: withHS,
		room: "daily", opts: []func(*Config){func(c *Config) { c.Domain = "meet.example.com" }}},
	{name: "HS256 tenant-less room, sub star", hdr: hsHeader, pay: both(hsPayload, set("sub", "*")), sign: withHS, room: "daily"},
	{name: "HS256 tenant-less room, sub tenant", hdr: hsHeader, pay: hsPayload, sign: withHS, room: "daily", reason: ReasonSubInvalid, msg: "without a tenant"},
}

func wantModerator(want bool) func(*testing.T, *Claims) {
	return func(t *testing.T, c *Claims) {
		if c.Moderator != want {
			t.Errorf("Moderator: got %v, want %v", c.Moderator, want)
		}
	}
}

func (tc verifyCase) token(t *testing.T, f *fixture) string {
	if tc.raw != "" {
		return tc.raw
	}
	var hdr, pay any = jaasHeader(), jaasPayload()
	if tc.hdr != nil {
		tc.hdr(hdr.(map[string]any))
	}
	if tc.pay != nil {
		tc.pay(pay.(map[string]any))
	}
	if tc.name == "header array" || tc.name == "header null" {
		hdr = tc.rawHdr
	}
	if tc.rawPay != nil {
		pay = tc.rawPay
	}
	switch tc.sign {
	case withOther:
		return signRaw(t, hdr, pay, f.other, "")
	case withHS:
		return signRaw(t, hdr, pay, nil, appSecret)
	case withWrongSecret:
		return signRaw(t, hdr, pay, nil, "not-the-secret")
	default:
		return signRaw(t, hdr, pay, f.keyA, "")
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range verifyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := f.verifier(t, tc.opts...)
			room := tc.room
			if room == "" && !tc.noRoom {
				room = tenantA + "/daily"
			}
			claims, err := v.Verify(context.Background(), tc.token(t, f), room)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got error %v, want %v", err, tc.wantErr)
				}
			case tc.reason != ReasonNone:
				if got := ReasonOf(err); got != tc.reason {
					t.Fatalf("got reason %q (%v), want %q", got, err, tc.reason)
				}
				if !errors.Is(err, tc.reason) {
					t.Errorf("errors.Is(err, %s) = false", tc.reason)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("message %q does not contain %q", err, tc.msg)
				}
				if claims != nil {
					t.Errorf("refused token returned claims %+v", claims)
				}
			default:
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				if tc.check != nil {
					tc.check(t, claims)
				}
			}
		})
	}
}

// TestEveryReasonCovered keeps the table honest: each reason code has a case.
func TestEveryReasonCovered(t *testing.T) {
	t.Parallel()
	seen := map[Reason]bool{}
	for _, tc := range verifyCases {
		seen[tc.reason] = true
	}
	seen[ReasonKeyRevoked] = true // TestRevokedKey revokes a key between two checks
	for _, r := range Reasons {
		if !seen[r] {
			t.Errorf("no TestVerify case for reason %q", r)
		}
		if got, err := ParseReason(string(r)); err != nil || got != r {
			t.Errorf("ParseReason(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseReason("nope"); err == nil {
		t.Error("ParseReason(nope): want error")
	}
}

func TestRevokedKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.verifier(t)
	tok := signRaw(t, jaasHeader(), jaasPayload(), f.keyA, "")
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, tenantA+"/daily"); err != nil {
		t.Fatalf("before revoke: %v", err)
	}
	f.keys.revoke(kidA)
	_, err := v.Verify(ctx, tok, tenantA+"/daily")
	if ReasonOf(err) != ReasonKeyRevoked {
		t.Fatalf("after revoke (token cached): got %v, want keyRevoked", err)
	}
}

func TestCacheRechecksTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := t0
	v := f.verifier(t, func(c *Config) { c.Now = func() time.Time { return now } })
	tok := signRaw(t, jaasHeader(), jaasPayload(), f.keyA, "")
	ctx := context.Background()
	for range 2 {
		if _, err := v.Verify(ctx, tok, tenantA+"/daily"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Verify(ctx, tok, tenantA+"/other"); ReasonOf(err) != ReasonRoomMismatch {
		t.Fatalf("cached token, other room: got %v, want roomMismatch", err)
	}
	now = t0.Add(2 * time.Hour)
	if _, err := v.Verify(ctx, tok, tenantA+"/daily"); ReasonOf(err) != ReasonTokenExpired {
		t.Fatalf("cached token after exp: got %v, want tokenExpired", err)
	}
}

func TestReplacedKeyInvalidatesCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.verifier(t)
	tok := signRaw(t, jaasHeader(), jaasPayload(), f.keyA, "")
	if _, err := v.Verify(context.Background(), tok, ""); err != nil {
		t.Fatal(err)
	}
	f.keys.mu.Lock()
	f.keys.keys[kidA] = &f.other.PublicKey
	f.keys.mu.Unlock()
	if _, err := v.Verify(context.Background(), tok, ""); ReasonOf(err) != ReasonSignatureInvalid {
		t.Fatalf("after key replaced: got %v, want signatureInvalid", err)
	}
}

func TestAllowEmptyToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.verifier(t, func(c *Config) { c.AllowEmptyToken = true })
	c, err := v.Verify(context.Background(), "", tenantA+"/daily")
	if err != nil || c.Mode != ModeAnonymous || c.Moderator {
		t.Fatalf("empty token: got %+v, %v; want anonymous", c, err)
	}
}

func TestASAPKeyServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const kid = "jitsi/asap-key-1"
	pubPEM := rsakey.EncodePublic(&f.other.PublicKey)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/keys/"+KeyServerPath(kid) {
			http.NotFound(w, r)
			return
		}
		w.Write(pubPEM)
	}))
	t.Cleanup(srv.Close)
	v := f.verifier(t, func(c *Config) { c.Keys, c.AppSecret, c.ASAPKeyServer = nil, "", srv.URL+"/keys/" })
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
	pay := jaasPayload()
	pay["iss"], pay["sub"] = appID, "*"
	tok := signRaw(t, hdr, pay, f.other, "")
	ctx := context.Background()
	for range 3 {
		c, err := v.Verify(ctx, tok, tenantA+"/daily")
		if err != nil {
			t.Fatalf("ASAP token: %v", err)
		}
		if c.Mode != ModeSelfHosted {
			t.Errorf("mode: got %v, want self-hosted", c.Mode)
		}
	}
	if hits != 1 {
		t.Errorf("key server hits: got %d, want 1 (cached)", hits)
	}
	hdr["kid"] = "jitsi/unknown"
	_, err := v.Verify(ctx, signRaw(t, hdr, pay, f.other, ""), tenantA+"/daily")
	if ReasonOf(err) != ReasonKidNotFound || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown ASAP kid: got %v, want kidNotFound naming the 404", err)
	}
	// The same unknown kid again is answered from memory; a spray of fresh
	// kids reaches the key server at most asapFetchBurst times.
	before := hits
	v.Verify(ctx, signRaw(t, hdr, pay, f.other, ""), tenantA+"/daily")
	if hits != before {
		t.Errorf("an unknown kid asked again hit the key server %d more times, want 0", hits-before)
	}
	for i := range 3 * asapFetchBurst {
		hdr["kid"] = fmt.Sprintf("jitsi/spray-%d", i)
		if _, err := v.Verify(ctx, signRaw(t, hdr, pay, f.other, ""), tenantA+"/daily"); ReasonOf(err) != ReasonKidNotFound {
			t.Fatalf("spray %d: got %v, want kidNotFound", i, err)
		}
	}
	if sprayed := hits - before; sprayed > asapFetchBurst+asapFetchRate {
		t.Errorf("%d unknown kids made %d key server requests, want at most about %d", 3*asapFetchBurst, sprayed, asapFetchBurst)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"nothing accepted":      {},
		"secret without app id": {AppSecret: "x"},
		"negative leeway":       {AllowEmptyToken: true, Leeway: -time.Second},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want error", name)
		}
	}
}

func TestHuman(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		42 * time.Second:                     "42s",
		5*time.Minute + 3*time.Second:        "5m3s",
		3*time.Hour + 2*time.Minute:          "3h2m",
		50*time.Hour + 10*time.Minute:        "2d2h",
		1500 * time.Millisecond:              "2s",
		59*time.Minute + 59*time.Second:      "59m59s",
		47*time.Hour + 59*time.Minute:        "47h59m",
		400 * 24 * time.Hour:                 "400d0h",
		0:                                    "0s",
		time.Minute - time.Millisecond:       "1m0s",
		2*time.Minute + 500*time.Microsecond: "2m0s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}
