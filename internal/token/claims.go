package token

import "time"

// Mode says which rules a token was checked by.
type Mode int

const (
	// ModeUnknown is the zero Mode.
	ModeUnknown Mode = iota
	// ModeTenant is a JaaS token: RS256, signed with a tenant's API key named
	// by kid "<tenant>/<id>"; iss "chat", aud "jitsi", sub the tenant.
	ModeTenant
	// ModeSelfHosted is a Prosody-style token: HS256 with the deployment's
	// app secret, or RS256 with a key from the ASAP key server; iss and aud
	// from the accepted lists, sub the tenant, the domain or "*".
	ModeSelfHosted
	// ModeAnonymous is a join without a token, allowed by allow_empty_token.
	ModeAnonymous
)

var modeNames = [...]string{"unknown", "tenant", "self-hosted", "anonymous"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// User is context.user of a token.
type User struct {
	ID                 string `json:"id,omitempty"`
	Name               string `json:"name,omitempty"`
	Avatar             string `json:"avatar,omitempty"`
	Email              string `json:"email,omitempty"`
	HiddenFromRecorder bool   `json:"hidden_from_recorder,omitempty"`
}

// Claims is what a verified token grants.
type Claims struct {
	Mode      Mode
	Algorithm string
	KeyID     string
	Issuer    string
	Audience  string
	// Subject is the sub claim: the tenant for JaaS tokens.
	Subject string
	// Room is the room claim: a name, "*", or a Lua pattern when RoomRegex.
	Room      string
	RoomRegex bool
	IssuedAt  time.Time
	NotBefore time.Time
	Expires   time.Time

	User        User
	Group       string
	Moderator   bool
	LobbyBypass bool
	// Features holds context.features, each value normalised to a bool.
	Features map[string]bool
}

// Feature reports whether the token grants feature name. When the token has
// no entry for it, def applies (Jitsi's rule).
func (c *Claims) Feature(name string, def bool) bool {
	if v, ok := c.Features[name]; ok {
		return v
	}
	return def
}

// KnownFeatures lists the context.features keys a token may carry: those JaaS
// documents and those the Jitsi meeting client accepts (MEET_FEATURES).
var KnownFeatures = map[string]bool{
	"branding": true, "calendar": true, "create-polls": true, "file-upload": true, "flip": true,
	"inbound-call": true, "list-visitors": true, "livestreaming": true, "lobby": true,
	"moderation": true, "outbound-call": true, "recording": true, "room": true,
	"screen-sharing": true, "send-groupchat": true, "sip-inbound-call": true,
	"sip-outbound-call": true, "transcription": true,
}
