package signal

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/coder/websocket"
)

// maxConstraints bounds the tracks one video message sets sizes for.
const maxConstraints = 256

// decode reads one client message: a JSON object in a text frame (the
// connection has already bounded its size, Config.MaxMessageBytes).
func decode(typ websocket.MessageType, data []byte) (*inbound, error) {
	if typ != websocket.MessageText {
		return nil, errors.New("messages are JSON text")
	}
	var m inbound
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("message is not JSON: %w", err)
	}
	return &m, nil
}

// validate checks what an in-meeting message must carry, before it
// reaches the room or the media (which check the rest: the tracks an offer
// announces, the text of a chat message).
func (m *inbound) validate() error {
	switch m.Type {
	case "candidate":
		if m.Candidate == nil {
			return fmt.Errorf("%w: candidate missing", errBadRequest)
		}
	case "video":
		if len(m.Constraints) > maxConstraints {
			return fmt.Errorf("%w: %d constraints, at most %d", errBadRequest, len(m.Constraints), maxConstraints)
		}
	}
	return nil
}
