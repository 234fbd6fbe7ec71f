package token

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTokenBytes bounds the length of a token accepted for verification.
const MaxTokenBytes = 16 << 10

// JaaS fixes these claims for tokens signed with a tenant's API key
// (contracts/jitsi.md §1).
const (
	JaaSIssuer   = "chat"
	JaaSAudience = "jitsi"
)

// KeyResolver finds the RSA public key of a tenant API key.
type KeyResolver interface {
	// TenantKey returns the key registered under kid ("<tenant>/<id>").
	// It returns an error wrapping ErrKeyNotFound or ErrKeyRevoked when the
	// key is unknown or revoked.
	TenantKey(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Config configures a Verifier. Only Keys is needed for JaaS tokens; the
// AppID/AppSecret/ASAP fields enable Prosody-style self-hosted tokens.
type Config struct {
	// Keys resolves tenant API keys; nil means no tenant tokens.
	Keys KeyResolver
	// AppID is Prosody's app_id: the default accepted issuer of
	// self-hosted tokens.
	AppID string
	// AppSecret is Prosody's app_secret. When set, HS256 tokens signed with
	// it are accepted.
	AppSecret string
	// AcceptedIssuers of self-hosted tokens; default {AppID}; "*" = any.
	AcceptedIssuers []string
	// AcceptedAudiences of self-hosted tokens; default {"*"} as in Prosody.
	AcceptedAudiences []string
	// Domain is the deployment's domain; a self-hosted token whose sub is the
	// domain is valid for every tenant's rooms (as for Prosody's main MUC).
	Domain string
	// AllowEmptyToken admits people without a token (anonymous).
	AllowEmptyToken bool
	// Leeway tolerated on exp and nbf for clock skew; Prosody has none.
	Leeway time.Duration
	// ASAPKeyServer is the base URL of a key server: the RS256 public key of
	// a kid that is not a tenant key is fetched from
	// <ASAPKeyServer>/<hex(sha256(kid))>.pem.
	ASAPKeyServer string
	// HTTPClient fetches ASAP keys; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// CacheSize is the number of signature-verified tokens remembered so a
	// token presented again (reconnects, each participant's many requests)
	// skips the RSA operation; 0 means 4096, negative disables the cache.
	CacheSize int
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.Keys == nil && c.AppSecret == "" && c.ASAPKeyServer == "" && !c.AllowEmptyToken {
		return errors.New("token: no way to accept any token: configure tenant keys, an app secret, an ASAP key server or allow empty tokens")
	}
	if (c.AppSecret != "" || c.ASAPKeyServer != "") && c.AppID == "" && len(c.AcceptedIssuers) == 0 {
		return errors.New("token: app_id is required with app_secret or asap_key_server (it is the accepted issuer)")
	}
	if c.Leeway < 0 {
		return fmt.Errorf("token: leeway %v is negative", c.Leeway)
	}
	return nil
}

// Verifier checks Jitsi JWTs the way JaaS and Prosody do.
type Verifier struct {
	cfg   Config
	cache *lru[[32]byte, *verified]
	asap  *asapFetcher
}

// verified is a token whose structure, signature and static claims passed.
// It is immutable once built and may be shared through the cache.
type verified struct {
	claims *Claims
	key    *rsa.PublicKey // nil for HS256
}

// New returns a Verifier for cfg.
func New(cfg Config) (*Verifier, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if len(cfg.AcceptedIssuers) == 0 && cfg.AppID != "" {
		cfg.AcceptedIssuers = []string{cfg.AppID}
	}
	if len(cfg.AcceptedAudiences) == 0 {
		cfg.AcceptedAudiences = []string{"*"}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg}
	if size := cmp.Or(cfg.CacheSize, 4096); size > 0 {
		v.cache = newLRU[[32]byte, *verified](size)
	}
	if cfg.ASAPKeyServer != "" {
		v.asap = newASAPFetcher(cfg.ASAPKeyServer, cfg.HTTPClient, cfg.Now)
	}
	return v, nil
}

// Verify checks raw for entry to room ("<tenant>/<name>"). An empty room
// checks everything but the room and tenant. A refusal is an *Error whose
// Reason says why; a room that is not one (or is longer than
// MaxTenantBytes/MaxRoomNameBytes) is an error wrapping ErrInvalidRoom.
func (v *Verifier) Verify(ctx context.Context, raw string, room string) (*Claims, error) {
	target, err := parseTarget(room)
	if err != nil {
		return nil, err
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if v.cfg.AllowEmptyToken {
			return &Claims{Mode: ModeAnonymous}, nil
		}
		return nil, refuse(ReasonTokenMissing, "no token was given; the meeting link needs ?jwt=<token>")
	}
	vt, err := v.verifySignature(ctx, raw)
	if err != nil {
		return nil, err
	}
	c := *vt.claims
	c.Features = maps.Clone(vt.claims.Features)
	if err := v.checkTime(&c); err != nil {
		return nil, err
	}
	if target != nil {
		if err := checkRoom(ctx, &c, target, v.cfg.Domain); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// verifySignature decodes raw, finds its key, checks the signature and the
// claims that do not depend on time or room. Results are cached by the
// SHA-256 of raw; a cached entry is used only while the same key is current.
func (v *Verifier) verifySignature(ctx context.Context, raw string) (*verified, error) {
	var sum [32]byte
	if v.cache != nil {
		sum = sha256.Sum256([]byte(raw))
		if vt, ok := v.cache.get(sum); ok && v.stillCurrent(ctx, vt) {
			return vt, nil
		}
	}
	d, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkHeader(d); err != nil {
		return nil, err
	}
	vt := &verified{}
	mode := ModeSelfHosted
	if d.alg == "RS256" {
		vt.key, mode, err = v.resolveKey(ctx, d)
		if err != nil {
			return nil, err
		}
		digest := sha256.Sum256([]byte(d.signingInput))
		if rsa.VerifyPKCS1v15(vt.key, crypto.SHA256, digest[:], d.sig) != nil {
			return nil, refuse(ReasonSignatureInvalid, "signature does not verify with the public key of %s", quote(d.kid))
		}
	} else {
		mac := hmac.New(sha256.New, []byte(v.cfg.AppSecret))
		mac.Write([]byte(d.signingInput))
		if !hmac.Equal(mac.Sum(nil), d.sig) {
			return nil, refuse(ReasonSignatureInvalid, "HS256 signature does not verify with the configured app secret")
		}
	}
	vt.claims, err = v.staticClaims(d, mode)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(sum, vt)
	}
	return vt, nil
}

// stillCurrent reports whether a cached token's key is still the key its kid
// resolves to (not revoked or replaced since).
func (v *Verifier) stillCurrent(ctx context.Context, vt *verified) bool {
	if vt.key == nil {
		return true
	}
	key, err := v.keyFor(ctx, vt.claims.KeyID, vt.claims.Mode)
	return err == nil && key.Equal(vt.key)
}

func (v *Verifier) keyFor(ctx context.Context, kid string, mode Mode) (*rsa.PublicKey, error) {
	if mode == ModeTenant {
		return v.cfg.Keys.TenantKey(ctx, kid)
	}
	return v.asap.key(ctx, kid)
}

// decoded is a JWT split and parsed, not yet trusted.
type decoded struct {
	signingInput string
	sig          []byte
	alg, typ     string
	kid          string
	hasKid       bool
	payload      map[string]any
}

var b64 = base64.RawURLEncoding.Strict()

func decode(raw string) (*decoded, error) {
	if len(raw) > MaxTokenBytes {
		return nil, refuse(ReasonMalformed, "token is %d bytes, more than the %d-byte limit", len(raw), MaxTokenBytes)
	}
	parts := strings.SplitN(raw, ".", 4)
	if len(parts) != 3 {
		return nil, refuse(ReasonMalformed, "a JWT has 3 dot-separated parts, this has %d", strings.Count(raw, ".")+1)
	}
	hdrJSON, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, refuse(ReasonMalformed, "header is not base64url: %v", err)
	}
	payloadJSON, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, refuse(ReasonMalformed, "payload is not base64url: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, refuse(ReasonMalformed, "signature is not base64url: %v", err)
	}
	if !jsonWithin(hdrJSON, MaxJSONDepth) {
		return nil, refuse(ReasonHeaderNotFound, "header nests arrays and objects more than %d levels deep", MaxJSONDepth)
	}
	if !jsonWithin(payloadJSON, MaxJSONDepth) {
		return nil, refuse(ReasonPayloadNotFound, "payload nests arrays and objects more than %d levels deep", MaxJSONDepth)
	}
	var hdr map[string]any
	if err := json.Unmarshal(hdrJSON, &hdr); err != nil || hdr == nil {
		return nil, refuse(ReasonHeaderNotFound, "header is not a JSON object")
	}
	d := &decoded{signingInput: parts[0] + "." + parts[1], sig: sig}
	if err := json.Unmarshal(payloadJSON, &d.payload); err != nil || d.payload == nil {
		return nil, refuse(ReasonPayloadNotFound, "payload is not a JSON object")
	}
	var ok bool
	if d.typ, ok = optString(hdr, "typ"); !ok {
		return nil, refuse(ReasonTypInvalid, "header typ must be the string \"JWT\"")
	}
	if d.alg, ok = optString(hdr, "alg"); !ok {
		return nil, refuse(ReasonAlgInvalid, "header alg must be a string")
	}
	if d.kid, ok = optString(hdr, "kid"); !ok {
		return nil, refuse(ReasonKidNotFound, "header kid must be a string")
	}
	_, d.hasKid = hdr["kid"]
	return d, nil
}

func (v *Verifier) checkHeader(d *decoded) error {
	if !strings.EqualFold(d.typ, "JWT") {
		if d.typ == "" {
			return refuse(ReasonTypInvalid, "header has no typ; it must be \"JWT\"")
		}
		return refuse(ReasonTypInvalid, "header typ is %s; it must be \"JWT\"", quote(d.typ))
	}
	switch d.alg {
	case "RS256":
		if v.cfg.Keys == nil && v.asap == nil {
			return refuse(ReasonAlgInvalid, "RS256 tokens are not accepted here: no tenant keys or ASAP key server are configured")
		}
		if d.kid == "" {
			return refuse(ReasonKidNotFound, "header has no kid; JaaS tokens name their API key as kid \"<tenant>/<key id>\"")
		}
	case "HS256":
		if v.cfg.AppSecret == "" {
			return refuse(ReasonAlgInvalid, "HS256 tokens are accepted only when token.app_secret is configured; sign with RS256 and a tenant API key")
		}
	case "":
		return refuse(ReasonAlgInvalid, "header has no alg; it must be RS256")
	default:
		return refuse(ReasonAlgInvalid, "alg %s is not accepted; tokens are signed RS256 (or HS256 when an app secret is configured)", quote(d.alg))
	}
	return nil
}

// resolveKey finds the public key for an RS256 token: a tenant key when the
// kid names one, else the ASAP key server's.
func (v *Verifier) resolveKey(ctx context.Context, d *decoded) (*rsa.PublicKey, Mode, error) {
	tenant, _, isTenantKid := strings.Cut(d.kid, "/")
	if isTenantKid && v.cfg.Keys != nil {
		sub, _ := d.payload["sub"].(string)
		if !strings.EqualFold(tenant, sub) {
			return nil, ModeUnknown, refuse(ReasonKidMismatch, "kid %s belongs to tenant %s but sub is %s; they must be equal", quote(d.kid), quote(tenant), quote(sub))
		}
		key, err := v.cfg.Keys.TenantKey(ctx, d.kid)
		switch {
		case err == nil:
			return key, ModeTenant, nil
		case errors.Is(err, ErrKeyRevoked):
			return nil, ModeUnknown, refuse(ReasonKeyRevoked, "API key %s was revoked; sign with a current key", quote(d.kid))
		case !errors.Is(err, ErrKeyNotFound):
			return nil, ModeUnknown, fmt.Errorf("resolve key %s: %w", quote(d.kid), err)
		case v.asap == nil:
			return nil, ModeUnknown, refuse(ReasonKidNotFound, "no API key %s is registered for tenant %s", quote(d.kid), quote(tenant))
		}
	}
	if v.asap == nil {
		return nil, ModeUnknown, refuse(ReasonKidNotFound, "kid %s is not of the form \"<tenant>/<key id>\"", quote(d.kid))
	}
	key, err := v.asap.key(ctx, d.kid)
	if err != nil {
		return nil, ModeUnknown, refuse(ReasonKidNotFound, "could not obtain the public key for kid %s from the key server: %v", quote(d.kid), err)
	}
	return key, ModeSelfHosted, nil
}

// staticClaims checks and extracts the claims that do not depend on the
// time or the room.
func (v *Verifier) staticClaims(d *decoded, mode Mode) (*Claims, error) {
	p := d.payload
	c := &Claims{Mode: mode, Algorithm: d.alg, KeyID: d.kid}
	var err error
	if c.Expires, err = timeClaim(p, "exp", true); err != nil {
		return nil, refuse(ReasonExpInvalid, "%v", err)
	}
	if c.NotBefore, err = timeClaim(p, "nbf", false); err != nil {
		return nil, refuse(ReasonNbfInvalid, "%v", err)
	}
	c.IssuedAt, _ = timeClaim(p, "iat", false)

	var ok bool
	c.Issuer, ok = p["iss"].(string)
	switch {
	case mode == ModeTenant && c.Issuer != JaaSIssuer:
		return nil, refuse(ReasonIssInvalid, "iss is %s; tokens signed with a tenant API key must have iss %q", describe(p["iss"]), JaaSIssuer)
	case mode != ModeTenant && (!ok || !accepted(v.cfg.AcceptedIssuers, c.Issuer)):
		return nil, refuse(ReasonIssInvalid, "iss is %s; accepted issuers are %q", describe(p["iss"]), v.cfg.AcceptedIssuers)
	}
	c.Audience, ok = p["aud"].(string)
	switch {
	case mode == ModeTenant && c.Audience != JaaSAudience:
		return nil, refuse(ReasonAudInvalid, "aud is %s; it must be %q", describe(p["aud"]), JaaSAudience)
	case mode != ModeTenant && (!ok || !accepted(v.cfg.AcceptedAudiences, c.Audience)):
		return nil, refuse(ReasonAudInvalid, "aud is %s; accepted audiences are %q", describe(p["aud"]), v.cfg.AcceptedAudiences)
	}
	if c.Subject, ok = p["sub"].(string); !ok || c.Subject == "" {
		return nil, refuse(ReasonSubInvalid, "sub is %s; it must name the tenant", describe(p["sub"]))
	}
	if room, present := p["room"]; present {
		if c.Room, ok = room.(string); !ok {
			return nil, refuse(ReasonRoomMismatch, "room claim is %s; it must be a string", describe(room))
		}
	}
	if err := v.contextClaims(p, c); err != nil {
		return nil, err
	}
	c.Moderator = c.Moderator || truthy(p["moderator"])
	return c, nil
}

func (v *Verifier) contextClaims(p map[string]any, c *Claims) error {
	rawCtx, present := p["context"]
	ctxObj, isObj := rawCtx.(map[string]any)
	switch {
	case !present && c.Mode == ModeTenant:
		return refuse(ReasonContextNotFound, "token has no context claim; JaaS tokens carry context.user and context.features")
	case !present:
		if id, ok := p["user_id"].(string); ok {
			c.User.ID = id
		}
		return nil
	case !isObj:
		return refuse(ReasonContextNotFound, "context claim is %s; it must be an object", describe(rawCtx))
	}
	if err := userClaims(ctxObj["user"], c); err != nil {
		return err
	}
	if g, ok := ctxObj["group"].(string); ok {
		c.Group = g
	}
	if room, ok := ctxObj["room"].(map[string]any); ok {
		c.RoomRegex = truthy(room["regex"])
	}
	return featureClaims(ctxObj["features"], c)
}

func userClaims(raw any, c *Claims) error {
	if raw == nil {
		return nil
	}
	u, ok := raw.(map[string]any)
	if !ok {
		return refuse(ReasonUserInvalid, "context.user is %s; it must be an object", describe(raw))
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &c.User.ID}, {"name", &c.User.Name}, {"avatar", &c.User.Avatar}, {"email", &c.User.Email}} {
		v, present := u[f.name]
		if !present {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return refuse(ReasonUserInvalid, "context.user.%s is %s; it must be a string", f.name, describe(v))
		}
		*f.dst = s
	}
	c.Moderator = truthy(u["moderator"])
	if aff, ok := u["affiliation"].(string); ok && slices.Contains([]string{"owner", "moderator", "teacher"}, aff) {
		c.Moderator = true
	}
	c.LobbyBypass = truthy(u["lobby_bypass"])
	c.User.HiddenFromRecorder = truthy(u["hidden-from-recorder"])
	return nil
}

func featureClaims(raw any, c *Claims) error {
	if raw == nil {
		return nil
	}
	feats, ok := raw.(map[string]any)
	if !ok {
		return refuse(ReasonFeatureInvalid, "context.features is %s; it must be an object", describe(raw))
	}
	c.Features = make(map[string]bool, len(feats))
	for _, name := range slices.Sorted(maps.Keys(feats)) {
		if !KnownFeatures[name] {
			return refuse(ReasonFeatureInvalid, "context.features has unknown feature %s; known features are %s", quote(name), strings.Join(slices.Sorted(maps.Keys(KnownFeatures)), ", "))
		}
		switch val := feats[name]; val {
		case true, "true":
			c.Features[name] = true
		case false, "false":
			c.Features[name] = false
		default:
			return refuse(ReasonFeatureValueInvalid, "context.features.%s is %s; it must be true, false, \"true\" or \"false\"", name, describe(val))
		}
	}
	return nil
}

func (v *Verifier) checkTime(c *Claims) error {
	now := v.cfg.Now()
	if !now.Before(c.Expires.Add(v.cfg.Leeway)) {
		return refuse(ReasonTokenExpired, "token expired %s ago (exp %s)", human(now.Sub(c.Expires)), c.Expires.UTC().Format(time.RFC3339))
	}
	if !c.NotBefore.IsZero() && now.Add(v.cfg.Leeway).Before(c.NotBefore) {
		return refuse(ReasonNbfFuture, "token is not valid for another %s (nbf %s)", human(c.NotBefore.Sub(now)), c.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// timeClaim reads a NumericDate claim: a positive whole number of seconds.
func timeClaim(p map[string]any, name string, required bool) (time.Time, error) {
	raw, present := p[name]
	if !present {
		if required {
			return time.Time{}, fmt.Errorf("token has no %s claim; it must be a Unix time in seconds", name)
		}
		return time.Time{}, nil
	}
	f, ok := raw.(float64)
	if !ok || f <= 0 || f != math.Trunc(f) || f > 253402300799 {
		return time.Time{}, fmt.Errorf("%s is %s; it must be a Unix time in whole seconds", name, describe(raw))
	}
	return time.Unix(int64(f), 0), nil
}

func accepted(list []string, s string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, s)
}

// truthy is Jitsi's reading of boolean claims: true or "true".
func truthy(v any) bool { return v == true || v == "true" }

// describe renders a claim value for a message, without echoing long input.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "missing"
	case string:
		return quote(x)
	case float64, bool:
		return fmt.Sprintf("%v", x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// human formats a duration the way people say it: 42s, 5m3s, 3h2m, 2d4h.
func human(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

func optString(m map[string]any, key string) (string, bool) {
	v, present := m[key]
	if !present {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// Inspect returns a token's header and payload JSON without verifying
// anything, for a debugger to show. A part is returned, compacted, only when
// it is a JSON object in UTF-8 nested at most MaxJSONDepth deep, so it is
// never longer than the token that carried it; else it is nil.
func Inspect(raw string) (header, payload json.RawMessage) {
	raw = strings.TrimSpace(raw)
	parts := strings.SplitN(raw, ".", 4)
	if len(raw) > MaxTokenBytes || len(parts) != 3 {
		return nil, nil
	}
	return inspectPart(parts[0]), inspectPart(parts[1])
}

func inspectPart(part string) json.RawMessage {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil || !utf8.Valid(b) || !jsonWithin(b, MaxJSONDepth) {
		return nil
	}
	var out bytes.Buffer
	if json.Compact(&out, b) != nil || !bytes.HasPrefix(out.Bytes(), []byte("{")) {
		return nil
	}
	return out.Bytes()
}
