package tenant

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// Config configures a Service.
type Config struct {
	Store *store.Store
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of ids and generated keys; default crypto/rand.
	Rand io.Reader
	// KeyBits is the size of generated keys; default 4096.
	KeyBits int
	// KeyCacheTTL is how long TenantKey trusts what it read (a key revoked
	// on another node takes at most this long to be refused here; on this
	// node it is refused at once). Default 5 s.
	KeyCacheTTL time.Duration
	Logger      *slog.Logger
}

// Service manages tenants and API keys.
type Service struct {
	cfg Config

	mu        sync.Mutex
	keyCache  map[string]cachedKey
	lastTouch map[string]time.Time

	consoleMu sync.Mutex
	console   *rsa.PrivateKey // see consoleKey
}

var _ token.KeyResolver = (*Service)(nil)

// keyCacheMax bounds the key cache; past it the cache starts over.
const keyCacheMax = 10000

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("tenant: Config.Store is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = randomReader(cfg.Rand)
	cfg.KeyBits = cmp.Or(cfg.KeyBits, rsakey.DefaultBits)
	cfg.KeyCacheTTL = cmp.Or(cfg.KeyCacheTTL, 5*time.Second)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.KeyBits < rsakey.MinBits {
		return nil, fmt.Errorf("tenant: KeyBits %d is below %d", cfg.KeyBits, rsakey.MinBits)
	}
	return &Service{cfg: cfg, keyCache: map[string]cachedKey{}, lastTouch: map[string]time.Time{}}, nil
}

// CreateParams describes a new tenant. ID is optional: set it to keep the
// AppID a customer already has with JaaS, so its tokens keep working.
type CreateParams struct {
	ID   string
	Name string
}

// Create adds a tenant.
func (s *Service) Create(ctx context.Context, p CreateParams) (Tenant, error) {
	return s.CreateWith(ctx, p, nil)
}

// CreateWith adds a tenant and runs also (when not nil) in the same
// transaction, for rows that belong with it, such as its first owner.
func (s *Service) CreateWith(ctx context.Context, p CreateParams, also func(tx *store.Tx, t Tenant) error) (Tenant, error) {
	t, err := s.newTenant(p)
	if err != nil {
		return Tenant{}, err
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateTenant(ctx, toRow(t)); err != nil {
			return mapErr(err, fmt.Sprintf("tenant %s", t.ID))
		}
		if also != nil {
			return also(tx, t)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "tenant created", "tenant", t.ID)
	return t, nil
}

// CreateWithKey adds a tenant and generates its first API key in one
// transaction, returning the private key PEM (which is not stored).
func (s *Service) CreateWithKey(ctx context.Context, p CreateParams) (Tenant, Key, []byte, error) {
	t, err := s.newTenant(p)
	if err != nil {
		return Tenant{}, Key{}, nil, err
	}
	k, priv, err := s.generate(t.ID, "")
	if err != nil {
		return Tenant{}, Key{}, nil, err
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateTenant(ctx, toRow(t)); err != nil {
			return mapErr(err, fmt.Sprintf("tenant %s", t.ID))
		}
		return mapErr(tx.CreateKey(ctx, keyRow(k)), "key "+k.KID())
	})
	if err != nil {
		return Tenant{}, Key{}, nil, err
	}
	s.cfg.Logger.InfoContext(ctx, "tenant created", "tenant", t.ID, "kid", k.KID())
	return t, k, priv, nil
}

func (s *Service) newTenant(p CreateParams) (Tenant, error) {
	name, err := checkName(p.Name)
	if err != nil {
		return Tenant{}, err
	}
	var id ID
	if p.ID != "" {
		id, err = ParseID(p.ID)
	} else {
		id, err = NewID(s.cfg.Rand)
	}
	if err != nil {
		return Tenant{}, err
	}
	return Tenant{ID: id, Name: name, CreatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)}, nil
}

// Get returns a tenant; ErrNotFound when there is none.
func (s *Service) Get(ctx context.Context, id ID) (Tenant, error) {
	row, err := s.cfg.Store.Tenant(ctx, string(id))
	if err != nil {
		return Tenant{}, mapErr(err, "tenant "+string(id))
	}
	return fromRow(row), nil
}

