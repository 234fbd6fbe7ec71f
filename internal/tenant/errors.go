package tenant

import "errors"

var (
	// ErrNotFound means the tenant does not exist.
	ErrNotFound = errors.New("tenant not found")
	// ErrKeyNotFound means the API key does not exist for that tenant.
	ErrKeyNotFound = errors.New("API key not found")
	// ErrExists means the tenant or key id is already taken.
	ErrExists = errors.New("already exists")
	// ErrImageNotFound means the tenant has no branding image of that kind.
	ErrImageNotFound = errors.New("branding image not found")
	// ErrInvalid means the request is wrong in a way the message explains.
	ErrInvalid = errors.New("invalid")
	// ErrLimit means the tenant has as many of something as it may have.
	ErrLimit = errors.New("limit reached")
)

// Bounds on what one tenant may store, so that no caller can make the
// server keep (and check on every token) without end.
const (
	// MaxActiveKeys is the API keys a tenant may have in use at once.
	MaxActiveKeys = 50
	// MaxKeys is the API keys a tenant may have, revoked ones included.
	MaxKeys = 500
)
