package server

import (
	"cmp"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/httpapi"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/xmpp"
)

// buildRecording starts the recording service from recording.* of the
// configuration. A cluster records only into an S3-compatible store (any
// node must serve a recording's links): without one its nodes do not
// record, and say so at start.
func (s *Server) buildRecording(linkSecret []byte, reg prometheus.Registerer) error {
	rc := s.cfg.Recording
	log := s.deps.Logger
	cfg := recording.Config{Dir: cmp.Or(rc.Dir, filepath.Join(s.cfg.Data, "recordings")), Jobs: s.jobs, Webhooks: s.webhooks, Meter: s.usage, Catalog: s.store,
		Branding: s.tenants, PublicURL: s.URL, LinkSecret: derive(linkSecret, "recordings"), Retention: rc.Retention,
		MaxDuration: rc.MaxDuration, FFmpeg: rc.FFmpeg, Transcriber: rc.Transcriber, Cluster: s.cfg.Redis.URL != "",
		Now: s.deps.Now, Logger: log.With("component", "recording"), Registerer: reg}
	if b := rc.S3; b.Bucket != "" {
		cfg.S3 = &recording.S3Config{Endpoint: b.Endpoint, Bucket: b.Bucket, Region: b.Region, Prefix: b.Prefix,
			AccessKey: b.AccessKey, SecretKey: b.SecretKey, Insecure: b.Insecure, PathStyle: b.PathStyle}
	}
	if cfg.Cluster && cfg.S3 == nil {
		log.Warn("recording is off: in a cluster, recordings need recording.s3 (any node must serve their links)")
		return nil
	}
	rec, err := recording.New(cfg)
	if err != nil {
		return err
	}
	s.recording = rec
	return nil
}

var _ recording.Meter = (*usage.Service)(nil)

// recordings is the recording service for the REST API; nil when off.
func (s *Server) recordings() httpapi.Recordings {
	if s.recording == nil {
		return nil
	}
	return s.recording
}

// recorder is the recording service for the Jitsi clients; nil when off.
func (s *Server) recorder() xmpp.Recorder {
	if s.recording == nil {
		return nil
	}
	return s.recording
}
