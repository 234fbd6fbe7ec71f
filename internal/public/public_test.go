package public

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

var errInvalid = errors.New("invalid")

func TestError(t *testing.T) {
	for _, c := range []struct {
		name      string
		err       error
		msg, text string
		is, notIs []error
	}{
		{"plain", Errorf(errInvalid, "name must have %d to %d characters", 1, 100),
			"name must have 1 to 100 characters", "invalid: name must have 1 to 100 characters", []error{errInvalid}, []error{fs.ErrNotExist}},
		{"wrapped on its way up", fmt.Errorf("saving tenant: %w", Errorf(errInvalid, "bad colour")),
			"bad colour", "saving tenant: invalid: bad colour", []error{errInvalid}, nil},
		{"wraps a cause", Errorf(errInvalid, "logo: %w", fs.ErrNotExist),
			"logo: file does not exist", "invalid: logo: file does not exist", []error{errInvalid, fs.ErrNotExist}, nil},
		{"not public", fmt.Errorf("%w: disk full", fs.ErrClosed), "file already closed: disk full", "file already closed: disk full", nil, []error{errInvalid}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Message(c.err); got != c.msg {
				t.Errorf("Message = %q, want %q", got, c.msg)
			}
			if got := c.err.Error(); got != c.text {
				t.Errorf("Error() = %q, want %q", got, c.text)
			}
			for _, e := range c.is {
				if !errors.Is(c.err, e) {
					t.Errorf("errors.Is(%v) = false", e)
				}
			}
			for _, e := range c.notIs {
				if errors.Is(c.err, e) {
					t.Errorf("errors.Is(%v) = true", e)
				}
			}
		})
	}
}
