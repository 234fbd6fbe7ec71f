package admission

import (
	"strings"
	"unicode/utf8"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
)

// Profile is what a client says about itself when it joins; the token's
// claims take precedence where they speak.
type Profile struct {
	DisplayName string
	Email       string
	UserAgent   string
	AudioMuted  bool
	VideoMuted  bool
}

// Participant is the room.Participant the grant joins as: the token's
// user, role and features, the client's display name when the token has
// none ("Guest" when neither has), its email when the token has none.
func (g Grant) Participant(p Profile) room.Participant {
	c := g.Claims
	name := strings.TrimSpace(p.DisplayName)
	if name == "" {
		name = c.User.Name
	}
	if name == "" {
		name = "Guest"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	email := c.User.Email
	if email == "" {
		email = runes.Cut(strings.TrimSpace(p.Email), 200)
	}
	role := room.RoleParticipant
	if c.Moderator {
		role = room.RoleModerator
	}
	return room.Participant{
		UserID: c.User.ID, Name: name, Email: email, Avatar: c.User.Avatar, Group: c.Group, DeviceID: g.DeviceID, UsageKey: g.UsageKey,
		UserAgent: p.UserAgent, KeyID: c.KeyID, Role: role, Features: c.Features, HiddenFromRecorder: c.User.HiddenFromRecorder,
		AudioMuted: p.AudioMuted, VideoMuted: p.VideoMuted,
	}
}
