package test

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/webhook"
)

// TestConsolePages drives the Build, Usage and Account pages of the console
// in Chromium as a tenant's owner, then checks what a viewer is offered.
func TestConsolePages(t *testing.T) {
	rcv := newReceiver(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@pages.example", "")
	tn := owner.createTenant(t, "Pages Inc")
	viewer := newConsoleUser(s)
	viewer.signUp(t, "viewer@pages.example", owner.invite(t, tn, "viewer@pages.example", "viewer"))
	base := s.URL + "/console/t/" + tn + "/"
	apiBase := "/api/v1/tenants/" + tn

	// A meeting of two, for the Activity and Analytics pages.
	pagesMeeting(t, s, tn, "standup")
	eventually(t, 15*time.Second, "the meeting's sessions", func() bool {
		_, body := owner.do(t, "GET", apiBase+"/analytics/meetings", "")
		var out struct{ Meetings []usage.Meeting }
		json.Unmarshal(body, &out)
		return len(out.Meetings) == 1 && !out.Meetings[0].Ongoing
	})

	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	errs := watchPageErrors(t, p)
	pagesSignIn(t, p, s, "owner@pages.example", "/console/t/"+tn+"/webhooks")

	t.Run("webhooks", func(t *testing.T) {
		pagesLoaded(t, p, "webhooks")
		pollText(t, p, "#endpoints", "No endpoint yet")
		if got := eval[[]string](t, p, `[...document.querySelectorAll('#create input[name=events]')].map(i => i.value)`); !slices.Equal(got, webhook.EventTypes) {
			t.Errorf("event checkboxes %v, want webhook.EventTypes %v", got, webhook.EventTypes)
		}
		pagesType(t, p, "#create input[name=url]", rcv.URL+"/hooks")
		pagesType(t, p, "#create input[name=authorization]", "Bearer pages-token")
		p.click(t, "#create button[type=submit]")
		secret := poll[string](t, p, "the signing secret", `document.querySelector('#created .secret code')?.textContent`, 10*time.Second)
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret shown %q", secret)
		}
		pollText(t, p, "#endpoints tbody", rcv.URL+"/hooks")
		var list struct{ Webhooks []webhook.Endpoint }
		_, body := owner.do(t, "GET", apiBase+"/webhooks", "")
		if json.Unmarshal(body, &list) != nil || len(list.Webhooks) != 1 || !list.Webhooks[0].Enabled || list.Webhooks[0].Authorization != "Bearer pages-token" ||
			!slices.Equal(list.Webhooks[0].Events, []string{"PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "ROOM_CREATED", "ROOM_DESTROYED"}) {
			t.Fatalf("endpoints after create: %s", body)
		}
		id := list.Webhooks[0].ID

		// Send a test event: the receiver gets it, signed with the secret
		// shown, and the delivery log shows it delivered.
		p.click(t, "[data-manage]")
		poll[bool](t, p, "the endpoint's panel", `!document.getElementById('detail').hidden`, 5*time.Second)
		pollText(t, p, "#deliveries", "Nothing delivered yet")
		p.click(t, "#send-test")
		eventually(t, 15*time.Second, "the TEST event at the receiver", func() bool { return rcv.count("TEST") == 1 })
		got := rcv.events()[0]
		if err := webhook.Verify(got.header.Get(webhook.SignatureHeader), secret, got.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("TEST event's signature: %v", err)
		}
		if a := got.header.Get("Authorization"); a != "Bearer pages-token" {
			t.Errorf("Authorization %q", a)
		}
		poll[bool](t, p, "the delivery logged as succeeded", deliveryRows+`.some(r => r.includes('TEST') && r.includes('succeeded') && r.includes('204'))`, 15*time.Second)

		// Replay it: a second delivery of the same payload.
		p.click(t, "#deliveries tbody tr button")
		eventually(t, 15*time.Second, "the replayed TEST event", func() bool { return rcv.count("TEST") == 2 })
		poll[bool](t, p, "two deliveries logged", deliveryRows+`.filter(r => r.includes('succeeded')).length === 2`, 15*time.Second)
		if ev := rcv.events(); ev[0].env.IdempotencyKey != ev[1].env.IdempotencyKey {
			t.Errorf("replay has another idempotencyKey: %s, %s", ev[0].env.IdempotencyKey, ev[1].env.IdempotencyKey)
		}

		// Disable, edit the events, rotate the secret.
		p.click(t, "#toggle")
		pollText(t, p, "#endpoints tbody", "disabled")
		p.click(t, "#edit-box summary")
		p.click(t, `#edit [data-all="0"]`)
		p.click(t, "#edit-ev-ROOM_CREATED")
		p.click(t, "#edit button[type=submit]")
		eventually(t, 10*time.Second, "the edited endpoint", func() bool {
			var e webhook.Endpoint
			_, body := owner.do(t, "GET", apiBase+"/webhooks/"+id, "")
			json.Unmarshal(body, &e)
			return !e.Enabled && slices.Equal(e.Events, []string{"ROOM_CREATED"})
		})
		pollText(t, p, "#detail-facts", "ROOM_CREATED")
		p.click(t, "#rotate")
		p.click(t, "#confirm-ok")
		rotated := poll[string](t, p, "the new secret", `document.querySelector('#rotated .secret code')?.textContent`, 10*time.Second)
		if !strings.HasPrefix(rotated, "whsec_") || rotated == secret {
			t.Errorf("rotated secret %q (was %q)", rotated, secret)
		}

		// Delete it: the empty state is back.
		p.click(t, "#delete")
		p.click(t, "#confirm-ok")
		pollText(t, p, "#endpoints", "No endpoint yet")
		poll[bool](t, p, "the panel closed", `document.getElementById('detail').hidden`, 5*time.Second)
		errs.check(t, "webhooks")
	})

	t.Run("branding", func(t *testing.T) {
		pagesNavigate(t, p, base+"branding")
		pagesLoaded(t, p, "branding")
		pollText(t, p, ".image-slot[data-kind=logo] [data-thumb]", "No logo")
		pagesType(t, p, "#color-text", "#1a73e8")
		// The preview follows the colour before it is saved.
		poll[bool](t, p, "the preview's colour", `getComputedStyle(document.getElementById('preview')).backgroundColor === 'rgb(26, 115, 232)'`, 5*time.Second)
		pagesType(t, p, "#branding textarea[name=frame_ancestors]", "https://app.example.com\nhttps://*.example.org")
		p.click(t, "#branding button[type=submit]")
		eventually(t, 10*time.Second, "the saved colour", func() bool {
			var br api.Branding
			_, body := owner.do(t, "GET", apiBase+"/branding", "")
			json.Unmarshal(body, &br)
			return br.BackgroundColor == "#1a73e8" && slices.Equal(br.FrameAncestors, []string{"https://app.example.com", "https://*.example.org"})
		})

		logo := filepath.Join(t.TempDir(), "logo.png")
		writeTestPNG(t, logo, 96, 32)
		ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#logo-file"), []string{logo})); err != nil {
			t.Fatalf("upload the logo: %v", err)
		}
		var br api.Branding
		eventually(t, 10*time.Second, "the uploaded logo", func() bool {
			_, body := owner.do(t, "GET", apiBase+"/branding", "")
			json.Unmarshal(body, &br)
			return br.LogoURL != ""
		})
		if br.BackgroundColor != "#1a73e8" || !strings.HasPrefix(br.LogoURL, "/_confer/branding/"+tn+"/logo") {
			t.Errorf("branding after the upload: %+v", br)
		}
		// The preview shows the logo (loaded: the CSP allows it) on the colour.
		poll[bool](t, p, "the logo in the preview", `(() => { const i = document.getElementById('pv-logo');
			return !i.hidden && i.getAttribute('src') === `+jsQuote(br.LogoURL)+` && i.complete && i.naturalWidth === 96; })()`, 10*time.Second)
		poll[bool](t, p, "the logo's thumbnail", `document.querySelector('.image-slot[data-kind=logo] [data-thumb] img')?.naturalWidth === 96`, 10*time.Second)
		if bg := eval[string](t, p, `getComputedStyle(document.getElementById('preview')).backgroundColor`); bg != "rgb(26, 115, 232)" {
			t.Errorf("preview background %s", bg)
		}

		// Clear the colour (back to the default) and remove the logo.
		p.click(t, "#color-clear")
		p.click(t, "#branding button[type=submit]")
		p.click(t, ".image-slot[data-kind=logo] [data-remove]")
		p.click(t, "#confirm-ok")
		pollText(t, p, ".image-slot[data-kind=logo] [data-thumb]", "No logo")
		_, body := owner.do(t, "GET", apiBase+"/branding", "")
		br = api.Branding{}
		if json.Unmarshal(body, &br) != nil || br.LogoURL != "" || br.BackgroundColor != "" {
			t.Errorf("branding after clearing: %s", body)
		}
		errs.check(t, "branding")
	})

	t.Run("activity", func(t *testing.T) {
		pagesNavigate(t, p, base+"activity")
		pagesLoaded(t, p, "activity")
		month := time.Now().UTC().Format("2006-01")
		if v := eval[string](t, p, `document.getElementById('month').value`); v != month {
			t.Errorf("month picker on %q, want %q", v, month)
		}
		stats := poll[string](t, p, "the month's stats", `document.getElementById('stats').innerText`, 5*time.Second)
		for _, want := range []string{"Monthly active users\n2\nof 25 included", "Meetings\n1"} {
			if !strings.Contains(stats, want) {
				t.Errorf("stats %q lack %q", stats, want)
			}
		}
		poll[bool](t, p, "the chart", `(() => { const i = document.querySelector('#chart img');
			return !!i && i.complete && i.naturalWidth > 0 && i.src.includes('chart.svg?month=`+month+`'); })()`, 10*time.Second)
		// A month before the tenant existed is empty.
		prev := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
		pagesNavigate(t, p, base+"activity?month="+prev)
		pagesLoaded(t, p, "activity")
		pollText(t, p, "#usage-empty", "No activity in")
		if v := eval[string](t, p, `document.getElementById('month').value`); v != prev {
			t.Errorf("month picker on %q, want %q", v, prev)
		}
		errs.check(t, "activity")
	})

	t.Run("analytics", func(t *testing.T) {
		pagesNavigate(t, p, base+"analytics")
		pagesLoaded(t, p, "analytics")
		pollText(t, p, "#meetings tbody", "standup")
		pollText(t, p, "#failures", "No failed join")
		p.click(t, "[data-meeting]")
		poll[bool](t, p, "the meeting's participants", `document.querySelectorAll('#sessions tbody tr').length === 2`, 10*time.Second)
		sessions := eval[string](t, p, `document.getElementById('sessions').innerText`)
		for _, want := range []string{"Host", "Guest", "Go client", "left"} {
			if !strings.Contains(sessions, want) {
				t.Errorf("sessions %q lack %q", sessions, want)
			}
		}
		csv := eval[string](t, p, `fetch(document.getElementById('csv').href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`)
		if !strings.HasPrefix(csv, "meeting_id,room,") || !strings.Contains(csv, ",standup,") {
			t.Errorf("CSV download: %q", csv)
		}
		// A room filter with no match shows the empty state.
		pagesType(t, p, "#filters input[name=room]", "nowhere")
		p.click(t, "#filters button[type=submit]")
		pollText(t, p, "#meetings", "No meeting in this room")
		errs.check(t, "analytics")
	})

	t.Run("plan", func(t *testing.T) {
		s.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":50,"overage_cents":250}`)
		pagesNavigate(t, p, base+"plan")
		pagesLoaded(t, p, "plan")
		pollText(t, p, "#current", "Free")
		pollText(t, p, "#month", "of 25 included")
		p.click(t, `[data-plan="team"]`)
		p.click(t, "#confirm-ok")
		pollText(t, p, "#current", "Team")
		var st usage.PlanStatus
		_, body := owner.do(t, "GET", apiBase+"/plan", "")
		if json.Unmarshal(body, &st) != nil || st.Plan.ID != "team" || st.MAU != 2 {
			t.Errorf("plan after switching: %s", body)
		}
		if n := eval[int](t, p, `document.querySelectorAll('[data-plan]').length`); n != 1 {
			t.Errorf("%d switch buttons, want 1 (to Free)", n)
		}
		errs.check(t, "plan")
	})

	t.Run("billing", func(t *testing.T) {
		pagesNavigate(t, p, base+"billing")
		pagesLoaded(t, p, "billing")
		pollText(t, p, "#invoices", "No invoice yet")
		pagesType(t, p, "#contact input[name=email]", "accounts@pages.example")
		p.click(t, "#contact button[type=submit]")
		eventually(t, 10*time.Second, "the billing contact", func() bool {
			_, body := owner.do(t, "GET", apiBase+"/billing", "")
			return strings.Contains(string(body), `"accounts@pages.example"`)
		})
		// The page reloads the contact after saving; let it finish before the
		// next step signs out, or that request is refused (401) mid-flight.
		poll[bool](t, p, "the page's reload after saving", `!document.querySelector('#contact [type=submit]').disabled`, 5*time.Second)
		errs.check(t, "billing")
	})

	t.Run("viewer", func(t *testing.T) {
		createEndpoint := `{"url": "` + rcv.URL + `/viewer", "events": ["ROOM_CREATED"]}`
		if code, body := owner.do(t, "POST", apiBase+"/webhooks", createEndpoint); code != http.StatusCreated {
			t.Fatalf("create endpoint: %d %s", code, body)
		}
		p.click(t, "#logout")
		pagesWait(t, p, "signed out", `location.pathname === '/console/login'`)
		pagesSignIn(t, p, s, "viewer@pages.example", "/console/t/"+tn+"/webhooks")
		pagesLoaded(t, p, "webhooks")
		pollText(t, p, "#endpoints tbody", "/viewer")
		if !eval[bool](t, p, `document.getElementById('add-endpoint').hidden`) {
			t.Error("a viewer sees the form to add an endpoint")
		}
		p.click(t, "[data-manage]")
		poll[bool](t, p, "the delivery log", `!document.getElementById('detail').hidden && !!document.querySelector('#deliveries .empty')`, 5*time.Second)
		if !eval[bool](t, p, `document.getElementById('detail-actions').hidden && document.getElementById('edit-box').hidden`) {
			t.Error("a viewer sees the endpoint's actions")
		}

		pagesNavigate(t, p, base+"branding")
		pagesLoaded(t, p, "branding")
		poll[bool](t, p, "read-only branding", `document.getElementById('branding-fields').disabled &&
			document.querySelector('#branding [type=submit]').hidden && [...document.querySelectorAll('[data-drop]')].every(d => d.hidden)`, 5*time.Second)

		pagesNavigate(t, p, base+"plan")
		pagesLoaded(t, p, "plan")
		pollText(t, p, "#current", "Team")
		pollText(t, p, "#plans-note", "Only an owner")
		if n := eval[int](t, p, `document.querySelectorAll('[data-plan]').length`); n != 0 {
			t.Errorf("a viewer sees %d switch buttons", n)
		}

		pagesNavigate(t, p, base+"billing")
		pagesLoaded(t, p, "billing")
		poll[bool](t, p, "the contact, read-only", `(() => { const f = document.getElementById('contact');
			return f.elements.email.value === 'accounts@pages.example' && f.elements.email.readOnly && f.querySelector('[type=submit]').hidden; })()`, 5*time.Second)

		for _, page := range []string{"activity", "analytics"} {
			pagesNavigate(t, p, base+page)
			pagesLoaded(t, p, page)
		}
		pollText(t, p, "#meetings tbody", "standup")
		errs.check(t, "viewer's pages")
	})
}

