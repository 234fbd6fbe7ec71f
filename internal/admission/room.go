package admission

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/tenant"
)

// ParseRoom reads "<tenant>/<room>" or a tenant-less "<room>".
func ParseRoom(raw string) (room.Key, error) {
	tenantID, name, ok := strings.Cut(raw, "/")
	if !ok {
		tenantID, name = "", raw
	}
	if ok {
		if _, err := tenant.ParseID(tenantID); err != nil {
			return room.Key{}, fmt.Errorf("%q is not a tenant id: the meeting link is /<tenant>/<room>", runes.Cut(tenantID, 60))
		}
	}
	if err := CheckRoomName(name); err != nil {
		return room.Key{}, err
	}
	return room.NewKey(tenantID, name), nil
}

// CheckRoomName accepts 1 to 128 printable characters without / ? # or spaces.
func CheckRoomName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > 128 || !utf8.ValidString(name) {
		return fmt.Errorf("a room name has 1 to 128 characters")
	}
	if i := strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("/?#\\", r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("room name %q contains %q", runes.Cut(name, 60), r)
	}
	return nil
}
