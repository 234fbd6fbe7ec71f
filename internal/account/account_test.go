package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/tenant"
)

type fixture struct {
	svc     *account.Service
	tenants *tenant.Service
	now     time.Time
	mu      sync.Mutex
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func setup(t *testing.T, d store.Dialect, open bool) *fixture {
	t.Helper()
	st := storetest.Open(t, d)
	f := &fixture{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	var err error
	if f.tenants, err = tenant.New(tenant.Config{Store: st, KeyBits: 2048, Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	if f.svc, err = account.New(account.Config{Store: st, Tenants: f.tenants, OpenSignup: open, Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	return f
}

func forEachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

func (f *fixture) signUp(t *testing.T, email string) account.User {
	t.Helper()
	u, err := f.svc.SignUp(context.Background(), account.SignUpParams{Email: email, Password: "correct horse battery", ByOperator: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSignUpAndLogin(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, true)
		u, err := f.svc.SignUp(ctx, account.SignUpParams{Email: "  Ada@Example.COM ", Name: "Ada Lovelace", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ada@example.com" || u.Name != "Ada Lovelace" || !strings.HasPrefix(u.ID, "usr_") {
			t.Fatalf("user = %+v", u)
		}
		for _, tc := range []struct {
			name, email, password string
			want                  error
			msg                   string
		}{
			{"taken", "ADA@example.com", "another good password", account.ErrExists, "sign in instead"},
			{"short password", "bob@example.com", "short", account.ErrInvalid, "has 5 characters; use at least 10"},
			{"password is e-mail", "carol@example.com", "carol@example.com", account.ErrInvalid, "must not be your e-mail"},
			{"not an address", "bob", "correct horse battery", account.ErrInvalid, `"bob" is not an e-mail address`},
			{"display name", "Bob <bob@example.com>", "correct horse battery", account.ErrInvalid, "is not an e-mail address"},
			{"no address", " ", "correct horse battery", account.ErrInvalid, "is required"},
		} {
			_, err := f.svc.SignUp(ctx, account.SignUpParams{Email: tc.email, Password: tc.password})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: err = %v, want %v containing %q", tc.name, err, tc.want, tc.msg)
			}
		}

		if _, err := f.svc.Login(ctx, "ada@example.com", "wrong password!"); !errors.Is(err, account.ErrCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := f.svc.Login(ctx, "nobody@example.com", "correct horse battery"); !errors.Is(err, account.ErrCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		sess, err := f.svc.Login(ctx, "ADA@example.com", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Session(ctx, sess.Token)
		if err != nil || got.User.ID != u.ID || got.CSRF != sess.CSRF || got.CSRF == "" {
			t.Fatalf("session = %+v, %v", got, err)
		}
		// Sliding expiry: used after 4 days, the session lives 7 more.
		f.advance(4 * 24 * time.Hour)
		if got, err = f.svc.Session(ctx, sess.Token); err != nil || !got.ExpiresAt.Equal(f.clock().Add(7*24*time.Hour)) {
			t.Fatalf("slid session = %+v, %v", got, err)
		}
		f.advance(8 * 24 * time.Hour)
		if _, err := f.svc.Session(ctx, sess.Token); !errors.Is(err, account.ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired session: %v", err)
		}

		// A password change ends the other sessions, keeps this one.
		a, _ := f.svc.Login(ctx, "ada@example.com", "correct horse battery")
		b, _ := f.svc.Login(ctx, "ada@example.com", "correct horse battery")
		if err := f.svc.ChangePassword(ctx, u.ID, "not it at all", "a new long password", a.Hash); !errors.Is(err, account.ErrCredentials) {
			t.Fatalf("wrong current password: %v", err)
		}
		if err := f.svc.ChangePassword(ctx, u.ID, "correct horse battery", "a new long password", a.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Session(ctx, a.Token); err != nil {
			t.Fatalf("kept session: %v", err)
		}
		if _, err := f.svc.Session(ctx, b.Token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("other session: %v", err)
		}
		if _, err := f.svc.Login(ctx, "ada@example.com", "a new long password"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, a.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Session(ctx, a.Token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("after logout: %v", err)
		}
	})
}

func TestClosedSignupTakesInvitations(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, false)
		if _, err := f.svc.SignUp(ctx, account.SignUpParams{Email: "eve@example.com", Password: "correct horse battery"}); !errors.Is(err, account.ErrSignupClosed) {
			t.Fatalf("closed sign-up: %v", err)
		}
		owner := f.signUp(t, "owner@example.com")
		tn, err := f.svc.CreateTenant(ctx, owner.ID, tenant.CreateParams{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := f.svc.Invite(ctx, account.Actor{UserID: owner.ID, Role: account.Owner}, tn.ID, "Dev@Example.com", account.Developer, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SignUp(ctx, account.SignUpParams{Email: "eve@example.com", Password: "correct horse battery", Invitation: inv.Token}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("someone else's invitation: %v", err)
		}
		u, err := f.svc.SignUp(ctx, account.SignUpParams{Email: "dev@example.com", Password: "correct horse battery", Invitation: inv.Token})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.svc.Membership(ctx, tn.ID, u.ID)
		if err != nil || m.Role != account.Developer || m.TenantName != "Acme" {
			t.Fatalf("membership = %+v, %v", m, err)
		}
		if _, err := f.svc.Invitation(ctx, inv.Token); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("used invitation: %v", err)
		}
		inv2, _ := f.svc.Invite(ctx, account.Actor{Operator: true}, tn.ID, "late@example.com", account.Viewer, nil)
		f.advance(8 * 24 * time.Hour)
		if _, err := f.svc.Invitation(ctx, inv2.Token); !errors.Is(err, account.ErrExpired) || !strings.Contains(err.Error(), "ago; ask for a new one") {
			t.Fatalf("expired invitation: %v", err)
		}
	})
}

func TestRolesAndLastOwner(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, true)
		owner, admin, dev := f.signUp(t, "owner@example.com"), f.signUp(t, "admin@example.com"), f.signUp(t, "dev@example.com")
		tn, err := f.svc.CreateTenant(ctx, owner.ID, tenant.CreateParams{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		asOwner := account.Actor{UserID: owner.ID, Role: account.Owner}
		asAdmin := account.Actor{UserID: admin.ID, Role: account.Admin}
		if _, err := f.svc.AddMember(ctx, tn.ID, "admin@example.com", account.Admin); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMember(ctx, tn.ID, "dev@example.com", account.Developer); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMember(ctx, tn.ID, "dev@example.com", account.Viewer); !errors.Is(err, account.ErrExists) {
			t.Fatalf("second membership: %v", err)
		}
		for _, tc := range []struct {
			name string
			run  func() error
			want error
		}{
			{"admin makes an owner", func() error { _, err := f.svc.SetRole(ctx, asAdmin, tn.ID, dev.ID, account.Owner); return err }, account.ErrForbidden},
			{"admin demotes the owner", func() error { _, err := f.svc.SetRole(ctx, asAdmin, tn.ID, owner.ID, account.Viewer); return err }, account.ErrForbidden},
			{"admin removes the owner", func() error { return f.svc.RemoveMember(ctx, asAdmin, tn.ID, owner.ID) }, account.ErrForbidden},
			{"admin invites an owner", func() error {
				_, err := f.svc.Invite(ctx, asAdmin, tn.ID, "x@example.com", account.Owner, nil)
				return err
			}, account.ErrForbidden},
			{"owner demotes the only owner", func() error { _, err := f.svc.SetRole(ctx, asOwner, tn.ID, owner.ID, account.Admin); return err }, account.ErrLastOwner},
			{"the only owner leaves", func() error { return f.svc.RemoveMember(ctx, asOwner, tn.ID, owner.ID) }, account.ErrLastOwner},
			{"admin re-roles a developer", func() error { _, err := f.svc.SetRole(ctx, asAdmin, tn.ID, dev.ID, account.Viewer); return err }, nil},
			{"invite a member", func() error {
				_, err := f.svc.Invite(ctx, asOwner, tn.ID, "dev@example.com", account.Viewer, nil)
				return err
			}, account.ErrExists},
			{"owner makes a second owner", func() error { _, err := f.svc.SetRole(ctx, asOwner, tn.ID, admin.ID, account.Owner); return err }, nil},
			{"then the first owner leaves", func() error { return f.svc.RemoveMember(ctx, asOwner, tn.ID, owner.ID) }, nil},
			{"unknown member", func() error { return f.svc.RemoveMember(ctx, asOwner, tn.ID, "usr_nobody") }, account.ErrNotFound},
		} {
			if err := tc.run(); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
		ms, err := f.svc.Members(ctx, tn.ID)
		if err != nil || len(ms) != 2 || ms[0].Email != "admin@example.com" || ms[0].Role != account.Owner || ms[1].Role != account.Viewer {
			t.Fatalf("members = %+v, %v", ms, err)
		}
	})
}

// TestLastOwnerUnderRace: two owners demoting each other at once leave one
// owner, whichever wins.
func TestLastOwnerUnderRace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, true)
		a, b := f.signUp(t, "a@example.com"), f.signUp(t, "b@example.com")
		tn, _ := f.svc.CreateTenant(ctx, a.ID, tenant.CreateParams{Name: "Race"})
		f.svc.AddMember(ctx, tn.ID, "b@example.com", account.Owner)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]account.User{{a, b}, {b, a}} {
			wg.Go(func() {
				_, errs[i] = f.svc.SetRole(ctx, account.Actor{UserID: pair[0].ID, Role: account.Owner}, tn.ID, pair[1].ID, account.Viewer)
			})
		}
		wg.Wait()
		ms, _ := f.svc.Members(ctx, tn.ID)
		owners := 0
		for _, m := range ms {
			if m.Role == account.Owner {
				owners++
			}
		}
		if owners != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("owners = %d, errs = %v", owners, errs)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, true)
		owner, dev := f.signUp(t, "owner@example.com"), f.signUp(t, "dev@example.com")
		tn, _ := f.svc.CreateTenant(ctx, owner.ID, tenant.CreateParams{Name: "Acme"})
		f.svc.AddMember(ctx, tn.ID, "dev@example.com", account.Developer)
		if _, err := f.svc.CreateAPIToken(ctx, tn.ID, dev.ID, " "); !errors.Is(err, account.ErrInvalid) {
			t.Fatalf("blank name: %v", err)
		}
		tok, err := f.svc.CreateAPIToken(ctx, tn.ID, dev.ID, "CI deploy")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok.Token, account.TokenPrefix) || !strings.HasPrefix(tok.Token, tok.Prefix) || len(tok.Token) < 40 {
			t.Fatalf("token = %+v", tok)
		}
		got, m, err := f.svc.Authenticate(ctx, tok.Token)
		if err != nil || got.ID != tok.ID || m.Role != account.Developer || got.LastUsedAt == nil {
			t.Fatalf("authenticate = %+v %+v %v", got, m, err)
		}
		if _, _, err := f.svc.Authenticate(ctx, tok.Token+"x"); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("wrong token: %v", err)
		}
		// The token follows its user's role.
		f.svc.SetRole(ctx, account.Actor{Operator: true}, tn.ID, dev.ID, account.Viewer)
		if _, m, _ := f.svc.Authenticate(ctx, tok.Token); m.Role != account.Viewer {
			t.Fatalf("role after change = %s", m.Role)
		}
		other, _ := f.svc.CreateAPIToken(ctx, tn.ID, owner.ID, "owner's")
		if err := f.svc.RevokeAPIToken(ctx, account.Actor{UserID: dev.ID, Role: account.Viewer}, tn.ID, other.ID); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("revoking someone else's: %v", err)
		}
		if err := f.svc.RevokeAPIToken(ctx, account.Actor{UserID: dev.ID, Role: account.Viewer}, tn.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, tok.Token); !errors.Is(err, account.ErrUnauthenticated) || !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("revoked: %v", err)
		}
		// Leaving the tenant takes the member's tokens with it.
		tok2, _ := f.svc.CreateAPIToken(ctx, tn.ID, dev.ID, "second")
		if err := f.svc.RemoveMember(ctx, account.Actor{UserID: dev.ID, Role: account.Viewer}, tn.ID, dev.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, tok2.Token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("after leaving: %v", err)
		}
	})
}

