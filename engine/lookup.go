package engine

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// JobByID returns an export job whatever its space, or ErrJobNotFound. It is for
// callers that must tell "no such job" from "another space's job" (the HTTP API answers
// UNAUTHORIZED_JOB for the latter); they must not show the job to the wrong space.
func (s *Service) JobByID(ctx context.Context, id string) (*Job, error) {
	j, err := scanJob(s.db.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, newError(ErrJobNotFound, "job_id", "no export job has id "+strconv.Quote(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read job: %w", err)
	}
	return j, nil
}

// OpenBlob opens a stored blob, such as a completed job's Result.VideoKey; the caller
// closes it. With the default DirStorage the reader is an *os.File, which also seeks.
func (s *Service) OpenBlob(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.cfg.Storage.Open(ctx, key)
}

// ListVideos returns the videos of a space, newest first, at most limit of them (all
// when limit is 0).
func (s *Service) ListVideos(ctx context.Context, spaceID string, limit int) ([]*Video, error) {
	// Read the rows.
	q := `SELECT id, space_id, status, origin, duration, width, height, avatar_models,
		avatar_default_model, avatar_seconds, avatar_segments, source_key, created_at
		FROM videos WHERE space_id = $1 ORDER BY created_at DESC, id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rs, err := s.db.query(ctx, q, spaceID)
	if err != nil {
		return nil, fmt.Errorf("list videos: %w", err)
	}
	defer rs.Close()

	// Decode each one as Video does.
	var out []*Video
	for rs.Next() {
		var v Video
		var duration, models, def, seconds, created string
		var segments int
		err := rs.Scan(&v.ID, &v.SpaceID, &v.Status, &v.Origin, &duration, &v.Width, &v.Height,
			&models, &def, &seconds, &segments, &v.SourceKey, &created)
		if err != nil {
			return nil, fmt.Errorf("list videos: %w", err)
		}
		if v.Duration, err = parseAmount(duration); err != nil {
			return nil, fmt.Errorf("video %s duration: %w", v.ID, err)
		}
		if models != "" {
			v.Avatar = &Avatar{Models: strings.Split(models, ","), DefaultModel: def,
				Segments: segments}
			if seconds != "" {
				d, err := decimal.NewFromString(seconds)
				if err != nil {
					return nil, fmt.Errorf("video %s avatar seconds: %w", v.ID, err)
				}
				v.Avatar.VisibleSeconds = decimal.NewNullDecimal(d)
			}
		}
		v.CreatedAt = parseTime(created)
		out = append(out, &v)
	}
	return out, rs.Err()
}

// Credits returns a space's balance, which is what it can still spend, and the credits
// held for its unfinished jobs (already taken out of the balance).
func (s *Service) Credits(ctx context.Context, spaceID string) (balance, reserved decimal.Decimal,
	err error) {
	// Read the balance.
	sp, err := s.Space(ctx, spaceID)
	if err != nil {
		return decimal.Zero, decimal.Zero, err
	}

	// Add up the reservations, exactly, in Go: the amounts are decimal strings.
	rs, err := s.db.query(ctx, `SELECT reserved FROM jobs WHERE space_id = $1
		AND status IN ($2, $3)`, spaceID, string(JobPending), string(JobProcessing))
	if err != nil {
		return decimal.Zero, decimal.Zero, fmt.Errorf("read reservations: %w", err)
	}
	defer rs.Close()
	reserved = decimal.Zero
	for rs.Next() {
		var text string
		if err := rs.Scan(&text); err != nil {
			return decimal.Zero, decimal.Zero, fmt.Errorf("read reservations: %w", err)
		}
		amount, err := parseAmount(text)
		if err != nil {
			return decimal.Zero, decimal.Zero, fmt.Errorf("read reservations: %w", err)
		}
		reserved = reserved.Add(amount)
	}
	return sp.Balance, reserved, rs.Err()
}

// Ping checks that the database answers, for health checks.
func (s *Service) Ping(ctx context.Context) error {
	var one int
	if err := s.db.queryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
