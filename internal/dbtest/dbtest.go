// Package dbtest gives tests a database of their own on each backend exportkit runs on:
// SQLite, always, and PostgreSQL when EXPORTKIT_TEST_DATABASE_URL names a server.
//
// `make test` sets the variable through scripts/with-postgres.sh, which starts a
// throwaway cluster on 127.0.0.1. Without it the PostgreSQL subtests skip with a message
// naming the variable, except under CI=true, where its absence is a failure: CI must
// never pass by skipping half the backends.
package dbtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the PostgreSQL server the tests use besides SQLite.
const Env = "EXPORTKIT_TEST_DATABASE_URL"

// ForEach runs fn as a parallel subtest on SQLite (databaseURL "", meaning the caller's
// default SQLite file in a fresh directory) and on PostgreSQL (a URL selecting a fresh
// schema, see Postgres).
func ForEach(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// Postgres creates a schema for one test and returns a URL whose search_path selects
// it; the schema is dropped when the test ends. It skips or fails the test as the
// package documentation says when no server is configured.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s must be set in CI (make test-go starts a server with "+
				"scripts/with-postgres.sh)", Env)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (make test-go starts a throwaway server "+
			"with scripts/with-postgres.sh)", Env)
	}

	// Create the schema, and drop it at the end.
	schema := "t_" + strings.ToLower(rand.Text())
	exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })

	// Select it through the URL, so every connection of the pool uses it.
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on its own connection.
func exec(t testing.TB, databaseURL, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
