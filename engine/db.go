package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// dialect names the SQL database behind a store. The engine's SQL is written once, with
// $N placeholders that both databases accept; the dialect only decides row locking.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// forUpdate is the row-locking suffix for a SELECT that precedes an update of the same
// row. PostgreSQL needs it; SQLite has no row locks and serializes writers instead
// (every transaction begins IMMEDIATE, taking the write lock up front).
func (d dialect) forUpdate() string {
	if d == dialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// row is one result row; *sql.Row and pgx.Row both satisfy it.
type row interface{ Scan(dest ...any) error }

// rows is a result set.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// querier runs statements on a pool or inside a transaction.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	queryRow(ctx context.Context, query string, args ...any) row
	query(ctx context.Context, query string, args ...any) (rows, error)
}

// tx is a database transaction. native returns the driver's own transaction (*sql.Tx
// or pgx.Tx), which River's transactional calls need.
type tx interface {
	querier
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
	native() any
}

// db is a connection pool of either dialect.
type db interface {
	querier
	begin(ctx context.Context) (tx, error)
	close()
}

// isNoRows reports whether err means a query returned no row, in either driver.
func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows)
}

// sqliteDSN builds the modernc.org/sqlite connection string for the database file:
// WAL journal, a busy timeout for the moments another process holds the write lock,
// foreign keys on, and IMMEDIATE transactions so that a transaction that will write
// takes the lock when it begins and never fails to upgrade a read lock later.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// openSQLite opens the database file in dir, creating both if needed.
func openSQLite(dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	pool, err := sql.Open("sqlite", sqliteDSN(filepath.Join(dir, "exportkit.db")))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}

	// SQLite allows one writer at a time. One connection per process serializes this
	// process's statements (River's own included) instead of letting them fail with
	// SQLITE_BUSY; other processes wait on the busy timeout.
	pool.SetMaxOpenConns(1)
	return pool, nil
}

// isPostgresURL reports whether a database URL names PostgreSQL.
func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// openPostgres connects a pool to the PostgreSQL server at databaseURL.
func openPostgres(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return pool, nil
}

// sqlDB adapts database/sql (SQLite) to db.
type sqlDB struct{ pool *sql.DB }

func (d sqlDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return sqlExec(d.pool.ExecContext(ctx, q, args...))
}

func (d sqlDB) queryRow(ctx context.Context, q string, args ...any) row {
	return d.pool.QueryRowContext(ctx, q, args...)
}

func (d sqlDB) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := d.pool.QueryContext(ctx, q, args...)
	return sqlRows{r}, err
}

func (d sqlDB) begin(ctx context.Context) (tx, error) {
	t, err := d.pool.BeginTx(ctx, nil)
	return sqlTx{t}, err
}

func (d sqlDB) close() { d.pool.Close() }

// sqlTx adapts *sql.Tx to tx.
type sqlTx struct{ t *sql.Tx }

func (t sqlTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return sqlExec(t.t.ExecContext(ctx, q, args...))
}

func (t sqlTx) queryRow(ctx context.Context, q string, args ...any) row {
	return t.t.QueryRowContext(ctx, q, args...)
}

func (t sqlTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := t.t.QueryContext(ctx, q, args...)
	return sqlRows{r}, err
}

func (t sqlTx) commit(context.Context) error   { return t.t.Commit() }
func (t sqlTx) rollback(context.Context) error { return t.t.Rollback() }
func (t sqlTx) native() any                    { return t.t }

func sqlExec(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// sqlRows adapts *sql.Rows, whose Close returns an error nobody needs here.
type sqlRows struct{ r *sql.Rows }

func (r sqlRows) Next() bool             { return r.r.Next() }
func (r sqlRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r sqlRows) Err() error             { return r.r.Err() }
func (r sqlRows) Close()                 { _ = r.r.Close() }

// pgxDB adapts a pgx pool (PostgreSQL) to db.
type pgxDB struct{ pool *pgxpool.Pool }

func (d pgxDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.pool.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (d pgxDB) queryRow(ctx context.Context, q string, args ...any) row {
	return d.pool.QueryRow(ctx, q, args...)
}

func (d pgxDB) query(ctx context.Context, q string, args ...any) (rows, error) {
	return d.pool.Query(ctx, q, args...)
}

func (d pgxDB) begin(ctx context.Context) (tx, error) {
	t, err := d.pool.Begin(ctx)
	return pgxTx{t}, err
}

func (d pgxDB) close() { d.pool.Close() }

// pgxTx adapts pgx.Tx to tx.
type pgxTx struct{ t pgx.Tx }

func (t pgxTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.t.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (t pgxTx) queryRow(ctx context.Context, q string, args ...any) row {
	return t.t.QueryRow(ctx, q, args...)
}

func (t pgxTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	return t.t.Query(ctx, q, args...)
}

func (t pgxTx) commit(ctx context.Context) error   { return t.t.Commit(ctx) }
func (t pgxTx) rollback(ctx context.Context) error { return t.t.Rollback(ctx) }
func (t pgxTx) native() any                        { return t.t }

// inTx runs fn in a transaction, committing when it returns nil and rolling back
// otherwise.
func inTx(ctx context.Context, d db, fn func(tx) error) error {
	t, err := d.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(t); err != nil {
		_ = t.rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
