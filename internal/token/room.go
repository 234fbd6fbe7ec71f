package token

import (
	"errors"
	"fmt"
	"strings"
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
	if (ok && tenant == "") || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("%w: %q is not of the form <tenant>/<room> or <room>", ErrInvalidRoom, room)
	}
	return &target{tenant: tenant, name: name}, nil
}

// checkRoom applies Prosody's verify_room with domain verification on: the
// token's tenant (sub) must own the room and its room claim must name it,
// case-insensitively; "*" names every room and, with context.room.regex, the
// claim is a Lua pattern that must match the whole name.
func checkRoom(c *Claims, t *target, domain string) error {
	sub := c.Subject
	switch c.Mode {
	case ModeAnonymous:
		return nil
	case ModeTenant:
		if t.tenant == "" {
			return refuse(ReasonSubInvalid, "token is for tenant %q, so it opens rooms at /%s/<room>, not the tenant-less room %q", sub, sub, t.name)
		}
		if !strings.EqualFold(sub, t.tenant) {
			return refuse(ReasonSubInvalid, "token is for tenant %q but room %q belongs to tenant %q", sub, t.name, t.tenant)
		}
	default:
		ok := sub == "*" || (domain != "" && strings.EqualFold(sub, domain)) || (t.tenant != "" && strings.EqualFold(sub, t.tenant))
		if !ok && t.tenant == "" {
			return refuse(ReasonSubInvalid, "token sub is %q; for a room without a tenant it must be the domain (token.domain %q) or \"*\"", sub, domain)
		}
		if !ok {
			return refuse(ReasonSubInvalid, "token sub is %q; for a room of tenant %q it must be %q or \"*\"", sub, t.tenant, t.tenant)
		}
	}
	if c.Room == "" {
		return refuse(ReasonRoomMismatch, "token has no room claim; set room to the room name or \"*\"")
	}
	if c.Room == "*" {
		return nil
	}
	name := strings.ToLower(t.name)
	if c.RoomRegex {
		matched, ok, err := luaMatch(name, lowerLuaPattern(c.Room))
		if err != nil {
			return refuse(ReasonRoomMismatch, "room pattern %q is not a valid Lua pattern: %v", c.Room, err)
		}
		if !ok || matched != name {
			return refuse(ReasonRoomMismatch, "room %q does not match the token's room pattern %q (a Lua pattern that must cover the whole name; write - as %%-)", t.name, c.Room)
		}
		return nil
	}
	claim := strings.ToLower(c.Room)
	switch {
	case claim == name:
		return nil
	case claim == strings.ToLower(t.tenant+"/"+t.name):
		return refuse(ReasonRoomMismatch, "room claim %q includes the tenant; set it to just %q", c.Room, t.name)
	default:
		return refuse(ReasonRoomMismatch, "token is for room %q, not %q", c.Room, t.name)
	}
}
