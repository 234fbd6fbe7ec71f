package tenant

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
)

// ImageKind names one of a tenant's branding images.
type ImageKind int

const (
	// ImageUnknown is the zero ImageKind.
	ImageUnknown ImageKind = iota
	// ImageLogo is the watermark in the meeting's top-left corner.
	ImageLogo
	// ImageBackground covers the meeting's background.
	ImageBackground
)

func (k ImageKind) String() string {
	switch k {
	case ImageLogo:
		return "logo"
	case ImageBackground:
		return "background"
	default:
		return "unknown"
	}
}

// ParseImageKind reads "logo" or "background".
func ParseImageKind(s string) (ImageKind, error) {
	switch s {
	case "logo":
		return ImageLogo, nil
	case "background":
		return ImageBackground, nil
	default:
		return ImageUnknown, public.Errorf(ErrInvalid, "branding image %q must be logo or background", truncate(s))
	}
}

// MaxBytes is the largest image of the kind Confer stores.
func (k ImageKind) MaxBytes() int {
	if k == ImageBackground {
		return 4 << 20
	}
	return 1 << 20
}

// MaxImageSide bounds an image's width and height, in pixels.
const MaxImageSide = 4096

// ImageURL is where meetings load a tenant's image: the server's public
// route GET /_confer/branding/{tenant}/{kind}, with a version from the
// image's SHA-256 so that a new image is not hidden by a cached one.
func ImageURL(id ID, kind ImageKind, sha256Hex string) string {
	return "/_confer/branding/" + string(id) + "/" + kind.String() + "?v=" + sha256Hex[:min(12, len(sha256Hex))]
}

// Image is an uploaded branding image.
type Image struct {
	Kind ImageKind
	// ContentType is what the bytes are (sniffed, not what the upload said):
	// image/png, image/jpeg, image/webp or image/gif.
	ContentType string
	Data        []byte
	// ETag is the quoted hex SHA-256 of Data, for HTTP caching.
	ETag      string
	UpdatedAt time.Time
}

// SetBrandingImage validates and stores a tenant's logo or background,
// replacing the one it had, and returns the branding with its new URL.
// Only PNG, JPEG, WebP and GIF are accepted (SVG can carry script), up to
// kind.MaxBytes() and MaxImageSide pixels a side; anything else is refused
// with ErrInvalid and a message saying why. contentType is what the upload
// declared; the bytes decide, it only names what was sent in refusals.
func (s *Service) SetBrandingImage(ctx context.Context, id ID, kind ImageKind, contentType string, data []byte) (Branding, error) {
	if kind == ImageUnknown {
		return Branding{}, public.Errorf(ErrInvalid, "branding image kind must be logo or background")
	}
	sniffed, err := checkImage(kind, contentType, data)
	if err != nil {
		return Branding{}, err
	}
	sum := sha256.Sum256(data)
	err = s.cfg.Store.SetBrandingImage(ctx, store.BrandingImage{TenantID: string(id), Kind: kind.String(), ContentType: sniffed,
		Data: data, SHA256: hex.EncodeToString(sum[:]), UpdatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)})
	if errors.Is(err, store.ErrReference) {
		return Branding{}, fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Branding{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "branding image set", "tenant", id, "kind", kind, "type", sniffed, "bytes", len(data))
	return s.Branding(ctx, id)
}

