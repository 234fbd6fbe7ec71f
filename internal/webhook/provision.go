package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/room"
)

var _ room.Provisioner = (*Service)(nil)

// provisioningReply is what a SETTINGS_PROVISIONING endpoint may answer
// (contracts §3.4); all fields optional.
type provisioningReply struct {
	LobbyEnabled          *bool   `json:"lobbyEnabled"`
	Passcode              *string `json:"passcode"`
	LobbyType             string  `json:"lobbyType"`
	MaxOccupants          *int    `json:"maxOccupants"`
	ParticipantsSoftLimit *int    `json:"participantsSoftLimit"`
	VisitorsEnabled       *bool   `json:"visitorsEnabled"`
	TranscriberType       string  `json:"transcriberType"`
	HideDisplayName       string  `json:"hideDisplayName"`
	// AutoRecord is Confer's, beyond JaaS: record from the first join.
	AutoRecord *bool `json:"autoRecord"`
}

// Provision implements room.Provisioner: before a tenant's room is created,
// its SETTINGS_PROVISIONING endpoint is asked for the room's settings with a
// signed POST {"fqn": …}. A slow or failing endpoint means defaults.
func (s *Service) Provision(ctx context.Context, key room.Key) (room.Settings, error) {
	if key.Tenant == "" {
		return room.Settings{}, nil
	}
	endpoints, err := s.cfg.Store.WebhookEndpoints(ctx, key.Tenant)
	if err != nil {
		return room.Settings{}, err
	}
	var errs []error
	for _, ep := range endpoints {
		if !ep.Enabled || !slices.Contains(ep.Events, "SETTINGS_PROVISIONING") {
			continue
		}
		settings, err := s.provisionFrom(ctx, ep.URL, ep.Secret, ep.Authorization, key)
		if err == nil {
			return settings, nil
		}
		errs = append(errs, err)
	}
	return room.Settings{}, errors.Join(errs...)
}

func (s *Service) provisionFrom(ctx context.Context, url, secret, auth string, key room.Key) (room.Settings, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProvisionTimeout)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"fqn": key.String()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return room.Settings{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Header(secret, s.cfg.Now(), body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return room.Settings{}, fmt.Errorf("SETTINGS_PROVISIONING %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return room.Settings{}, fmt.Errorf("SETTINGS_PROVISIONING %s: %s", url, resp.Status)
	}
	var reply provisioningReply
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&reply); err != nil && !errors.Is(err, io.EOF) {
		return room.Settings{}, fmt.Errorf("SETTINGS_PROVISIONING %s: reply is not JSON: %w", url, err)
	}
	var out room.Settings
	if reply.LobbyEnabled != nil {
		out.Lobby = *reply.LobbyEnabled
	}
	if reply.Passcode != nil {
		out.Password = *reply.Passcode
	}
	if reply.MaxOccupants != nil && *reply.MaxOccupants >= 2 && *reply.MaxOccupants <= 500 {
		out.MaxOccupants = *reply.MaxOccupants
	}
	out.AutoRecord = reply.AutoRecord != nil && *reply.AutoRecord
	out.VisitorsEnabled = reply.VisitorsEnabled != nil && *reply.VisitorsEnabled
	if reply.ParticipantsSoftLimit != nil && *reply.ParticipantsSoftLimit >= 1 && *reply.ParticipantsSoftLimit <= 500 {
		out.ParticipantsSoftLimit = *reply.ParticipantsSoftLimit
	}
	s.cfg.Logger.InfoContext(ctx, "room provisioned", "room", key.String(), "lobby", out.Lobby, "passcode", out.Password != "",
		"max_occupants", out.MaxOccupants, "took", time.Since(start).Round(time.Millisecond))
	return out, nil
}
