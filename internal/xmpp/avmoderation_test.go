package xmpp

import "testing"

// TestAVCommandOf: the av_moderation commands lib-jitsi-meet sends (an
// av_moderation element), the same as a json-message, and what is refused.
func TestAVCommandOf(t *testing.T) {
	const to = `<message xmlns="jabber:client" to="avmoderation.example.com">`
	tests := []struct {
		name, in string
		ok       bool
		want     string // "enable true|false", "approve <jid>", "reject <jid>"
	}{
		{"enable audio", to + `<av_moderation mediaType="audio" enable="true"/></message>`, true, "audio enable true"},
		{"disable video", to + `<av_moderation mediaType="video" enable="false"/></message>`, true, "video enable false"},
		{"approve", to + `<av_moderation mediaType="audio" jidToWhitelist="r@conference.example.com/abc"/></message>`, true, "audio approve r@conference.example.com/abc"},
		{"reject", to + `<av_moderation mediaType="video" jidToBlacklist="r@conference.example.com/abc"/></message>`, true, "video reject r@conference.example.com/abc"},
		{"json-message with kind", to + `<json-message xmlns="http://jitsi.org/jitmeet">{"type":"av_moderation","kind":"audio","enable":true,"room":"r@conference.example.com"}</json-message></message>`, true, "audio enable true"},
		{"json-message approval", to + `<json-message xmlns="http://jitsi.org/jitmeet">{"type":"av_moderation","mediaType":"video","jidToWhitelist":"abc"}</json-message></message>`, true, "video approve abc"},
		{"desktop", to + `<av_moderation mediaType="desktop" enable="true"/></message>`, false, ""},
		{"no media type", to + `<av_moderation enable="true"/></message>`, false, ""},
		{"no command", to + `<av_moderation mediaType="audio"/></message>`, false, ""},
		{"enable not a boolean", to + `<av_moderation mediaType="audio" enable="yes"/></message>`, false, ""},
		{"another json-message", to + `<json-message xmlns="http://jitsi.org/jitmeet">{"type":"speakerstats"}</json-message></message>`, false, ""},
		{"nothing", to + `<body>hi</body></message>`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			c, ok := avCommandOf(e)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v (%+v)", ok, tc.ok, c)
			}
			if !ok {
				return
			}
			var got string
			switch {
			case c.Enable != nil && *c.Enable:
				got = c.MediaType + " enable true"
			case c.Enable != nil:
				got = c.MediaType + " enable false"
			case c.Whitelist != "":
				got = c.MediaType + " approve " + c.Whitelist
			default:
				got = c.MediaType + " reject " + c.Blacklist
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
