// Package storetest opens fresh stores for tests: a new SQLite file, or a new
// schema in the PostgreSQL server named by CONFER_TEST_POSTGRES_URL (which
// ./scripts/test starts). Without that variable PostgreSQL tests are skipped,
// except under CI or CONFER_INTEGRATION=1, where they fail: the suite must
// never pass without running them there.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// PostgresURLEnv names the variable holding the test server's URL.
const PostgresURLEnv = "CONFER_TEST_POSTGRES_URL"

// Dialects are the backends every store-backed test runs against.
var Dialects = []store.Dialect{store.DialectSQLite, store.DialectPostgres}

// Open returns a new, migrated, empty store of the given dialect, closed
// (and, for PostgreSQL, dropped) when the test ends.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	cfg := Config(t, d)
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Config returns a store.Config for a fresh database of the given dialect
// without opening it (for tests that start a whole server).
func Config(t testing.TB, d store.Dialect) store.Config {
	t.Helper()
	if d == store.DialectSQLite {
		return store.Config{DataDir: t.TempDir()}
	}
	base := PostgresURL(t)
	schema := "t_" + randomHex(8)
	if err := createSchema(base, schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Config{URL: u.String()}
}

// createSchema creates schema, on a new connection each try: a CI run
// once had a fresh connection fail with a protocol error (SQLSTATE 08P01)
// on a loaded machine.
func createSchema(base, schema string) error {
	var err error
	for try := 0; try < 3; try++ {
		var admin *sql.DB
		if admin, err = sql.Open("pgx", base); err != nil {
			return err
		}
		_, err = admin.Exec(`CREATE SCHEMA IF NOT EXISTS ` + schema) // its name is random: ours if it exists
		admin.Close()
		if err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// PostgresURL returns the test server's URL or skips (fails under CI).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresURLEnv)
	if u == "" {
		if Required() {
			t.Fatalf("%s is not set; ./scripts/test starts a PostgreSQL server and sets it", PostgresURLEnv)
		}
		t.Skipf("%s not set; run ./scripts/test for the PostgreSQL tests", PostgresURLEnv)
	}
	return u
}

// Required reports whether integration dependencies must be present: under
// CI, or when CONFER_INTEGRATION=1 (./scripts/test sets it).
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("CONFER_INTEGRATION") == "1"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
