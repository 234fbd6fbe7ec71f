package tenant

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// ConsoleKeyID is the key id of the deployment's own signing key, which
// signs the short-lived tokens of the console's test meetings; every tenant
// accepts it as "<tenant>/_console". No uploaded key can take the id: key
// ids are lowercase letters and digits.
const ConsoleKeyID = "_console"

const consoleKeySetting = "console_signing_key"

// MintConsoleToken signs g for the tenant with the console key (made on
// first use and kept in the database).
func (s *Service) MintConsoleToken(ctx context.Context, id ID, g token.Grant) (string, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return "", err
	}
	key, err := s.consoleKey(ctx)
	if err != nil {
		return "", err
	}
	g.Tenant = string(id)
	return token.SignRS256(key, string(id)+"/"+ConsoleKeyID, g)
}

func (s *Service) consoleKey(ctx context.Context) (*rsa.PrivateKey, error) {
	s.consoleMu.Lock()
	defer s.consoleMu.Unlock()
	if s.console != nil {
		return s.console, nil
	}
	pem, err := s.cfg.Store.Setting(ctx, consoleKeySetting)
	if errors.Is(err, store.ErrNotFound) {
		k, err := rsakey.Generate(s.cfg.Rand, rsakey.MinBits)
		if err != nil {
			return nil, err
		}
		// Another node may have stored one meanwhile: keep whichever landed.
		if err := s.cfg.Store.InsertSetting(ctx, consoleKeySetting, string(rsakey.EncodePrivate(k))); err != nil {
			return nil, err
		}
		pem, err = s.cfg.Store.Setting(ctx, consoleKeySetting)
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	k, err := rsakey.ParsePrivate([]byte(pem))
	if err != nil {
		return nil, fmt.Errorf("tenant: stored console key: %w", err)
	}
	s.console = k
	return k, nil
}

// consoleKID says whether kid names a tenant's console key, and which tenant.
func consoleKID(kid string) (ID, bool) {
	t, ok := strings.CutSuffix(kid, "/"+ConsoleKeyID)
	if !ok {
		return "", false
	}
	id, err := ParseID(t)
	return id, err == nil
}

// consolePublic returns the console key's public half for a tenant that exists.
func (s *Service) consolePublic(ctx context.Context, id ID) (*rsa.PublicKey, error) {
	if _, err := s.Get(ctx, id); errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("kid %s/%s: %w", id, ConsoleKeyID, token.ErrKeyNotFound)
	} else if err != nil {
		return nil, err
	}
	k, err := s.consoleKey(ctx)
	if err != nil {
		return nil, err
	}
	return &k.PublicKey, nil
}
