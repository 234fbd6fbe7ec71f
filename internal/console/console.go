// Package console serves the Developer Console: server-rendered page shells
// (html/template) whose small ES modules read and change everything through
// the REST API with the session cookie and CSRF token, so each page shows a
// change as soon as it is made.
package console

import (
	"cmp"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/web"
)

// Config configures the console.
type Config struct {
	Accounts *account.Service
	Tenants  *tenant.Service
	// PublicURL is the server's URL as people reach it.
	PublicURL func() string
	Logger    *slog.Logger
}

// Console serves the console pages.
type Console struct {
	cfg    Config
	pages  map[string]*template.Template
	static http.Handler
}

// page is a console page: its template and where it appears.
type page struct {
	Name   string // URL segment and template name
	Title  string
	Tenant bool // under /console/t/{tenant}/
	Nav    string
}

// tenantPages are the pages of one tenant, in menu order; Nav groups them.
var tenantPages = []page{
	{"start", "Start guide", true, "Build"},
	{"keys", "API keys", true, "Build"},
	{"webhooks", "Webhooks", true, "Build"},
	{"branding", "Branding", true, "Build"},
	{"activity", "Activity", true, "Usage"},
	{"analytics", "Analytics", true, "Usage"},
	{"recordings", "Recordings", true, "Usage"},
	{"plan", "My plan", true, "Account"},
	{"billing", "Billing", true, "Account"},
	{"team", "Team", true, "Account"},
	{"tokens", "API tokens", true, "Account"},
	{"support", "Support", true, "Account"},
}

var otherPages = []page{
	{Name: "login", Title: "Sign in"},
	{Name: "signup", Title: "Create your account"},
	{Name: "invitation", Title: "Invitation"},
	{Name: "tenants", Title: "Your tenants"},
	{Name: "account", Title: "Your account"},
}

// operatorPages are under /console/operator/: the operator has no console
// account, so they take the admin token (operator.html).
var operatorPages = []page{
	{Name: "inbox", Title: "Support inbox"},
	{Name: "offers", Title: "Plans and offers"},
}

// New parses the templates.
func New(cfg Config) (*Console, error) {
	if cfg.Accounts == nil || cfg.Tenants == nil || cfg.PublicURL == nil {
		return nil, errors.New("console: Accounts, Tenants and PublicURL are required")
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	tfs, err := fs.Sub(web.Console, "console/templates")
	if err != nil {
		return nil, err
	}
	sfs, err := fs.Sub(web.Console, "console/static")
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, pages: map[string]*template.Template{}, static: http.StripPrefix("/console/static/", http.FileServerFS(sfs))}
	for _, p := range allPages() {
		layout := "layout.html"
		switch {
		case slices.Contains(operatorPages, p):
			layout = "operator.html"
		case !p.Tenant && p.Name != "tenants" && p.Name != "account":
			layout = "bare.html"
		}
		t, err := template.New(layout).Funcs(funcs).ParseFS(tfs, layout, p.Name+".html")
		if err != nil {
			return nil, err
		}
		c.pages[p.Name] = t
	}
	return c, nil
}

var funcs = template.FuncMap{
	"json": func(v any) (template.JS, error) {
		b, err := json.Marshal(v)
		return template.JS(b), err
	},
}

// Register adds the console's routes.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /console", c.home)
	mux.HandleFunc("GET /console/{$}", c.home)
	mux.HandleFunc("GET /console/static/{file...}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		c.static.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /console/login", c.public("login"))
	mux.HandleFunc("GET /console/signup", c.public("signup"))
	mux.HandleFunc("GET /console/invitations/{token}", c.public("invitation"))
	mux.HandleFunc("GET /console/tenants", c.signedIn("tenants"))
	mux.HandleFunc("GET /console/account", c.signedIn("account"))
	// The operator has no console account: the operator's pages ask for
	// the admin token and call the REST API with it.
	mux.HandleFunc("GET /console/operator/support", c.public("inbox"))
	mux.HandleFunc("GET /console/operator/plans", c.public("offers"))
	mux.HandleFunc("GET /console/t/{tenant}/{page}", c.tenantPage)
	mux.HandleFunc("GET /console/t/{tenant}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/t/"+url.PathEscape(r.PathValue("tenant"))+"/start", http.StatusSeeOther)
	})
}

