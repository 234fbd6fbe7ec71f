package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/tenant"
)

// registerBranding adds the branding routes; read guards what any member may
// see, write what changes the branding.
func (a *API) registerBranding(mux *http.ServeMux, read, write func(handlerFunc) http.Handler) {
	mux.Handle("GET /api/v1/tenants/{tenant}/branding", read(a.getBranding))
	mux.Handle("PUT /api/v1/tenants/{tenant}/branding", write(a.putBranding))
	mux.Handle("PUT /api/v1/tenants/{tenant}/branding/{kind}", write(a.putBrandingImage))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/branding/{kind}", write(a.deleteBrandingImage))
}

func (a *API) getBranding(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	b, err := a.cfg.Tenants.Branding(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandingJSON(b))
}

// putBranding replaces the tenant's branding with the body's fields; the
// images (logo_url, background_url) have routes of their own and are kept.
func (a *API) putBranding(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.Branding
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	b, err := a.cfg.Tenants.SetBranding(r.Context(), t.ID, tenant.Branding{InviteURL: req.InviteURL, FrameAncestors: req.FrameAncestors,
		LogoLink: req.LogoLink, BackgroundColor: req.BackgroundColor})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandingJSON(b))
}

// putBrandingImage replaces the tenant's logo or background with the
// uploaded image and answers with the branding.
func (a *API) putBrandingImage(w http.ResponseWriter, r *http.Request) error {
	t, kind, err := a.brandingImageTarget(r)
	if err != nil {
		return err
	}
	contentType, data, err := readImage(w, r)
	if err != nil {
		return err
	}
	b, err := a.cfg.Tenants.SetBrandingImage(r.Context(), t.ID, kind, contentType, data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandingJSON(b))
}

func (a *API) deleteBrandingImage(w http.ResponseWriter, r *http.Request) error {
	t, kind, err := a.brandingImageTarget(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Tenants.DeleteBrandingImage(r.Context(), t.ID, kind); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// brandingImageTarget reads the {tenant} and {kind} of an image route.
func (a *API) brandingImageTarget(r *http.Request) (tenant.Tenant, tenant.ImageKind, error) {
	kind, err := tenant.ParseImageKind(r.PathValue("kind"))
	if err != nil {
		return tenant.Tenant{}, 0, errorf(http.StatusNotFound, "not_found", "no branding image "+r.PathValue("kind")+": use .../branding/logo or .../branding/background")
	}
	t, err := a.tenant(r)
	return t, kind, err
}

// maxImageBody bounds an uploaded image (the largest, a background); a
// multipart form may add formFraming bytes of boundaries and headers.
const (
	maxImageBody = 4 << 20
	formFraming  = 64 << 10
)

// errImageTooLarge answers an upload over maxImageBody.
var errImageTooLarge = errorf(http.StatusRequestEntityTooLarge, "body_too_large",
	"the image is larger than 4 MiB; a logo may be up to 1 MiB and a background up to 4 MiB")

// readImage reads an uploaded image: the raw body (Content-Type image/png
// etc.), or the "file" field of a multipart/form-data body (an HTML form or
// a drag-and-drop upload). It returns the declared content type and bytes.
func readImage(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		data, err := readAtMost(http.MaxBytesReader(w, r.Body, maxImageBody), maxImageBody)
		return r.Header.Get("Content-Type"), data, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImageBody+formFraming)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errorf(http.StatusBadRequest, "invalid_form", "the multipart form is malformed: "+err.Error())
	}
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return "", nil, errImageTooLarge
		case errors.Is(err, io.EOF):
			return "", nil, errorf(http.StatusBadRequest, "invalid_form", `the multipart form has no "file" field; send the image as file`)
		case err != nil:
			return "", nil, errorf(http.StatusBadRequest, "invalid_form", "the multipart form is malformed: "+err.Error())
		}
		if part.FormName() == "file" {
			data, err := readAtMost(part, maxImageBody)
			return part.Header.Get("Content-Type"), data, err
		}
	}
}

// readAtMost reads r, refusing more than limit bytes with 413.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), int64(len(data)) > limit:
		return nil, errImageTooLarge
	case err != nil:
		return nil, errorf(http.StatusBadRequest, "invalid_body", "could not read the image: "+err.Error())
	case len(data) == 0:
		return nil, errorf(http.StatusBadRequest, "invalid_argument",
			`the image is empty; send its bytes as the body (Content-Type image/png, …) or as the "file" field of a multipart form`)
	}
	return data, nil
}

func brandingJSON(b tenant.Branding) api.Branding {
	out := api.Branding{InviteURL: b.InviteURL, FrameAncestors: b.FrameAncestors, LogoLink: b.LogoLink,
		BackgroundColor: b.BackgroundColor, LogoURL: b.LogoURL, BackgroundURL: b.BackgroundURL}
	if out.FrameAncestors == nil {
		out.FrameAncestors = []string{}
	}
	if !b.UpdatedAt.IsZero() {
		out.UpdatedAt = &b.UpdatedAt
	}
	return out
}
