package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// User is a row of users: a person who signs in to the console.
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
}

const userColumns = `id, email, name, password_hash, created_at`

// CreateUser inserts u; ErrConflict when the e-mail address is taken.
func (q queries) CreateUser(ctx context.Context, u User) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		u.ID, u.Email, u.Name, u.PasswordHash, millis(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create user: %w", classify(err))
	}
	return nil
}

// User returns the user with id; ErrNotFound when there is none.
func (q queries) User(ctx context.Context, id string) (User, error) {
	return q.userWhere(ctx, "id", id)
}

// UserByEmail returns the user with the (normalised) e-mail address.
func (q queries) UserByEmail(ctx context.Context, email string) (User, error) {
	return q.userWhere(ctx, "email", email)
}

func (q queries) userWhere(ctx context.Context, column, value string) (User, error) {
	var u User
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` = $1`, value).
		Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &created)
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", classify(err))
	}
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// SetPassword replaces a user's password hash.
func (q queries) SetPassword(ctx context.Context, userID, hash string) error {
	return q.execOne(ctx, "set password", `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
}

// Membership is a row of memberships joined with its user and tenant.
type Membership struct {
	TenantID   string
	TenantName string
	UserID     string
	Email      string
	Name       string
	Role       string
	CreatedAt  time.Time
}

// AddMembership gives a user a role in a tenant; ErrConflict when the user is
// already a member, ErrReference when the tenant or user does not exist.
func (q queries) AddMembership(ctx context.Context, m Membership) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		m.TenantID, m.UserID, m.Role, millis(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: add member: %w", classify(err))
	}
	return nil
}

const membershipSelect = `SELECT m.tenant_id, t.name, m.user_id, u.email, u.name, m.role, m.created_at
	FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id`

// Membership returns a user's membership of a tenant; ErrNotFound when the
// user is not a member.
func (q queries) Membership(ctx context.Context, tenantID, userID string) (Membership, error) {
	ms, err := q.memberships(ctx, membershipSelect+` WHERE m.tenant_id = $1 AND m.user_id = $2`, tenantID, userID)
	if err != nil {
		return Membership{}, err
	}
	if len(ms) == 0 {
		return Membership{}, fmt.Errorf("store: membership: %w", ErrNotFound)
	}
	return ms[0], nil
}

// TenantMembers returns a tenant's members, oldest first.
func (q queries) TenantMembers(ctx context.Context, tenantID string) ([]Membership, error) {
	return q.memberships(ctx, membershipSelect+` WHERE m.tenant_id = $1 ORDER BY m.created_at, u.email`, tenantID)
}

// UserMemberships returns the tenants a user belongs to, by tenant name.
func (q queries) UserMemberships(ctx context.Context, userID string) ([]Membership, error) {
	return q.memberships(ctx, membershipSelect+` WHERE m.user_id = $1 ORDER BY t.name, t.id`, userID)
}

func (q queries) memberships(ctx context.Context, query string, args ...any) ([]Membership, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		var created int64
		if err := rows.Scan(&m.TenantID, &m.TenantName, &m.UserID, &m.Email, &m.Name, &m.Role, &created); err != nil {
			return nil, fmt.Errorf("store: memberships: %w", err)
		}
		m.CreatedAt = fromMillis(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetRole changes a member's role; ErrNotFound when not a member.
func (q queries) SetRole(ctx context.Context, tenantID, userID, role string) error {
	return q.execOne(ctx, "set role", `UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID, role)
}

// RemoveMembership removes a member and the API tokens they made for the
// tenant; ErrNotFound when not a member.
func (q queries) RemoveMembership(ctx context.Context, tenantID, userID string) error {
	if err := q.execOne(ctx, "remove member", `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID); err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID); err != nil {
		return fmt.Errorf("store: remove member's tokens: %w", err)
	}
	return nil
}

// CountOwners counts a tenant's members with the owner role.
func (q queries) CountOwners(ctx context.Context, tenantID string) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner'`, tenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count owners: %w", err)
	}
	return n, nil
}

// LockTenant takes a write lock on the tenant's row for the rest of the
// transaction, so that checks such as "the last owner stays" hold under
// concurrent changes (PostgreSQL locks the row; SQLite's immediate
// transactions are serial already). ErrNotFound when there is no tenant.
func (q queries) LockTenant(ctx context.Context, tenantID string) error {
	return q.execOne(ctx, "lock tenant", `UPDATE tenants SET name = name WHERE id = $1`, tenantID)
}

// Invitation is a row of invitations.
type Invitation struct {
	ID         string
	TenantID   string
	TenantName string
	Email      string
	Role       string
	TokenHash  string
	InvitedBy  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
}

// CreateInvitation inserts inv; ErrReference when the tenant does not exist.
func (q queries) CreateInvitation(ctx context.Context, inv Invitation) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		inv.ID, inv.TenantID, inv.Email, inv.Role, inv.TokenHash, inv.InvitedBy, millis(inv.CreatedAt), millis(inv.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create invitation: %w", classify(err))
	}
	return nil
}

const invitationSelect = `SELECT i.id, i.tenant_id, t.name, i.email, i.role, i.token_hash, i.invited_by, i.created_at, i.expires_at, i.accepted_at
	FROM invitations i JOIN tenants t ON t.id = i.tenant_id`

// InvitationByToken returns the invitation whose token has the digest.
func (q queries) InvitationByToken(ctx context.Context, tokenHash string) (Invitation, error) {
	invs, err := q.invitations(ctx, invitationSelect+` WHERE i.token_hash = $1`, tokenHash)
	if err != nil {
		return Invitation{}, err
	}
	if len(invs) == 0 {
		return Invitation{}, fmt.Errorf("store: invitation: %w", ErrNotFound)
	}
	return invs[0], nil
}

