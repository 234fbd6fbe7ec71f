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
)
