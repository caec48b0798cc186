package engine

import (
	"context"
	"fmt"
)

// migrations are the engine's own schema changes, applied in order; the index plus one
// is the version recorded in exportkit_migrations. Append, never edit.
//
// The DDL is portable between SQLite and PostgreSQL: amounts of credits are TEXT
// holding decimal strings (never floating point), times are TEXT in RFC 3339 UTC with
// a fixed number of digits so they sort as text, and no column is NULL.
var migrations = [][]string{{
	`CREATE TABLE spaces (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		plan TEXT NOT NULL,
		balance TEXT NOT NULL,
		webhook_secret TEXT NOT NULL,
		created_at TEXT NOT NULL
	)`,
	`CREATE TABLE api_keys (
		key_hash TEXT PRIMARY KEY,
		space_id TEXT NOT NULL REFERENCES spaces (id),
		created_at TEXT NOT NULL
	)`,
	`CREATE TABLE videos (
		id TEXT PRIMARY KEY,
		space_id TEXT NOT NULL REFERENCES spaces (id),
		status TEXT NOT NULL,
		origin TEXT NOT NULL,
		duration TEXT NOT NULL,
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		avatar_models TEXT NOT NULL,
		avatar_default_model TEXT NOT NULL,
		avatar_seconds TEXT NOT NULL,
		avatar_segments INTEGER NOT NULL,
		source_key TEXT NOT NULL,
		created_at TEXT NOT NULL
	)`,
	`CREATE TABLE rate_cards (
		hash TEXT PRIMARY KEY,
		id TEXT NOT NULL,
		card TEXT NOT NULL
	)`,
	`CREATE TABLE jobs (
		id TEXT PRIMARY KEY,
		space_id TEXT NOT NULL REFERENCES spaces (id),
		video_id TEXT NOT NULL REFERENCES videos (id),
		status TEXT NOT NULL,
		progress INTEGER NOT NULL,
		current_step TEXT NOT NULL,
		idempotency_key TEXT NOT NULL,
		request_hash TEXT NOT NULL,
		format TEXT NOT NULL,
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		avatar_model TEXT NOT NULL,
		webhook_url TEXT NOT NULL,
		quote_request TEXT NOT NULL,
		quote_total TEXT NOT NULL,
		rate_card_hash TEXT NOT NULL REFERENCES rate_cards (hash),
		reserved TEXT NOT NULL,
		cost TEXT NOT NULL,
		attempts INTEGER NOT NULL,
		result_width INTEGER NOT NULL,
		result_height INTEGER NOT NULL,
		result_duration TEXT NOT NULL,
		result_bytes BIGINT NOT NULL,
		video_key TEXT NOT NULL,
		thumbnail_key TEXT NOT NULL,
		error_code TEXT NOT NULL,
		error_message TEXT NOT NULL,
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL,
		finished_at TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX jobs_idempotency ON jobs (space_id, idempotency_key)
		WHERE idempotency_key <> ''`,
	`CREATE INDEX jobs_space_created ON jobs (space_id, created_at)`,
	`CREATE TABLE ledger (
		id TEXT PRIMARY KEY,
		space_id TEXT NOT NULL REFERENCES spaces (id),
		job_id TEXT NOT NULL,
		kind TEXT NOT NULL,
		amount TEXT NOT NULL,
		created_at TEXT NOT NULL
	)`,
	`CREATE INDEX ledger_space ON ledger (space_id, created_at)`,
	`CREATE UNIQUE INDEX ledger_job_kind ON ledger (job_id, kind) WHERE job_id <> ''`,
}, {
	// Webhook deliveries: one row per event, whose id is the webhook-id header of
	// every attempt, and one row per attempt.
	`CREATE TABLE webhook_deliveries (
		id TEXT PRIMARY KEY,
		space_id TEXT NOT NULL REFERENCES spaces (id),
		job_id TEXT NOT NULL REFERENCES jobs (id),
		event_type TEXT NOT NULL,
		url TEXT NOT NULL,
		payload TEXT NOT NULL,
		status TEXT NOT NULL,
		attempts INTEGER NOT NULL,
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id)`,
	`CREATE TABLE webhook_attempts (
		delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
		attempt INTEGER NOT NULL,
		status_code INTEGER NOT NULL,
		error TEXT NOT NULL,
		duration_ms BIGINT NOT NULL,
		created_at TEXT NOT NULL,
		PRIMARY KEY (delivery_id, attempt)
	)`,
}}

// migrate brings the engine's tables up to date, in one transaction per version.
func migrate(ctx context.Context, d db, dia dialect) error {
	return inTx(ctx, d, func(t tx) error {
		// Keep two processes starting at once from migrating together. SQLite's
		// IMMEDIATE transaction already holds the database's write lock.
		if dia == dialectPostgres {
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(7469021)`); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}

		// Find the current version.
		_, err := t.exec(ctx, `CREATE TABLE IF NOT EXISTS exportkit_migrations (
			version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`)
		if err != nil {
			return fmt.Errorf("create migrations table: %w", err)
		}
		var version int
		err = t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM exportkit_migrations`).
			Scan(&version)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}

		// Apply what is missing.
		for v := version; v < len(migrations); v++ {
			for _, stmt := range migrations[v] {
				if _, err := t.exec(ctx, stmt); err != nil {
					return fmt.Errorf("migrate to version %d: %w", v+1, err)
				}
			}
			_, err := t.exec(ctx, `INSERT INTO exportkit_migrations (version, applied_at)
				VALUES ($1, $2)`, v+1, formatTime(now()))
			if err != nil {
				return fmt.Errorf("record version %d: %w", v+1, err)
			}
		}
		return nil
	})
}
