package signal

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/admission"
)

// fuzzSeeds are valid messages of every kind and the cases of issue 15:
// unauthenticated hellos, made-up tracks by the hundred, oversized chat,
// password guesses.
func fuzzSeeds(tb testing.TB) []string {
	tracks := make([]map[string]any, 40)
	for i := range tracks {
		tracks[i] = map[string]any{"mid": strings.Repeat("m", i), "source": "camera", "height": -i}
	}
	constraints := map[string]int{}
	for i := range 300 {
		constraints[strings.Repeat("t", i%40)+string(rune('a'+i%26))] = i
	}
	msgs := []any{
		map[string]any{"type": "hello", "v": 1, "room": "open-room", "jwt": "", "deviceId": "dev-1"},
		map[string]any{"type": "hello", "v": 1, "room": "open-room", "jwt": signHS256(tb, "*", true), "deviceId": "dev-2"},
		map[string]any{"type": "hello", "v": 1, "room": "vpaas-magic-cookie-0123456789abcdef0123456789abcdef/spam-1", "jwt": "x"},
		map[string]any{"type": "hello", "v": 1, "room": "vpaas-magic-cookie-0123456789abcdef0123456789abcdef/r", "jwt": signHS256(tb, "r", false)},
		map[string]any{"type": "hello", "v": 2, "room": "r"},
		map[string]any{"type": "hello", "v": 1, "room": strings.Repeat("é", 129)},
		map[string]any{"type": "hello", "v": 1, "room": "a/b/c?#"},
		map[string]any{"type": "join", "displayName": "Ada", "password": "guess-1", "audioMuted": true},
		map[string]any{"type": "offer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "tracks": tracks},
		map[string]any{"type": "answer", "sdp": "v=0"},
		map[string]any{"type": "candidate", "pc": "pub", "candidate": nil},
		map[string]any{"type": "candidate", "pc": "sub", "candidate": map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}},
		map[string]any{"type": "video", "constraints": constraints},
		map[string]any{"type": "chat", "text": strings.Repeat("x", 4097), "to": "00000000"},
		map[string]any{"type": "moderate", "action": "password", "password": strings.Repeat("p", 129)},
		map[string]any{"type": "moderate", "action": "kick", "target": "ffffffff"},
		map[string]any{"type": "stats", "rtt": 1e308, "loss": -1, "bitrate": 0, "candidateType": "relay"},
		map[string]any{"type": "media", "screenSharing": true},
		map[string]any{"type": "leave"},
		map[string]any{"type": "ping"},
	}
	var out []string
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, string(b))
	}
	return append(out, `{"type":`, `[]`, `null`, `{"type":"hello","v":1e400}`, `{"type":"video","constraints":{"a":"b"}}`,
		`{"tracks":[`+strings.Repeat("[", 5000)+`]}`, "{\"type\":\"hello\",\"room\":\"\xff\xfe\"}")
}

// FuzzSignalMessage feeds arbitrary bytes to the signaling server as one
// client message, as far as it goes without a network: decoding, the
// in-meeting validators, and the dispatch of a session that has not said
// hello yet — hello itself included, with the real token verifier, tenant
// lookup and room-name checks. Nothing may panic; every answer queued for
// the client must be a JSON object with a type, and a close must carry a
// reason a close frame can hold.
func FuzzSignalMessage(f *testing.F) {
	srv := newTestServer(f, Config{})
	for _, seed := range fuzzSeeds(f) {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		if _, err := decode(websocket.MessageBinary, data); err == nil {
			t.Fatal("a binary message was decoded")
		}
		m, err := decode(websocket.MessageText, data)
		if err != nil {
			return
		}
		m.validate()
		admission.ParseRoom(m.Room)
		sess := newSession(srv, nil)
		sess.handle(ctx, m)
		sess.leave(ctx)
		checkAnswers(t, sess)
	})
}

// checkAnswers checks what a session queued for its client and how it
// closes.
func checkAnswers(t *testing.T, sess *session) {
	t.Helper()
	for {
		select {
		case b := <-sess.out:
			var head struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(b, &head); err != nil || head.Type == "" {
				t.Fatalf("answer %s is not a typed JSON message: %v", b, err)
			}
		default:
			if c := sess.closing; c != nil && (len(c.reason) > 123 || !utf8.ValidString(c.reason)) {
				t.Fatalf("close reason %q does not fit a close frame", c.reason)
			}
			return
		}
	}
}
