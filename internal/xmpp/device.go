package xmpp

import (
	"context"
	"strings"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/runes"
)

// maxDeviceID bounds a client's device id, as admission does the page's.
const maxDeviceID = 64

// cleanDeviceID is a device id as a client sent it, trimmed and bounded.
func cleanDeviceID(s string) string {
	return runes.Cut(strings.TrimSpace(s), maxDeviceID)
}

// deviceID is the client's stable device id, the meeting page's deviceId
// for Jitsi clients: the machine-uid of its conference request
// (lib-jitsi-meet Settings.machineId, kept on the device), else the
// stats-id of its join presence; "" when it sent neither.
func (s *session) deviceID(join *Element) string {
	if s.machineUID != "" {
		return s.machineUID
	}
	if id := join.Child(nsClient, "stats-id"); id != nil {
		return cleanDeviceID(id.Text)
	}
	return ""
}

// deviceGrant is the grant the client joins with: the SASL one, or, when
// the client has named its device since, admission's decision for that
// device, so that the device counts for MAU and analytics as the page's
// do (the device a token may count as, the MAU cap).
func (s *session) deviceGrant(ctx context.Context, join *Element) (admission.Grant, error) {
	id := s.deviceID(join)
	if id == "" || id == s.grant.DeviceID {
		return s.grant, nil
	}
	g, err := s.admit(ctx, id)
	if err != nil {
		return admission.Grant{}, s.refused(ctx, err)
	}
	return g, nil
}