// PendingInvitations returns a tenant's invitations not yet accepted,
// newest first (expired ones included: the console shows them as expired).
func (q queries) PendingInvitations(ctx context.Context, tenantID string) ([]Invitation, error) {
	return q.invitations(ctx, invitationSelect+` WHERE i.tenant_id = $1 AND i.accepted_at IS NULL ORDER BY i.created_at DESC`, tenantID)
}

func (q queries) invitations(ctx context.Context, query string, args ...any) ([]Invitation, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var inv Invitation
		var created, expires int64
		var accepted sql.NullInt64
		if err := rows.Scan(&inv.ID, &inv.TenantID, &inv.TenantName, &inv.Email, &inv.Role, &inv.TokenHash, &inv.InvitedBy,
			&created, &expires, &accepted); err != nil {
			return nil, fmt.Errorf("store: invitations: %w", err)
		}
		inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = fromMillis(created), fromMillis(expires), fromNullMillis(accepted)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// AcceptInvitation marks a pending invitation accepted; ErrNotFound when it
// is not pending (accepted already, or deleted).
func (q queries) AcceptInvitation(ctx context.Context, id string, at time.Time) error {
	return q.execOne(ctx, "accept invitation", `UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL`, id, millis(at))
}

// DeleteInvitation withdraws a tenant's pending invitation.
func (q queries) DeleteInvitation(ctx context.Context, tenantID, id string) error {
	return q.execOne(ctx, "delete invitation", `DELETE FROM invitations WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL`, tenantID, id)
}

// ConsoleSession is a row of console_sessions.
type ConsoleSession struct {
	IDHash    string
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateConsoleSession inserts a session.
func (q queries) CreateConsoleSession(ctx context.Context, s ConsoleSession) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO console_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.IDHash, s.UserID, s.CSRFToken, millis(s.CreatedAt), millis(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", classify(err))
	}
	return nil
}

// ConsoleSession returns the session whose id has the digest.
func (q queries) ConsoleSession(ctx context.Context, idHash string) (ConsoleSession, error) {
	s := ConsoleSession{IDHash: idHash}
	var created, expires int64
	err := q.db.QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, expires_at FROM console_sessions WHERE id_hash = $1`, idHash).
		Scan(&s.UserID, &s.CSRFToken, &created, &expires)
	if err != nil {
		return ConsoleSession{}, fmt.Errorf("store: session: %w", classify(err))
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return s, nil
}

// ExtendConsoleSession moves a session's expiry.
func (q queries) ExtendConsoleSession(ctx context.Context, idHash string, expires time.Time) error {
	return q.execOne(ctx, "extend session", `UPDATE console_sessions SET expires_at = $2 WHERE id_hash = $1`, idHash, millis(expires))
}

// DeleteConsoleSessions deletes a user's sessions except keep (a digest;
// empty: all of them), and every expired session of anyone.
func (q queries) DeleteConsoleSessions(ctx context.Context, userID, keep string, now time.Time) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM console_sessions WHERE (user_id = $1 AND id_hash <> $2) OR expires_at <= $3`,
		userID, keep, millis(now))
	if err != nil {
		return fmt.Errorf("store: delete sessions: %w", err)
	}
	return nil
}

// DeleteConsoleSession deletes one session (logout).
func (q queries) DeleteConsoleSession(ctx context.Context, idHash string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM console_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// APIToken is a row of api_tokens.
type APIToken struct {
	ID         string
	TenantID   string
	UserID     string
	Name       string
	TokenHash  string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

const apiTokenColumns = `id, tenant_id, user_id, name, token_hash, prefix, created_at, last_used_at, revoked_at`

// CreateAPIToken inserts t.
func (q queries) CreateAPIToken(ctx context.Context, t APIToken) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO api_tokens (`+apiTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.TenantID, t.UserID, t.Name, t.TokenHash, t.Prefix, millis(t.CreatedAt), nullMillis(t.LastUsedAt), nullMillis(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("store: create API token: %w", classify(err))
	}
	return nil
}

// APITokenByHash returns the token whose secret has the digest.
func (q queries) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	ts, err := q.apiTokens(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash)
	if err != nil {
		return APIToken{}, err
	}
	if len(ts) == 0 {
		return APIToken{}, fmt.Errorf("store: API token: %w", ErrNotFound)
	}
	return ts[0], nil
}

// APITokens returns a tenant's tokens, newest first; userID non-empty keeps
// only that user's.
func (q queries) APITokens(ctx context.Context, tenantID, userID string) ([]APIToken, error) {
	return q.apiTokens(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE tenant_id = $1 AND ($2 = '' OR user_id = $2)
		ORDER BY created_at DESC, id`, tenantID, userID)
}

func (q queries) apiTokens(ctx context.Context, query string, args ...any) ([]APIToken, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.TenantID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: API tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMillis(created), fromNullMillis(used), fromNullMillis(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchAPIToken records a use of the token.
func (q queries) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	return q.execOne(ctx, "touch API token", `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, millis(at))
}

// RevokeAPIToken revokes a tenant's token; ErrNotFound when there is no such
// live token.
func (q queries) RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) error {
	return q.execOne(ctx, "revoke API token", `UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
		tenantID, id, millis(at))
}

// execOne runs a statement that must change exactly one row; ErrNotFound
// when it changes none.
func (q queries) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, classify(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}
