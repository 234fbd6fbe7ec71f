package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config puts finished recordings in an S3-compatible store (AWS S3,
// MinIO, …) instead of the data directory. A recording is written and
// composited on the node that hosted the meeting, in Dir, then its files
// are uploaded under <Prefix><tenant>/<session>/ and the local copy
// removed. Links stay the server's signed links: any node serves them,
// reading the object (see storage.go's offload).
type S3Config struct {
	// Endpoint is the store's host[:port] ("s3.amazonaws.com",
	// "minio.internal:9000"); required.
	Endpoint string
	// Bucket holds the recordings; required. It is created if missing.
	Bucket string
	// Region of the bucket; default "us-east-1".
	Region string
	// Prefix is put before every object's name ("recordings/").
	Prefix string
	// AccessKey and SecretKey authenticate (empty: anonymous).
	AccessKey, SecretKey string
	// Insecure talks plain HTTP to the endpoint (a store on a private
	// network); default HTTPS.
	Insecure bool
	// PathStyle addresses the bucket in the path (MinIO, most
	// self-hosted stores) rather than the host name.
	PathStyle bool
}

// objectStore is the S3 side of recordings.
type objectStore struct {
	cfg S3Config
	c   *minio.Client
}

func newObjectStore(cfg *S3Config) (*objectStore, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("recording: S3 storage needs an endpoint and a bucket")
	}
	if strings.Contains(cfg.Endpoint, "://") {
		return nil, fmt.Errorf("recording: S3 endpoint %q: give host[:port] without a scheme (Insecure chooses HTTP)", cfg.Endpoint)
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: !cfg.Insecure, Region: region, BucketLookup: lookup})
	if err != nil {
		return nil, fmt.Errorf("recording: S3: %w", err)
	}
	cfg.Region = region
	return &objectStore{cfg: *cfg, c: c}, nil
}

// ensureBucket creates the bucket unless it exists.
func (o *objectStore) ensureBucket(ctx context.Context) error {
	ok, err := o.c.BucketExists(ctx, o.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("recording: S3 bucket %s: %w", o.cfg.Bucket, err)
	}
	if ok {
		return nil
	}
	if err := o.c.MakeBucket(ctx, o.cfg.Bucket, minio.MakeBucketOptions{Region: o.cfg.Region}); err != nil {
		return fmt.Errorf("recording: create S3 bucket %s: %w", o.cfg.Bucket, err)
	}
	return nil
}

// key is the object name of a recording's file.
func (o *objectStore) key(tenantDir, session, file string) string {
	return o.cfg.Prefix + path.Join(tenantDir, session, file)
}

// upload puts the media files of a recording's directory, or only its
// manifest (put last, once the webhook went, so that its presence says
// the rest is there and announced).
func (o *objectStore) upload(ctx context.Context, tenantDir, session, dir string, manifest bool) error {
	put := func(name string) error {
		_, err := o.c.FPutObject(ctx, o.cfg.Bucket, o.key(tenantDir, session, name), filepath.Join(dir, name),
			minio.PutObjectOptions{ContentType: contentType(name)})
		if err != nil {
			return fmt.Errorf("recording: upload %s: %w", name, err)
		}
		return nil
	}
	if manifest {
		return put(ManifestFile)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || n == ManifestFile || !validName(n) || strings.Contains(n, ".tmp") || strings.Contains(n, ".repair") {
			continue
		}
		if err := put(n); err != nil {
			return err
		}
	}
	return nil
}

// serve answers a link with the object (Range requests too).
func (o *objectStore) serve(w http.ResponseWriter, r *http.Request, tenantDir, session, file string) {
	obj, err := o.c.GetObject(r.Context(), o.cfg.Bucket, o.key(tenantDir, session, file), minio.GetObjectOptions{})
	var st minio.ObjectInfo
	if err == nil {
		st, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			http.Error(w, "recording not found: it may have been deleted after its retention period", http.StatusNotFound)
			return
		}
		http.Error(w, "recording storage unavailable: "+minio.ToErrorResponse(err).Code, http.StatusBadGateway)
		return
	}
	defer obj.Close()
	setLinkHeaders(w, file)
	http.ServeContent(w, r, file, st.LastModified, obj)
}

// readManifest reads a recording's manifest from the store.
func (o *objectStore) readManifest(ctx context.Context, tenantDir, session string) (*Manifest, error) {
	obj, err := o.c.GetObject(ctx, o.cfg.Bucket, o.key(tenantDir, session, ManifestFile), minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, err
	}
	return decodeManifest(b, session)
}

// prune deletes the recordings whose manifest is older than retention
// (it is uploaded last, after the recording ended) and returns how many.
func (o *objectStore) prune(ctx context.Context, retention time.Duration, now time.Time) (int, error) {
	old := map[string]bool{} // "<tenant>/<session>/"
	for obj := range o.c.ListObjects(ctx, o.cfg.Bucket, minio.ListObjectsOptions{Prefix: o.cfg.Prefix, Recursive: true}) {
		if obj.Err != nil {
			return 0, fmt.Errorf("recording: list S3 objects: %w", obj.Err)
		}
		if path.Base(obj.Key) == ManifestFile && now.Sub(obj.LastModified) > retention {
			old[strings.TrimSuffix(obj.Key, ManifestFile)] = true
		}
	}
	for prefix := range old {
		objs := o.c.ListObjects(ctx, o.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
		for e := range o.c.RemoveObjects(ctx, o.cfg.Bucket, objs, minio.RemoveObjectsOptions{}) {
			return 0, fmt.Errorf("recording: delete %s: %w", e.ObjectName, e.Err)
		}
	}
	return len(old), nil
}

// remove deletes every object of a recording.
func (o *objectStore) remove(ctx context.Context, tenantDir, session string) error {
	objs := o.c.ListObjects(ctx, o.cfg.Bucket, minio.ListObjectsOptions{Prefix: o.key(tenantDir, session, "") + "/", Recursive: true})
	for e := range o.c.RemoveObjects(ctx, o.cfg.Bucket, objs, minio.RemoveObjectsOptions{}) {
		return fmt.Errorf("recording: delete %s from S3: %w", e.ObjectName, e.Err)
	}
	return nil
}

// offload moves a finished recording to the object store, if there is
// one: its media files are uploaded, then announce runs (the webhook
// RECORDING_UPLOADED, whose links then work from any node), then the
// manifest is uploaded and the local directory removed. It is idempotent
// (a recovery finishes one a crash interrupted).
func (s *Service) offload(ctx context.Context, dir string, m *Manifest, announce func()) error {
	if s.objects == nil {
		announce()
		return nil
	}
	td := tenantDir(m.Tenant)
	if err := s.objects.upload(ctx, td, m.SessionID, dir, false); err != nil {
		return err
	}
	announce()
	if err := s.objects.upload(ctx, td, m.SessionID, dir, true); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("recording: remove the local copy: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "recording moved to S3", "session", m.SessionID, "bucket", s.objects.cfg.Bucket)
	return nil
}

// uploadedAlready says whether the store has the recording, announced.
func (s *Service) uploadedAlready(ctx context.Context, tenantID, session string) bool {
	if s.objects == nil {
		return false
	}
	m, err := s.objects.readManifest(ctx, tenantDir(tenantID), session)
	return err == nil && m.sent("RECORDING_UPLOADED")
}