// view is what a page template renders.
type view struct {
	Page       page
	Pages      []page
	User       account.User
	CSRF       string
	Tenants    []account.Member
	Tenant     account.Member
	OpenSignup bool
	PublicURL  string
	// Data goes to the page's script as JSON.
	Data map[string]any
}

// home sends people to their first tenant, the tenant list, or sign-in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	ms, err := c.cfg.Accounts.Memberships(r.Context(), s.User.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(ms) == 0 {
		http.Redirect(w, r, "/console/tenants", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/t/"+string(ms[0].Tenant)+"/start", http.StatusSeeOther)
}

// public serves a page for people not signed in.
func (c *Console) public(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := view{OpenSignup: c.cfg.Accounts.OpenSignup(), PublicURL: c.cfg.PublicURL(), Data: map[string]any{}}
		if tok := r.PathValue("token"); tok != "" {
			v.Data["token"] = tok
		}
		c.render(w, r, name, v)
	}
}

// signedIn serves a page that needs a session but no tenant.
func (c *Console) signedIn(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.base(w, r)
		if !ok {
			return
		}
		c.render(w, r, name, v)
	}
}

func (c *Console) tenantPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("page")
	v, ok := c.base(w, r)
	if !ok {
		return
	}
	for _, m := range v.Tenants {
		if string(m.Tenant) == r.PathValue("tenant") {
			v.Tenant = m
		}
	}
	if p, known := pageNamed(name); !known || !p.Tenant || v.Tenant.Tenant == "" {
		w.WriteHeader(http.StatusNotFound)
		v.Page = page{Name: "notfound", Title: "Not found"}
		c.render(w, r, "tenants", v)
		return
	}
	c.render(w, r, name, v)
}

// base loads the session and the user's tenants; without a session it
// redirects to the sign-in page and returns false.
func (c *Console) base(w http.ResponseWriter, r *http.Request) (view, bool) {
	s, ok := c.session(w, r)
	if !ok {
		return view{}, false
	}
	ms, err := c.cfg.Accounts.Memberships(r.Context(), s.User.ID)
	if err != nil {
		c.fail(w, r, err)
		return view{}, false
	}
	return view{User: s.User, CSRF: s.CSRF, Tenants: ms, OpenSignup: c.cfg.Accounts.OpenSignup(),
		PublicURL: strings.TrimRight(c.cfg.PublicURL(), "/"), Pages: tenantPages, Data: map[string]any{}}, true
}

func (c *Console) session(w http.ResponseWriter, r *http.Request) (account.Session, bool) {
	ck, err := r.Cookie(account.SessionCookie)
	if err == nil {
		s, err := c.cfg.Accounts.Session(r.Context(), ck.Value)
		if err == nil {
			return s, true
		}
		if !errors.Is(err, account.ErrUnauthenticated) {
			c.fail(w, r, err)
			return account.Session{}, false
		}
	}
	http.Redirect(w, r, "/console/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return account.Session{}, false
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, name string, v view) {
	t := c.pages[name]
	if v.Page.Name == "" {
		v.Page, _ = pageNamed(name)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "+
		"frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	if err := t.Execute(w, v); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console page", "page", name, "err", err)
	}
}

// pageNamed finds a page by name.
func pageNamed(name string) (page, bool) {
	for _, p := range allPages() {
		if p.Name == name {
			return p, true
		}
	}
	return page{Name: name}, false
}

func allPages() []page { return slices.Concat(tenantPages, otherPages, operatorPages) }

func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.cfg.Logger.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error; the server log has the details", http.StatusInternalServerError)
}