func TestPermissions(t *testing.T) {
	for _, tc := range []struct {
		role account.Role
		can  []account.Permission
	}{
		{account.Owner, []account.Permission{account.Read, account.Configure, account.ManageMembers, account.ManageBilling, account.Support}},
		{account.Admin, []account.Permission{account.Read, account.Configure, account.ManageMembers, account.Support}},
		{account.Developer, []account.Permission{account.Read, account.Configure, account.Support}},
		{account.Viewer, []account.Permission{account.Read}},
		{"", nil},
	} {
		for p := account.Read; p <= account.Support; p++ {
			want := false
			for _, c := range tc.can {
				want = want || c == p
			}
			if got := tc.role.Can(p); got != want {
				t.Errorf("%q.Can(%s) = %v, want %v", tc.role, p, got, want)
			}
		}
	}
	if account.Needed(account.Configure) != account.Developer || account.Needed(account.Operate) != "" || account.Needed(account.Support) != account.Developer {
		t.Fatal("Needed")
	}
}

// A refused sign-in costs one password hash whatever the account and the
// password: timing does not tell which addresses have accounts.
func TestLoginCostsTheSameForEveryRefusal(t *testing.T) {
	f := setup(t, store.DialectSQLite, true)
	f.signUp(t, "ada@example.com")
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ name, email, password string }{
		{"known address, wrong password", "ada@example.com", "wrong password!"},
		{"unknown address", "nobody@example.com", "wrong password!"},
		{"known address, over-long password", "ada@example.com", long},
		{"unknown address, over-long password", "nobody@example.com", long},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := account.HashesComputed(f.svc)
			if _, err := f.svc.Login(context.Background(), tc.email, tc.password); !errors.Is(err, account.ErrCredentials) {
				t.Fatalf("Login = %v, want ErrCredentials", err)
			}
			if got := account.HashesComputed(f.svc) - before; got != 1 {
				t.Errorf("hashes computed = %d, want 1", got)
			}
		})
	}
}