// DeleteBrandingImage removes a tenant's logo or background; removing one
// the tenant does not have is not an error.
func (s *Service) DeleteBrandingImage(ctx context.Context, id ID, kind ImageKind) error {
	if kind == ImageUnknown {
		return public.Errorf(ErrInvalid, "branding image kind must be logo or background")
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return s.cfg.Store.DeleteBrandingImage(ctx, string(id), kind.String())
}

// BrandingImage returns a tenant's logo or background; ErrImageNotFound
// when it has none (or there is no such tenant).
func (s *Service) BrandingImage(ctx context.Context, id ID, kind ImageKind) (Image, error) {
	row, err := s.cfg.Store.BrandingImage(ctx, string(id), kind.String())
	if errors.Is(err, store.ErrNotFound) {
		return Image{}, fmt.Errorf("%s of tenant %s: %w", kind, id, ErrImageNotFound)
	}
	if err != nil {
		return Image{}, err
	}
	return Image{Kind: kind, ContentType: row.ContentType, Data: row.Data, ETag: `"` + row.SHA256 + `"`, UpdatedAt: row.UpdatedAt}, nil
}

// imageTypes are the formats accepted, with how to read their size.
var imageTypes = map[string]func([]byte) (image.Config, error){
	"image/png":  func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
	"image/jpeg": func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
	"image/gif":  func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
	"image/webp": webpConfig,
}

// checkImage sniffs data and returns its content type if it is an image
// Confer accepts for kind.
func checkImage(kind ImageKind, declared string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", public.Errorf(ErrInvalid, "%s is empty; upload a PNG, JPEG, WebP or GIF image", kind)
	}
	if len(data) > kind.MaxBytes() {
		return "", public.Errorf(ErrInvalid, "%s is %s; the limit is %d MiB", kind, size(len(data), kind.MaxBytes()), kind.MaxBytes()>>20)
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	decode, ok := imageTypes[sniffed]
	if !ok {
		return "", public.Errorf(ErrInvalid, "%s is %s; upload PNG, JPEG, WebP or GIF", kind, describe(sniffed, declared, data))
	}
	cfg, err := decode(data)
	if err != nil {
		return "", public.Errorf(ErrInvalid, "%s is not a valid %s image: %w", kind, strings.TrimPrefix(sniffed, "image/"), err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", public.Errorf(ErrInvalid, "%s is %dx%d pixels; the limit is %dx%d", kind, cfg.Width, cfg.Height, MaxImageSide, MaxImageSide)
	}
	return sniffed, nil
}

// describe names what a refused upload is: SVG (which sniffs as text) by
// its own type, else the sniffed type, else what the upload declared.
func describe(sniffed, declared string, data []byte) string {
	declared, _, _ = mime.ParseMediaType(declared)
	head := bytes.ToLower(data[:min(len(data), 4096)])
	if declared == "image/svg+xml" || (strings.HasPrefix(sniffed, "text/") && bytes.Contains(head, []byte("<svg"))) {
		return "image/svg+xml"
	}
	if sniffed == "application/octet-stream" && strings.HasPrefix(declared, "image/") {
		return "not a readable image (declared " + declared + ")"
	}
	return sniffed
}

// size formats n bytes, over limit, as MiB with one decimal, or in bytes
// when that would round down to the limit.
func size(n, limit int) string {
	mib := math.Round(float64(n)*10/(1<<20)) / 10
	if mib*(1<<20) <= float64(limit) {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB", mib)
}

// webpConfig reads a WebP image's size from its first chunk (VP8, VP8L or
// VP8X): https://developers.google.com/speed/webp/docs/riff_container.
func webpConfig(b []byte) (image.Config, error) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return image.Config{}, errors.New("webp: missing RIFF header")
	}
	payload := b[20:]
	var w, h int
	switch string(b[12:16]) {
	case "VP8 ": // lossy: 3-byte frame tag, start code 9d 01 2a, 14-bit sizes
		if !bytes.Equal(payload[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return image.Config{}, errors.New("webp: bad VP8 start code")
		}
		w = int(binary.LittleEndian.Uint16(payload[6:8]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(payload[8:10]) & 0x3fff)
	case "VP8L": // lossless: signature 0x2f, then 14-bit width-1 and height-1
		if payload[0] != 0x2f {
			return image.Config{}, errors.New("webp: bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(payload[1:5])
		w, h = int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1
	case "VP8X": // extended: flags, 3 reserved bytes, 24-bit width-1 and height-1
		w = int(uint32(payload[4])|uint32(payload[5])<<8|uint32(payload[6])<<16) + 1
		h = int(uint32(payload[7])|uint32(payload[8])<<8|uint32(payload[9])<<16) + 1
	default:
		return image.Config{}, fmt.Errorf("webp: unknown chunk %q", b[12:16])
	}
	return image.Config{Width: w, Height: h}, nil
}
