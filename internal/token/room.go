package token

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-video/confer/internal/public"
)

// ErrInvalidRoom means the room asked about is not "<tenant>/<room>" or a
// tenant-less "<room>".
var ErrInvalidRoom = errors.New("invalid room")

type target struct{ tenant, name string }

func parseTarget(room string) (*target, error) {
	if room == "" {
		return nil, nil
	}
	tenant, name, ok := strings.Cut(room, "/")
	if !ok {
		tenant, name = "", room // a self-hosted room without a tenant: https://DOMAIN/<room>
	}
	if len(tenant) > MaxTenantBytes {
		return nil, public.Errorf(ErrInvalidRoom, "the tenant of room %s is %d bytes, more than the %d-byte limit", quote(room), len(tenant), MaxTenantBytes)
	}
	if len(name) > MaxRoomNameBytes {
		return nil, public.Errorf(ErrInvalidRoom, "room name %s is %d bytes, more than the %d-byte limit (128 characters)", quote(name), len(name), MaxRoomNameBytes)
	}
	if (ok && tenant == "") || name == "" || strings.Contains(name, "/") {
		return nil, public.Errorf(ErrInvalidRoom, "%s is not of the form <tenant>/<room> or <room>", quote(room))
	}
	return &target{tenant: tenant, name: name}, nil
}

// checkRoom applies Prosody's verify_room with domain verification on: the
// token's tenant (sub) must own the room and its room claim must name it,
// case-insensitively; "*" names every room and, with context.room.regex, the
// claim is a Lua pattern that must match the whole name. It returns ctx's
// error when ctx ends while a pattern is being matched.
func checkRoom(ctx context.Context, c *Claims, t *target, domain string) error {
	sub := c.Subject
	switch c.Mode {
	case ModeAnonymous:
		return nil
	case ModeTenant:
		if t.tenant == "" {
			return refuse(ReasonSubInvalid, "token is for tenant %s, so it opens rooms at /%s/<room>, not the tenant-less room %s", quote(sub), clip(sub), quote(t.name))
		}
		if !strings.EqualFold(sub, t.tenant) {
			return refuse(ReasonSubInvalid, "token is for tenant %s but room %s belongs to tenant %s", quote(sub), quote(t.name), quote(t.tenant))
		}
	default:
		ok := sub == "*" || (domain != "" && strings.EqualFold(sub, domain)) || (t.tenant != "" && strings.EqualFold(sub, t.tenant))
		if !ok && t.tenant == "" {
			return refuse(ReasonSubInvalid, "token sub is %s; for a room without a tenant it must be the domain (token.domain %q) or \"*\"", quote(sub), domain)
		}
		if !ok {
			return refuse(ReasonSubInvalid, "token sub is %s; for a room of tenant %s it must be %s or \"*\"", quote(sub), quote(t.tenant), quote(t.tenant))
		}
	}
	if c.Room == "" {
		return refuse(ReasonRoomMismatch, "token has no room claim; set room to the room name or \"*\"")
	}
	if c.Room == "*" {
		return nil
	}
	if c.RoomRegex {
		return matchRoomPattern(ctx, c.Room, t.name)
	}
	claim, name := strings.ToLower(c.Room), strings.ToLower(t.name)
	switch {
	case claim == name:
		return nil
	case claim == strings.ToLower(t.tenant+"/"+t.name):
		return refuse(ReasonRoomMismatch, "room claim %s includes the tenant; set it to just %s", quote(c.Room), quote(t.name))
	default:
		return refuse(ReasonRoomMismatch, "token is for room %s, not %s", quote(c.Room), quote(t.name))
	}
}

// matchRoomPattern checks room name against a room claim that is a Lua
// pattern (context.room.regex), within MaxRoomPatternBytes and the matcher's
// step budget. Pattern and room are bounded, so messages quote them whole.
func matchRoomPattern(ctx context.Context, pattern, room string) error {
	if len(pattern) > MaxRoomPatternBytes {
		return refuse(ReasonRoomMismatch, "room pattern is %d bytes, more than the %d-byte limit for a Lua pattern", len(pattern), MaxRoomPatternBytes)
	}
	name := strings.ToLower(room)
	matched, ok, err := luaMatch(ctx, name, lowerLuaPattern(pattern))
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("match room pattern: %w", err)
	case errors.Is(err, errPatternTooComplex):
		return refuse(ReasonRoomMismatch, "room pattern %q is too complex: matching it against room %s takes more than %d steps", pattern, quote(room), luaMaxSteps)
	case err != nil:
		return refuse(ReasonRoomMismatch, "room pattern %q is not a valid Lua pattern: %v", pattern, err)
	case !ok || matched != name:
		return refuse(ReasonRoomMismatch, "room %q does not match the token's room pattern %q (a Lua pattern that must cover the whole name; write - as %%-)", room, pattern)
	}
	return nil
}
