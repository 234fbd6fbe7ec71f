// Package admission decides who may enter a meeting, once for every front
// door: Confer's own signaling (package signal) and Jitsi's XMPP (package
// xmpp) both call Service.Admit before anything else happens, so the two
// can never disagree. It checks the room name, the token (package token),
// the tenant-room rule for anonymous guests, that the tenant exists, where
// the room lives (cluster placement) and the tenant's plan (MAU cap); a
// refusal is a *Refusal naming its reason. What happens inside the room —
// password, capacity, lobby — is room.Manager.Join's decision, equally
// shared; Grant.Participant builds its request.
package admission

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
)

// Tenants finds tenants; *tenant.Service implements it.
type Tenants interface {
	Get(ctx context.Context, id tenant.ID) (tenant.Tenant, error)
}

// Refusals records refused joins (analytics); *usage.Service implements it.
type Refusals interface {
	JoinRefused(ctx context.Context, tenant, room, reason, message, deviceID, userAgent string)
}

// Usage decides under which key a participant of a tenant's room counts as
// a monthly active user (tokenHash is the hex SHA-256 of its token), and
// may refuse the join for the tenant's plan; *usage.Service implements it.
type Usage interface {
	Admit(ctx context.Context, key room.Key, p room.Participant, tokenHash string) (usageKey string, err error)
}

// Placement says which node has a room (cluster mode); *cluster.Cluster
// implements it through the server.
type Placement interface {
	// Place returns "" when the room is this node's (claiming it if new), or
	// the signaling URL of the node that has it.
	Place(ctx context.Context, room string) (string, error)
}

// Config configures a Service.
type Config struct {
	Tokens  *token.Verifier
	Tenants Tenants
	// Placement, if set, says where each room lives.
	Placement Placement
	// Usage, if set, is asked before anyone joins a tenant's room.
	Usage Usage
	// Refusals, if set, hears of refused tokens and plan refusals.
	Refusals Refusals
	Logger   *slog.Logger
}

// Service is the admission decision.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Tokens == nil || cfg.Tenants == nil {
		return nil, ErrRequired
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	return &Service{cfg: cfg}, nil
}

// Request is a client asking to enter a room.
type Request struct {
	// Room is "<tenant>/<room>" or a tenant-less "<room>".
	Room string
	// JWT is the client's token ("" for a guest).
	JWT string
	// DeviceID is the client's stable device id (MAU), cut to 64 bytes.
	DeviceID  string
	UserAgent string
}

// Grant is an admitted client: its room, its verified claims and its MAU
// key. When Redirect is set the room lives on another node, whose
// signaling URL it is, and nothing else is set but Key.
type Grant struct {
	Key      room.Key
	Claims   *token.Claims
	DeviceID string
	UsageKey string
	Redirect string
}

// Admit decides whether req may enter its room; a refusal is a *Refusal.
func (s *Service) Admit(ctx context.Context, req Request) (Grant, error) {
	key, err := ParseRoom(req.Room)
	if err != nil {
		return Grant{}, refuse(KindInvalid, "roomInvalid", err.Error(), nil)
	}
	deviceID := runes.Cut(req.DeviceID, 64)
	claims, err := s.verify(ctx, key, req, deviceID)
	if err != nil {
		return Grant{}, err
	}
	if err := s.checkTenant(ctx, key); err != nil {
		return Grant{}, err
	}
	if p := s.cfg.Placement; p != nil {
		url, err := p.Place(ctx, key.String())
		if err != nil {
			return Grant{}, refuse(KindUnavailable, "unavailable", "no server can take this meeting right now; try again in a moment",
				fmt.Errorf("placing the room: %w", err))
		}
		if url != "" {
			return Grant{Key: key, Redirect: url}, nil
		}
	}
	g := Grant{Key: key, Claims: claims, DeviceID: deviceID}
	if g.UsageKey, err = s.usage(ctx, key, claims, req, deviceID); err != nil {
		return Grant{}, err
	}
	return g, nil
}

// verify checks the token for the room, and that a tenant's room is not
// entered without one.
func (s *Service) verify(ctx context.Context, key room.Key, req Request, deviceID string) (*token.Claims, error) {
	claims, err := s.cfg.Tokens.Verify(ctx, req.JWT, key.String())
	var te *token.Error
	switch {
	case errors.As(err, &te):
		if r := s.cfg.Refusals; r != nil && key.Tenant != "" {
			r.JoinRefused(ctx, key.Tenant, key.Name, string(te.Reason), te.Message, deviceID, req.UserAgent)
		}
		return nil, refuse(KindToken, string(te.Reason), te.Message, nil)
	case err != nil:
		return nil, refuse(KindInternal, "internal", "the server could not check the token; try again", fmt.Errorf("verify token: %w", err))
	}
	if key.Tenant != "" && claims.Mode == token.ModeAnonymous {
		return nil, refuse(KindToken, string(token.ReasonTokenMissing),
			"a token is required for the rooms of a tenant; only rooms without a tenant admit guests", nil)
	}
	return claims, nil
}

// checkTenant refuses the rooms of a tenant that does not exist.
func (s *Service) checkTenant(ctx context.Context, key room.Key) error {
	if key.Tenant == "" {
		return nil
	}
	_, err := s.cfg.Tenants.Get(ctx, tenant.ID(key.Tenant))
	switch {
	case errors.Is(err, tenant.ErrNotFound):
		return refuse(KindNotFound, "tenantNotFound", fmt.Sprintf("there is no tenant %q on this server", key.Tenant), nil)
	case err != nil:
		return refuse(KindInternal, "internal", "the server could not look up the tenant; try again", fmt.Errorf("look up tenant: %w", err))
	}
	return nil
}

// usage asks the tenant's plan; it returns the participant's MAU key.
func (s *Service) usage(ctx context.Context, key room.Key, claims *token.Claims, req Request, deviceID string) (string, error) {
	u := s.cfg.Usage
	if u == nil || key.Tenant == "" {
		return "", nil
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(req.JWT)))
	p := room.Participant{UserID: claims.User.ID, DeviceID: deviceID, UserAgent: req.UserAgent}
	usageKey, err := u.Admit(ctx, key, p, hex.EncodeToString(sum[:]))
	if err != nil {
		if r := s.cfg.Refusals; r != nil {
			r.JoinRefused(ctx, key.Tenant, key.Name, "mauLimitReached", err.Error(), deviceID, req.UserAgent)
		}
		return "", refuse(KindForbidden, "mauLimitReached", err.Error(), nil)
	}
	return usageKey, nil
}