// What one account may create is bounded: tenants it owns, its API tokens,
// a tenant's waiting invitations.
func TestCreationLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, store.DialectSQLite, true)
	u := f.signUp(t, "ada@example.com")
	var tn tenant.Tenant
	for i := range account.MaxOwnedTenants {
		var err error
		if tn, err = f.svc.CreateTenant(ctx, u.ID, tenant.CreateParams{Name: fmt.Sprintf("T%d", i)}); err != nil {
			t.Fatalf("tenant %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.CreateTenant(ctx, u.ID, tenant.CreateParams{Name: "one too many"}); !errors.Is(err, account.ErrLimit) {
		t.Errorf("tenant %d: got %v, want ErrLimit", account.MaxOwnedTenants+1, err)
	}
	for i := range account.MaxAPITokens {
		if _, err := f.svc.CreateAPIToken(ctx, tn.ID, u.ID, fmt.Sprintf("t%d", i)); err != nil {
			t.Fatalf("API token %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.CreateAPIToken(ctx, tn.ID, u.ID, "one too many"); !errors.Is(err, account.ErrLimit) {
		t.Errorf("API token %d: got %v, want ErrLimit", account.MaxAPITokens+1, err)
	}
	owner := account.Actor{UserID: u.ID, Role: account.Owner}
	for i := range account.MaxPendingInvitations {
		if _, err := f.svc.Invite(ctx, owner, tn.ID, fmt.Sprintf("p%d@example.com", i), account.Viewer, nil); err != nil {
			t.Fatalf("invitation %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.Invite(ctx, owner, tn.ID, "late@example.com", account.Viewer, nil); !errors.Is(err, account.ErrLimit) {
		t.Errorf("invitation %d: got %v, want ErrLimit", account.MaxPendingInvitations+1, err)
	}
}
