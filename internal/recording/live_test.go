package recording

import (
	"errors"
	"testing"
)

func TestStreamURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, want string
		err       error
	}{
		{"abcd-1234-efgh", "rtmp://a.rtmp.youtube.com/live2/abcd-1234-efgh", nil},
		{" rtmp://127.0.0.1:1935/live/k ", "rtmp://127.0.0.1:1935/live/k", nil},
		{"rtmps://live.example:443/app/k", "rtmps://live.example:443/app/k", nil},
		{"", "", ErrBadStream},
		{"http://example.com/x", "", ErrBadStream},
		{"key with spaces", "", ErrBadStream},
	}
	for _, tt := range tests {
		got, err := StreamURL(tt.key)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("StreamURL(%q): got %q, %v; want %q, %v", tt.key, got, err, tt.want, tt.err)
		}
	}
}

func TestParseFrameCRC(t *testing.T) {
	t.Parallel()
	out := "#software: Lavf59\n#tb 0: 1/1000\n#media_type 0: video\n0,       1234,       1234,       33,     5000, 0x1\n0,       1267,       1267,       33,      900, 0x2\n"
	st, err := parseFrameCRC([]byte(out))
	if err != nil || st.frames != 2 || st.firstMs != 1234 || st.endMs != 1300 {
		t.Errorf("got %+v, %v; want 2 frames from 1234 to 1300 ms", st, err)
	}
	st, err = parseFrameCRC([]byte("#tb 0: 1/48000\n0, -312, -312, 960, 3, 0x1\n0, 648, 648, 960, 3, 0x1\n"))
	if err != nil || st.frames != 2 || st.firstMs != 0 || st.endMs != 33 {
		t.Errorf("Opus: got %+v, %v; want 2 frames ending at 33 ms", st, err)
	}
	if _, err := parseFrameCRC([]byte("#tb 0: 1/1000\n")); err == nil {
		t.Error("no packets: no error")
	}
}
