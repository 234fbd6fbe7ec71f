package xmpp

import (
	"strings"
	"testing"
)

// TestDeviceID: the conference request's machine-uid is the device, else
// the join presence's stats-id; both trimmed and bounded.
func TestDeviceID(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct {
		name, machineUID, presence, want string
	}{
		{"machine-uid first", "m1", `<stats-id>s1</stats-id>`, "m1"},
		{"else stats-id", "", `<stats-id> s1 </stats-id>`, "s1"},
		{"neither", "", ``, ""},
		{"bounded", "", `<stats-id>` + long + `</stats-id>`, strings.Repeat("é", maxDeviceID/2)},
	}
	for _, tc := range tests {
		e, err := Parse([]byte(`<presence xmlns="jabber:client">` + tc.presence + `</presence>`))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s := &session{machineUID: tc.machineUID}
		if got := s.deviceID(e); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := cleanDeviceID(" " + long); len(got) > maxDeviceID {
		t.Errorf("cleanDeviceID of %d bytes: got %d bytes, want at most %d", len(long), len(got), maxDeviceID)
	}
}
