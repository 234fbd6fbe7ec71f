package recording

// The data of the RECORDING_* webhooks: JaaS's fields (contracts §3.3),
// plus the per-track links of this server.

func startedData(m *Manifest) map[string]any {
	return map[string]any{"recordingSessionId": m.SessionID, "initiatorId": m.InitiatorID, "mode": "file",
		"startTimestamp": m.StartedAt.UnixMilli()}
}

func endedData(m *Manifest) map[string]any {
	d := startedData(m)
	d["endTimestamp"] = m.EndedAt.UnixMilli()
	d["durationSec"] = (m.DurationMs() + 500) / 1000
	d["endReason"] = m.EndReason
	return d
}

// uploadedData is RECORDING_UPLOADED's data: the composite's
// preAuthenticatedLink, the participants and each track's own link.
func (s *Service) uploadedData(m *Manifest) map[string]any {
	d := endedData(m)
	delete(d, "endReason")
	d["share"] = true
	d["preAuthenticatedLink"] = s.Link(m.Tenant, m.SessionID, CompositeFile)
	d["manifestLink"] = s.Link(m.Tenant, m.SessionID, ManifestFile)
	names := map[string]string{}
	people := make([]map[string]any, 0, len(m.Participants))
	for _, p := range m.Participants {
		names[p.ID] = p.Name
		people = append(people, map[string]any{"participantId": p.ID, "id": p.UserID, "name": p.Name, "email": p.Email})
	}
	d["participants"] = people
	tracks := make([]map[string]any, 0, len(m.Tracks))
	for _, t := range m.Tracks {
		if t.File == "" {
			continue
		}
		tracks = append(tracks, map[string]any{"participantId": t.ParticipantID, "name": names[t.ParticipantID], "kind": t.Kind,
			"source": t.Source, "startMs": t.StartMs, "endMs": t.EndMs, "preAuthenticatedLink": s.Link(m.Tenant, m.SessionID, t.File)})
	}
	d["tracks"] = tracks
	return d
}
