package store

import "errors"

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a row with the same key already exists.
	ErrConflict = errors.New("already exists")
	// ErrReference means a row names a parent that does not exist.
	ErrReference = errors.New("referenced row does not exist")
)
