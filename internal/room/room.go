// Package room keeps the state of conferences: who is in which room, their
// roles and media state, the lobby, the password, chat, and the moderator
// powers over all of it. It knows nothing of WebSockets or media: it talks
// to each participant's connection through Conn and reports what happens
// through Events, which webhooks and usage implement.
package room

import (
	"strings"
	"time"
)

// Key names a room: its tenant and its name (lower case, as Jitsi rooms).
// A self-hosted room without a tenant has Tenant "".
type Key struct {
	Tenant string
	Name   string
}

// NewKey returns the key of room name in tenant, the name lower-cased.
func NewKey(tenant, name string) Key { return Key{Tenant: tenant, Name: strings.ToLower(name)} }

// String is "<tenant>/<room>", or the room alone without a tenant.
func (k Key) String() string {
	if k.Tenant == "" {
		return k.Name
	}
	return k.Tenant + "/" + k.Name
}

// Role is a participant's role.
type Role int

const (
	// RoleUnknown is the zero Role.
	RoleUnknown Role = iota
	// RoleParticipant can speak, show video and chat.
	RoleParticipant
	// RoleModerator also mutes, removes, admits and locks.
	RoleModerator
	// RoleVisitor watches only (visitors.go).
	RoleVisitor
)

func (r Role) String() string {
	switch r {
	case RoleParticipant:
		return "participant"
	case RoleModerator:
		return "moderator"
	case RoleVisitor:
		return "visitor"
	default:
		return "unknown"
	}
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role's name (MarshalText); another name is
// RoleUnknown.
func (r *Role) UnmarshalText(b []byte) error {
	*r = RoleUnknown
	for _, role := range []Role{RoleParticipant, RoleModerator, RoleVisitor} {
		if string(b) == role.String() {
			*r = role
		}
	}
	return nil
}

// LeaveReason says why a participant left, with JaaS's disconnectReason names.
type LeaveReason string

// Leave reasons.
const (
	LeftNormally     LeaveReason = "left"
	LeftKicked       LeaveReason = "kicked"
	LeftUnknown      LeaveReason = "unknown"
	LeftError        LeaveReason = "unrecoverable_error"
	LeftMeetingEnded LeaveReason = "meeting_ended"
)

// Participant is one person in a room (or waiting in its lobby).
type Participant struct {
	// ID is the short endpoint id, 8 hex digits.
	ID       string `json:"id"`
	UserID   string `json:"userId,omitempty"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Avatar   string `json:"avatar,omitempty"`
	Group    string `json:"group,omitempty"`
	DeviceID string `json:"-"`
	// UsageKey, if set, is what the participant counts under as a monthly
	// active user (decided at admission: a token used from more devices
	// than allowed counts as its first); else its device.
	UsageKey  string `json:"-"`
	UserAgent string `json:"-"`
	KeyID     string `json:"-"`
	Role      Role   `json:"role"`
	// Features are the token's context.features.
	Features           map[string]bool `json:"features,omitempty"`
	HiddenFromRecorder bool            `json:"hiddenFromRecorder,omitempty"`
	AudioMuted         bool            `json:"audioMuted"`
	VideoMuted         bool            `json:"videoMuted"`
	ScreenSharing      bool            `json:"screenSharing"`
	HandRaised         bool            `json:"handRaised"`
	// AudioForceMuted and VideoForceMuted: audio (video) moderation is on
	// and no moderator has allowed the participant to unmute (avmoderation.go).
	AudioForceMuted bool      `json:"audioForceMuted,omitempty"`
	VideoForceMuted bool      `json:"videoForceMuted,omitempty"`
	JoinedAt        time.Time `json:"joinedAt"`
	// PromotedAt is when a webinar visitor was let in as a participant.
	PromotedAt time.Time `json:"promotedAt,omitzero"`
	// Breakout is the breakout room the participant is in; "" the main
	// room (breakout.go).
	Breakout string `json:"breakoutRoom,omitempty"`
}

// Moderator reports whether p is a moderator.
func (p *Participant) Moderator() bool { return p.Role == RoleModerator }

// Info describes a room instance (a meeting).
type Info struct {
	Key Key `json:"-"`
	// MeetingID is a UUID for this instance of the room: a room destroyed
	// and created again gets a new one.
	MeetingID   string    `json:"meetingId"`
	Name        string    `json:"name"`
	Subject     string    `json:"subject,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	Lobby       bool      `json:"lobby"`
	HasPassword bool      `json:"hasPassword"`
	// AutoRecord: the integrator's provisioning asked for the meeting to be
	// recorded from its first join.
	AutoRecord bool `json:"autoRecord,omitempty"`
	// AudioModeration and VideoModeration: a moderator turned audio
	// (video) moderation on (avmoderation.go).
	AudioModeration bool `json:"audioModeration,omitempty"`
	VideoModeration bool `json:"videoModeration,omitempty"`
	// Visitors is how many visitors watch (visitors.go).
	Visitors int `json:"visitors,omitempty"`
	// BreakoutID and BreakoutName name a breakout room, whose Info this is:
	// its MeetingID is the breakout room's own, MainMeetingID the meeting's.
	BreakoutID    string `json:"breakoutId,omitempty"`
	BreakoutName  string `json:"breakoutName,omitempty"`
	MainMeetingID string `json:"mainMeetingId,omitempty"`
}

// ChatMessage is one message of the room's chat; To is empty for everyone.
type ChatMessage struct {
	From     string    `json:"from"`
	FromName string    `json:"fromName"`
	To       string    `json:"to,omitempty"`
	Text     string    `json:"text"`
	Time     time.Time `json:"time"`
}

// MaxChatLen bounds a chat message, in bytes.
const MaxChatLen = 4096