// TestConsoleInvoices: when the month has closed, the Billing page lists the
// invoice with its total and status and links to the printable invoice.
func TestConsoleInvoices(t *testing.T) {
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@invoices.example", "")
	tn := owner.createTenant(t, "Invoices Inc")
	s.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":50,"overage_cents":250}`)
	if code, body := owner.do(t, "PUT", "/api/v1/tenants/"+tn+"/plan", `{"plan":"team"}`); code != http.StatusOK {
		t.Fatalf("set plan: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	s.Stop(ctx)
	cancel()

	// The server again, early next month: the month-close job invoices.
	start, _ := time.Parse("2006-01", time.Now().UTC().Format("2006-01"))
	later := start.AddDate(0, 1, 0).Add(90 * time.Minute)
	next := runServer(t, s.Config, func() time.Time { return later })
	var list struct{ Invoices []billing.Invoice }
	eventually(t, 20*time.Second, "the month-close job's invoice", func() bool {
		_, body := next.call(t, "GET", "/api/v1/tenants/"+tn+"/invoices", "")
		json.Unmarshal(body, &list)
		return len(list.Invoices) == 1
	})
	v := list.Invoices[0]

	b := newBrowser(t)
	p := b.open("console", next.URL+"/console/login")
	errs := watchPageErrors(t, p)
	pagesSignIn(t, p, next, "owner@invoices.example", "/console/t/"+tn+"/billing")
	pagesLoaded(t, p, "billing")
	row := poll[string](t, p, "the invoice", `document.querySelector('#invoices tbody tr')?.innerText`, 10*time.Second)
	for _, want := range []string{v.Number, "Team", "$29.00", "open"} {
		if !strings.Contains(row, want) {
			t.Errorf("invoice row %q lacks %q", row, want)
		}
	}
	printable := eval[string](t, p, `fetch(document.querySelector('#invoices tbody a').href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`)
	if !strings.Contains(printable, "Invoice "+v.Number) {
		t.Errorf("printable invoice: %.300q", printable)
	}
	if href := eval[string](t, p, `document.querySelectorAll('#invoices tbody a')[1].getAttribute('href')`); !strings.Contains(href, "download=1") {
		t.Errorf("download link %q", href)
	}
	errs.check(t, "billing")
}

// deliveryRows is JS: the delivery log's rows as text.
const deliveryRows = `[...document.querySelectorAll('#deliveries tbody tr')].map(r => r.innerText)`

// pagesMeeting has two participants meet in room of the tenant and leave.
func pagesMeeting(t *testing.T, s *testServer, tn, room string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k, err := s.Client.CreateKey(ctx, tn, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := rsakey.ParsePrivate([]byte(k.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	f := &tenantFixture{ID: tn, KID: k.KID, priv: priv}
	host, _ := s.join(ctx, t, tn+"/"+room, f.token(t, room, "Host", true), nil)
	guest, _ := s.join(ctx, t, tn+"/"+room, f.token(t, room, "Guest", false), nil)
	guest.Close()
	host.Close()
}

// pageErrors collects a tab's uncaught exceptions and logged errors.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func watchPageErrors(t *testing.T, p *page) *pageErrors {
	t.Helper()
	w := &pageErrors{}
	add := func(s string) {
		w.mu.Lock()
		w.errs = append(w.errs, s)
		w.mu.Unlock()
	}
	err := chromedp.Listen(p.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			add("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var s string
				for _, a := range ev.Args {
					s += " " + string(a.Value) + a.Description
				}
				add("console.error:" + s)
			}
		case *log.EventEntryAdded:
			// Failed loads, CSP violations; the browser's own favicon
			// request is no page's doing.
			if ev.Entry.Level == log.EntryLevelError && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
				add("log: " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// check fails the test on errors since the last check.
func (w *pageErrors) check(t *testing.T, where string) {
	t.Helper()
	w.mu.Lock()
	errs := w.errs
	w.errs = nil
	w.mu.Unlock()
	for _, e := range errs {
		t.Errorf("%s page: %s", where, e)
	}
}

// pagesSignIn signs in through the console's sign-in page and waits for
// the page it leads to.
func pagesSignIn(t *testing.T, p *page, s *testServer, email, next string) {
	t.Helper()
	pagesNavigate(t, p, s.URL+"/console/login?next="+url.QueryEscape(next))
	pagesType(t, p, "#login input[name=email]", email)
	pagesType(t, p, "#login input[name=password]", testPassword)
	p.click(t, "#login button[type=submit]")
	pagesWait(t, p, "the page after signing in", `location.pathname === `+jsQuote(next))
}

// pagesWait waits until the JS expression is true, across navigations
// (which fail a chromedp.Poll).
func pagesWait(t *testing.T, p *page, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: waiting for %s (last error %v)", p.name, what, last)
}

func pagesNavigate(t *testing.T, p *page, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("%s: open %s: %v", p.name, u, err)
	}
}

// pagesLoaded waits until the console page name has loaded its data.
func pagesLoaded(t *testing.T, p *page, name string) {
	t.Helper()
	pagesWait(t, p, name+" loaded", `document.body.dataset.page === `+jsQuote(name)+
		` && document.readyState === 'complete' && !document.querySelector('[aria-busy="true"]')`)
}

// pagesType replaces a field's value by typing, so input events fire.
func pagesType(t *testing.T, p *page, sel, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	clear := chromedp.Evaluate[bool](`(el => { el.value = ''; return true; })(document.querySelector(` + jsQuote(sel) + `))`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := clear(ctx, t); return err }),
		chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		t.Fatalf("%s: type into %s: %v", p.name, sel, err)
	}
}

// pollText waits until the element's text contains want.
func pollText(t *testing.T, p *page, sel, want string) {
	t.Helper()
	poll[bool](t, p, want+" in "+sel, `(document.querySelector(`+jsQuote(sel)+`)?.innerText || '').includes(`+jsQuote(want)+`)`, 10*time.Second)
}

func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeTestPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 255 / w), G: 120, B: 200, A: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
