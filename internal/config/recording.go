package config

import "time"

// Recording configures recordings (docs/recording.md).
type Recording struct {
	// Dir holds recordings while they are made and, without S3, after;
	// default <data>/recordings.
	Dir string `yaml:"dir"`
	// Retention is how long finished recordings are kept (default 24 h,
	// as JaaS); MaxDuration stops one recording (default 6 h).
	Retention   time.Duration `yaml:"retention"`
	MaxDuration time.Duration `yaml:"max_duration"`
	// FFmpeg is the ffmpeg command (default "ffmpeg" on the PATH).
	FFmpeg string `yaml:"ffmpeg"`
	// Transcriber is the speech-to-text command that makes transcripts:
	// the program and its arguments, {wav} standing for the 16 kHz mono WAV
	// it reads; it prints the text. Empty: no transcripts.
	Transcriber []string `yaml:"transcriber"`
	// S3, when Bucket is set, keeps finished recordings in an
	// S3-compatible store; a cluster records only with it.
	S3 S3 `yaml:"s3"`
}

// S3 is an S3-compatible object store.
type S3 struct {
	Endpoint  string `yaml:"endpoint"` // host[:port]
	Bucket    string `yaml:"bucket"`
	Region    string `yaml:"region"` // default us-east-1
	Prefix    string `yaml:"prefix"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// Insecure speaks plain HTTP to the endpoint; PathStyle names the
	// bucket in the path (MinIO and most self-hosted stores).
	Insecure  bool `yaml:"insecure"`
	PathStyle bool `yaml:"path_style"`
}
