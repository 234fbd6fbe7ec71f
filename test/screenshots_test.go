package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// screenshotDir is where screenshots go: $CONFER_SCREENSHOTS
// (./scripts/screenshots sets it to docs/screenshots), made if missing;
// without the variable the test is skipped.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CONFER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set CONFER_SCREENSHOTS=DIR (./scripts/screenshots) to write screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScreenshots writes the README's screenshots of the meeting client at
// desktop and phone sizes into $CONFER_SCREENSHOTS (./scripts/screenshots
// sets it to docs/screenshots). Without the variable it is skipped.
func TestScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	shoot := func(p *page, name string) {
		t.Helper()
		shootMeeting(t, p, dir, name)
	}
	meet := func(name, room string, moderator bool) *page {
		hash := map[string]string{"config.prejoinConfig.enabled": "false", "config.resolution": "360"}
		p := b.open(name, meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, name, moderator), hash))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		return p
	}

	pre := b.open("prejoin", meetingURL(s.URL, f.ID+"/design-review", f.token(t, "design-review", "Ada Lovelace", true), nil))
	poll[bool](t, pre, "preview", `!document.getElementById('prejoin').hidden && document.getElementById('preview').videoWidth > 0`, 15*time.Second)
	shoot(pre, "prejoin")

	ada := meet("Ada Lovelace", "design-review", true)
	grace := meet("Grace Hopper", "design-review", false)
	poll[int](t, ada, "Grace's video", remoteVideosPlaying, 30*time.Second)
	eval[bool](t, grace, `document.getElementById('tb-hand').click(); true`)
	poll[bool](t, ada, "Grace's hand", `!!document.querySelector('.tile:not(.local) .hand:not([hidden])')`, 10*time.Second)
	shoot(ada, "meeting-tile-2")

	// A poll Grace answered, its results in Ada's polls panel, and a reaction.
	ada.click(t, "#tb-polls")
	ada.click(t, "#poll-new")
	ada.click(t, "#poll-add")
	eval[bool](t, ada, `(() => {
		document.getElementById('poll-question').value = 'Which design do we ship?';
		const inputs = document.querySelectorAll('#poll-form .poll-option input');
		['A: the sidebar', 'B: the floating panel', 'C: both, behind a setting'].forEach((v, i) => { inputs[i].value = v; });
		return true;
	})()`)
	ada.click(t, "#poll-send")
	poll[bool](t, grace, "the poll", `document.querySelectorAll('#poll-list .poll-vote input').length === 3`, 10*time.Second)
	eval[bool](t, grace, `document.querySelectorAll('#poll-list .poll-vote input')[1].click(); document.querySelector('#poll-list .poll-vote button[type=submit]').click(); true`)
	poll[bool](t, ada, "Grace's answer", `[...document.querySelectorAll('#poll-list .poll-results .count')].some(c => c.textContent.startsWith('1 vote'))`, 10*time.Second)
	eval[bool](t, grace, `document.getElementById('tb-react').click(); document.querySelector('#react-menu [data-reaction="tada"]').click(); true`)
	shoot(ada, "meeting-polls")
	ada.click(t, "#tb-polls")

	// Pion participants sending the test clip make the meeting 6, then 12.
	c := clip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	names := []string{"Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Frances Allen",
		"John Backus", "Radia Perlman", "Ken Thompson", "Hedy Lamarr"}
	for i, name := range names {
		var media = c
		if i%3 == 2 {
			media = nil // some have no camera: their initial shows
		}
		cl, err := s.dial(t, f.ID+"/design-review", f.token(t, "design-review", name, false), media)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name, AudioMuted: i%2 == 1, VideoMuted: media == nil}); err != nil {
			t.Fatal(err)
		}
		if n := i + 3; n == 6 || n == 12 {
			poll[bool](t, ada, fmt.Sprintf("%d tiles", n), fmt.Sprintf(`document.querySelectorAll('.tile').length === %d`, n), 20*time.Second)
			poll[bool](t, ada, "the pion videos", fmt.Sprintf(`%s >= %d`, remoteVideosPlaying, 1+2*(n-2)/3), 30*time.Second)
			shoot(ada, fmt.Sprintf("meeting-tile-%d", n))
		}
	}

	// Pinning Grace shows speaker view with her large, the rest in the filmstrip.
	graceID := eval[string](t, grace, `window.confer.state.self.id`)
	ada.click(t, fmt.Sprintf(`.tile[data-id="%s"] .pin`, graceID))
	poll[bool](t, ada, "speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 10*time.Second)
	shoot(ada, "meeting-speaker")
	ada.click(t, fmt.Sprintf(`.tile[data-id="%s"] .pin`, graceID))

	ada.click(t, "#tb-screen")
	poll[bool](t, ada, "own screen tile", `!!document.querySelector('.tile.screen video')`, 15*time.Second)
	if eval[bool](t, ada, `!document.getElementById('meeting').classList.contains('view-stage')`) {
		eval[bool](t, ada, `document.getElementById('tb-view').click(); true`)
	}
	poll[bool](t, ada, "speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 10*time.Second)
	shoot(ada, "speaker-screenshare")

	mod := meet("Margaret Hamilton", "stand-up", true)
	mod.click(t, "#tb-settings")
	mod.click(t, "#set-lobby")
	mod.click(t, "#tb-settings")
	b.open("knocker", meetingURL(s.URL, f.ID+"/stand-up", f.token(t, "stand-up", "Katherine Johnson", false), map[string]string{"config.prejoinConfig.enabled": "false"}))
	poll[bool](t, mod, "knock dialog", `!document.getElementById('knock-dialog').hidden`, 15*time.Second)
	shoot(mod, "lobby-knock")

	expired := f.token(t, "stand-up", "Late", false, func(g *token.Grant) {
		g.NotBefore, g.Expires = time.Now().Add(-3*time.Hour), time.Now().Add(-2*time.Hour)
	})
	ref := b.open("refused", meetingURL(s.URL, f.ID+"/stand-up", expired, nil))
	poll[bool](t, ref, "refusal page", `!document.getElementById('refused').hidden`, 15*time.Second)
	shoot(ref, "refused")
}

// TestPaymentScreenshots writes the pages of subscriptions and payments
// into $CONFER_SCREENSHOTS (./scripts/screenshots): My plan mid-March with
// a prorated upgrade, a MAU pack and a downgrade scheduled for the 1st;
// Billing in April with a card on file, March's failed invoice and
// February's paid one (Stripe is stripe-mock); the operator's Plans and
// offers page. Without the variable it is skipped.
func TestPaymentScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	ps := startPayServer(t, store.DialectSQLite, stripemock.Start(t), time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC))
	for _, c := range []struct{ path, body string }{
		{"/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":25,"overage_cents":100}`},
		{"/api/v1/plans", `{"id":"business","name":"Business","price_cents":9900,"included_mau":150,"overage_cents":70}`},
		{"/api/v1/plans", `{"id":"starter","name":"Starter","price_cents":900,"included_mau":10,"overage_cents":150,"change_policy":"month_end"}`},
		{"/api/v1/plans", `{"id":"clinic-network","name":"Clinic network","price_cents":49000,"included_mau":1500,"overage_cents":30,"visibility":"private","change_policy":"month_end"}`},
		{"/api/v1/addons", `{"id":"mau-25","name":"25 more active users","kind":"mau_pack","quantity":25,"price_cents":1500}`},
		{"/api/v1/addons", `{"id":"recording","name":"Recording","kind":"recording_minutes","quantity":100,"price_cents":150}`},
		{"/api/v1/addons", `{"id":"streaming","name":"Live streaming","kind":"streaming_minutes","quantity":100,"price_cents":200}`},
		{"/api/v1/addons", `{"id":"transcription","name":"Transcription","kind":"transcription_minutes","quantity":60,"price_cents":120}`},
	} {
		if code, out := ps.call(t, "POST", c.path, c.body); code != 201 {
			t.Fatalf("POST %s: %d %s", c.path, code, out)
		}
	}
	owner := newConsoleUser(ps.testServer)
	owner.signUpNamed(t, "ada@acme-health.example", "Ada Lovelace", "")
	tn := owner.createTenant(t, "Acme Health")
	other := newConsoleUser(ps.testServer)
	other.signUpNamed(t, "linus@bolt.example", "Linus Pauling", "")
	bolt := other.createTenant(t, "Bolt Clinics")
	ps.call(t, "PUT", "/api/v1/plans/clinic-network/offers/"+bolt, "")
	base := "/api/v1/tenants/" + tn
	for _, c := range []struct{ method, path, body string }{
		{"PUT", base + "/plan", `{"plan":"team"}`},
		{"PUT", base + "/billing", `{"email":"billing@acme-health.example"}`},
		{"POST", base + "/billing/payment-method", ""},
	} {
		if code, out := owner.do(t, c.method, c.path, c.body); code/100 != 2 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, code, out)
		}
	}
	ps.event(t, "evt_shot_card", "payment_method.attached", map[string]any{"id": "pm_shot", "object": "payment_method",
		"customer": payInfo(t, ps.testServer, base).Customer, "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})

	// February closes on 1 March: charged, declined by stripe-mock, then paid.
	ps.restart(t, time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC))
	feb := ps.waitInvoice(t, base, "February's charge", func(v billing.Invoice) bool { return v.Status == billing.StatusFailed })
	ps.event(t, "evt_shot_paid", "payment_intent.succeeded", map[string]any{"id": "pi_shot", "object": "payment_intent",
		"status": "succeeded", "metadata": map[string]any{"confer_invoice": feb.ID, "confer_attempt": "1"}})

	// Mid-March the owner upgrades now, buys a pack and schedules a downgrade.
	ps.clk.Set(time.Date(2027, 3, 12, 10, 0, 0, 0, time.UTC))
	b := newBrowser(t)
	p := b.open("console", ps.URL+"/console/login")
	pagesSignIn(t, p, ps.testServer, "ada@acme-health.example", "/console/t/"+tn+"/plan")
	for _, c := range []struct{ method, path, body string }{
		{"PUT", base + "/plan", `{"plan":"business"}`},
		{"POST", base + "/addons/mau-25", ""},
		{"PUT", base + "/plan", `{"plan":"starter"}`},
	} {
		if code, out := ps.callAs(t, adminToken, c.method, c.path, c.body); code/100 != 2 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, code, out)
		}
	}
	pagesNavigate(t, p, ps.URL+"/console/t/"+tn+"/plan")
	pagesLoaded(t, p, "plan")
	pollText(t, p, "#scheduled", "Changes to Starter")
	shootPage(t, p, dir, "console-plan-subscription", false)

	// March closes on 1 April: the charge is declined and waits to be retried.
	ps.restart(t, time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
	ps.waitMonth(t, base, "2027-03", "March's charge to fail", func(v billing.Invoice) bool { return v.Status == billing.StatusFailed })
	pagesSignIn(t, p, ps.testServer, "ada@acme-health.example", "/console/t/"+tn+"/billing")
	pagesLoaded(t, p, "billing")
	pollText(t, p, "#invoices", "payment failed")
	shootPage(t, p, dir, "console-billing-payments", true)

	pagesNavigate(t, p, ps.URL+"/console/operator/plans")
	pagesType(t, p, "#token-form input[name=token]", adminToken)
	p.click(t, "#token-form button[type=submit]")
	pollText(t, p, "#plans tbody", "Bolt Clinics")
	shootPage(t, p, dir, "console-operator-plans", false)
}

// shootPage writes the whole page at desktop size (and phone size) as
// name-desktop.png (name-phone.png) once its data has loaded.
func shootPage(t *testing.T, p *page, dir, name string, phone bool) {
	t.Helper()
	poll[bool](t, p, name+" loaded", `document.readyState === 'complete' && !document.querySelector('[aria-busy="true"]')`, 15*time.Second)
	views := []struct {
		suffix string
		view   chromedp.Action[chromedp.Void]
	}{{"desktop", chromedp.EmulateViewport(1280, 900)}}
	if phone {
		views = append(views, struct {
			suffix string
			view   chromedp.Action[chromedp.Void]
		}{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)})
	}
	for _, v := range views {
		ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
		if err := chromedp.Do(ctx, v.view, chromedp.Sleep(700*time.Millisecond)); err != nil {
			cancel()
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+v.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
}

// shootMeeting writes the meeting page p at desktop and phone sizes as
// name-desktop.png and name-phone.png in dir: its tab in front, without
// toasts, focus rings or the pointer's tooltips.
func shootMeeting(t *testing.T, p *page, dir, name string) {
	t.Helper()
	// The tab in front (a background tab pauses its tile statistics),
	// without the join notices that would cover tiles.
	fctx, fcancel := context.WithTimeout(p.ctx, 10*time.Second)
	front := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.BringToFront, cdp.Empty{})
		return err
	})
	if err := chromedp.Do(fctx, front); err != nil {
		t.Fatal(err)
	}
	fcancel()
	eval[bool](t, p, `document.getElementById('toasts').replaceChildren(); document.activeElement?.blur(); true`)
	mctx, mcancel := context.WithTimeout(p.ctx, 10*time.Second)
	if err := chromedp.Do(mctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1)); err != nil {
		t.Fatal(err)
	}
	mcancel()
	for _, size := range []struct {
		suffix string
		view   chromedp.Action[chromedp.Void]
	}{
		{"desktop", chromedp.EmulateViewport(1280, 800)},
		{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)},
	} {
		ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
		if err := chromedp.Do(ctx, size.view, chromedp.Sleep(1500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800))
}