// List returns up to limit tenants after the cursor (a tenant id).
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Tenant, error) {
	rows, err := s.cfg.Store.ListTenants(ctx, cursor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Tenant, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// AddKeyParams is an uploaded public key, and optionally the key id to use
// (to keep a kid already in use with JaaS).
type AddKeyParams struct {
	ID           string
	PublicKeyPEM string
}

// AddKey registers an uploaded RSA public key (PKCS#1 or SPKI PEM). Private
// keys, non-RSA keys, keys under 2048 bits and malformed input are refused
// with ErrInvalid and a message saying which.
func (s *Service) AddKey(ctx context.Context, tenantID ID, p AddKeyParams) (Key, error) {
	pub, err := rsakey.ParsePublic([]byte(p.PublicKeyPEM))
	if err != nil {
		return Key{}, public.Errorf(ErrInvalid, "%w", err)
	}
	k, err := s.newKey(tenantID, p.ID, pub)
	if err != nil {
		return Key{}, err
	}
	return s.insertKey(ctx, k, p.ID == "")
}

// GenerateKey creates a key pair for the tenant, stores the public key and
// returns the private key PEM, which Confer does not keep.
func (s *Service) GenerateKey(ctx context.Context, tenantID ID, id string) (Key, []byte, error) {
	k, priv, err := s.generate(tenantID, id)
	if err != nil {
		return Key{}, nil, err
	}
	k, err = s.insertKey(ctx, k, id == "")
	if err != nil {
		return Key{}, nil, err
	}
	return k, priv, nil
}

func (s *Service) generate(tenantID ID, id string) (Key, []byte, error) {
	priv, err := rsakey.Generate(s.cfg.Rand, s.cfg.KeyBits)
	if err != nil {
		return Key{}, nil, err
	}
	k, err := s.newKey(tenantID, id, &priv.PublicKey)
	if err != nil {
		return Key{}, nil, err
	}
	return k, rsakey.EncodePrivate(priv), nil
}

func (s *Service) newKey(tenantID ID, id string, pub *rsa.PublicKey) (Key, error) {
	if id == "" {
		var err error
		if id, err = newKeyID(s.cfg.Rand); err != nil {
			return Key{}, err
		}
	} else if err := checkKeyID(id); err != nil {
		return Key{}, err
	}
	return Key{
		TenantID:     tenantID,
		ID:           id,
		PublicKeyPEM: string(rsakey.EncodePublic(pub)),
		Bits:         pub.N.BitLen(),
		Fingerprint:  rsakey.Fingerprint(pub),
		CreatedAt:    s.cfg.Now().UTC().Truncate(time.Millisecond),
	}, nil
}

// insertKey stores k; with a generated id it retries on the (rare) clash.
func (s *Service) insertKey(ctx context.Context, k Key, generatedID bool) (Key, error) {
	if err := s.roomForKey(ctx, k.TenantID); err != nil {
		return Key{}, err
	}
	for attempt := 0; ; attempt++ {
		err := s.cfg.Store.CreateKey(ctx, keyRow(k))
		if err == nil {
			s.forget(k.KID())
			s.cfg.Logger.InfoContext(ctx, "API key added", "kid", k.KID(), "bits", k.Bits, "fingerprint", k.Fingerprint)
			return k, nil
		}
		if !generatedID || !errors.Is(err, store.ErrConflict) || attempt == 5 {
			if errors.Is(err, store.ErrReference) {
				return Key{}, fmt.Errorf("tenant %s: %w", k.TenantID, ErrNotFound)
			}
			return Key{}, mapErr(err, "key "+k.KID())
		}
		if k.ID, err = newKeyID(s.cfg.Rand); err != nil {
			return Key{}, err
		}
	}
}

// roomForKey refuses a key beyond MaxActiveKeys or MaxKeys.
func (s *Service) roomForKey(ctx context.Context, tenantID ID) error {
	rows, err := s.cfg.Store.ListKeys(ctx, string(tenantID))
	if err != nil {
		return err
	}
	active := 0
	for _, r := range rows {
		if r.RevokedAt == nil {
			active++
		}
	}
	switch {
	case active >= MaxActiveKeys:
		return public.Errorf(ErrLimit, "the tenant has %d API keys in use, the most it may have; revoke one first", active)
	case len(rows) >= MaxKeys:
		return public.Errorf(ErrLimit, "the tenant has had %d API keys, the most it may have", len(rows))
	}
	return nil
}

// Keys lists a tenant's keys, revoked ones included, newest first.
func (s *Service) Keys(ctx context.Context, tenantID ID) ([]Key, error) {
	if _, err := s.Get(ctx, tenantID); err != nil {
		return nil, err
	}
	rows, err := s.cfg.Store.ListKeys(ctx, string(tenantID))
	if err != nil {
		return nil, err
	}
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = fromKeyRow(r)
	}
	return out, nil
}

// Key returns one key; ErrKeyNotFound when the tenant has no such key.
func (s *Service) Key(ctx context.Context, tenantID ID, id string) (Key, error) {
	row, err := s.cfg.Store.Key(ctx, string(tenantID), id)
	if errors.Is(err, store.ErrNotFound) {
		return Key{}, fmt.Errorf("key %s/%s: %w", tenantID, id, ErrKeyNotFound)
	}
	if err != nil {
		return Key{}, err
	}
	return fromKeyRow(row), nil
}

// RevokeKey revokes a key: tokens naming it are refused from now on with
// keyRevoked. Revoking twice is not an error.
func (s *Service) RevokeKey(ctx context.Context, tenantID ID, id string) error {
	err := s.cfg.Store.RevokeKey(ctx, string(tenantID), id, s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("key %s/%s: %w", tenantID, id, ErrKeyNotFound)
	}
	if err != nil {
		return err
	}
	kid := string(tenantID) + "/" + id
	s.forget(kid)
	s.cfg.Logger.InfoContext(ctx, "API key revoked", "kid", kid)
	return nil
}

// TenantKey implements token.KeyResolver: the public key registered under
// kid, read through a short-lived cache.
func (s *Service) TenantKey(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if id, ok := consoleKID(kid); ok {
		return s.consolePublic(ctx, id)
	}
	now := s.cfg.Now()
	s.mu.Lock()
	c, ok := s.keyCache[kid]
	s.mu.Unlock()
	if !ok || now.Sub(c.at) >= s.cfg.KeyCacheTTL {
		var err error
		if c, err = s.loadKey(ctx, kid, now); err != nil {
			return nil, err
		}
	}
	switch {
	case c.revoked:
		return nil, fmt.Errorf("kid %s: %w", kid, token.ErrKeyRevoked)
	case c.key == nil:
		return nil, fmt.Errorf("kid %s: %w", kid, token.ErrKeyNotFound)
	}
	s.touch(ctx, kid, now)
	return c.key, nil
}

func (s *Service) loadKey(ctx context.Context, kid string, now time.Time) (cachedKey, error) {
	c := cachedKey{at: now}
	tid, id, err := ParseKID(kid)
	if err != nil {
		return c, nil // malformed kids are simply not found
	}
	row, err := s.cfg.Store.Key(ctx, string(tid), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return c, err
	default:
		c.revoked = row.RevokedAt != nil
		if c.key, err = rsakey.ParsePublic([]byte(row.PublicKeyPEM)); err != nil {
			return c, fmt.Errorf("stored key %s: %w", kid, err)
		}
	}
	s.mu.Lock()
	if len(s.keyCache) >= keyCacheMax {
		clear(s.keyCache)
	}
	s.keyCache[kid] = c
	s.mu.Unlock()
	return c, nil
}

// touch records a key's last use, at most once a minute per key.
func (s *Service) touch(ctx context.Context, kid string, now time.Time) {
	s.mu.Lock()
	last := s.lastTouch[kid]
	due := now.Sub(last) >= time.Minute
	if due {
		if len(s.lastTouch) >= keyCacheMax {
			clear(s.lastTouch)
		}
		s.lastTouch[kid] = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	tid, id, _ := strings.Cut(kid, "/")
	if err := s.cfg.Store.TouchKey(ctx, tid, id, now); err != nil {
		s.cfg.Logger.WarnContext(ctx, "record key use", "kid", kid, "err", err)
	}
}

func (s *Service) forget(kid string) {
	s.mu.Lock()
	delete(s.keyCache, kid)
	s.mu.Unlock()
}

func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%s: %w", what, ErrExists)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	default:
		return err
	}
}

func toRow(t Tenant) store.Tenant {
	return store.Tenant{ID: string(t.ID), Name: t.Name, CreatedAt: t.CreatedAt}
}

func fromRow(r store.Tenant) Tenant {
	return Tenant{ID: ID(r.ID), Name: r.Name, CreatedAt: r.CreatedAt}
}

func keyRow(k Key) store.Key {
	return store.Key{TenantID: string(k.TenantID), ID: k.ID, PublicKeyPEM: k.PublicKeyPEM, Bits: k.Bits,
		Fingerprint: k.Fingerprint, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}

func fromKeyRow(r store.Key) Key {
	return Key{TenantID: ID(r.TenantID), ID: r.ID, PublicKeyPEM: r.PublicKeyPEM, Bits: r.Bits,
		Fingerprint: r.Fingerprint, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt}
}
