package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// CreateSpace creates a space with a plan of the rate card and an opening balance
// (written to the ledger as a grant). The returned API key and webhook secret are
// shown only here: the key is stored as a SHA-256 hash.
func (s *Service) CreateSpace(ctx context.Context, name, plan string,
	credits decimal.Decimal) (*NewSpace, error) {
	// Check the fields.
	if strings.TrimSpace(name) == "" {
		return nil, newError(ErrInvalidParameter, "name", "name is required")
	}
	plans := s.cfg.RateCard.Plans()
	if !contains(plans, plan) {
		return nil, newError(ErrInvalidParameter, "plan", "plan must be one of "+
			strings.Join(plans, ", ")+", not "+strconv.Quote(plan))
	}
	if credits.IsNegative() {
		return nil, newError(ErrInvalidParameter, "credits", "credits must not be negative")
	}

	// Store the space, its key and its opening grant.
	ns := &NewSpace{ID: newID("spc"), APIKey: "ek_" + strings.ToLower(rand.Text()),
		WebhookSecret: newWebhookSecret()}
	at := now()
	err := inTx(ctx, s.db, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO spaces (id, name, plan, balance, webhook_secret,
			created_at) VALUES ($1, $2, $3, '0', $4, $5)`,
			ns.ID, name, plan, ns.WebhookSecret, formatTime(at))
		if err != nil {
			return fmt.Errorf("insert space: %w", err)
		}
		_, err = t.exec(ctx, `INSERT INTO api_keys (key_hash, space_id, created_at)
			VALUES ($1, $2, $3)`, hashKey(ns.APIKey), ns.ID, formatTime(at))
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		if credits.IsPositive() {
			return addLedger(ctx, t, ns.ID, "", LedgerGrant, credits, decimal.Zero, at)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("engine: space created", logKeySpace, ns.ID, "plan", plan)
	return ns, nil
}

// GrantCredits adds credits to a space's balance and returns the new balance.
func (s *Service) GrantCredits(ctx context.Context, spaceID string,
	credits decimal.Decimal) (decimal.Decimal, error) {
	if !credits.IsPositive() {
		return decimal.Zero, newError(ErrInvalidParameter, "credits", "credits must be positive")
	}
	var balance decimal.Decimal
	err := inTx(ctx, s.db, func(t tx) error {
		var err error
		if balance, err = s.lockBalance(ctx, t, spaceID); err != nil {
			return err
		}
		if err := addLedger(ctx, t, spaceID, "", LedgerGrant, credits, balance, now()); err != nil {
			return err
		}
		balance = balance.Add(credits)
		return nil
	})
	if err != nil {
		return decimal.Zero, err
	}
	s.log.Info("engine: credits granted", logKeySpace, spaceID, "credits", credits.String())
	return balance, nil
}

// lockBalance reads a space's balance, locking its row until the transaction ends.
func (s *Service) lockBalance(ctx context.Context, t tx, spaceID string) (decimal.Decimal, error) {
	var text string
	err := t.queryRow(ctx, `SELECT balance FROM spaces WHERE id = $1`+s.dialect.forUpdate(),
		spaceID).Scan(&text)
	if isNoRows(err) {
		return decimal.Zero, spaceNotFound(spaceID)
	}
	if err != nil {
		return decimal.Zero, fmt.Errorf("lock space: %w", err)
	}
	return parseAmount(text)
}

func spaceNotFound(id string) error {
	return newError(ErrSpaceNotFound, "space_id", "no space has id "+strconv.Quote(id))
}

// Space returns a space.
func (s *Service) Space(ctx context.Context, id string) (*Space, error) {
	var sp Space
	var balance, created string
	err := s.db.queryRow(ctx, `SELECT id, name, plan, balance, created_at FROM spaces
		WHERE id = $1`, id).Scan(&sp.ID, &sp.Name, &sp.Plan, &balance, &created)
	if isNoRows(err) {
		return nil, spaceNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("read space: %w", err)
	}
	if sp.Balance, err = parseAmount(balance); err != nil {
		return nil, fmt.Errorf("space %s balance: %w", id, err)
	}
	sp.CreatedAt = parseTime(created)
	return &sp, nil
}

// SpaceByAPIKey returns the space an API key belongs to, or ErrUnauthorized.
//
// Keys are stored only as SHA-256 digests, and the lookup is by the digest of the
// presented key. The database's comparison time can therefore tell a caller nothing
// about a stored key: the caller cannot steer the bytes of the digest being compared.
// The digest found is compared once more in constant time, so no early exit on the
// first differing byte happens in this process either.
func (s *Service) SpaceByAPIKey(ctx context.Context, key string) (*Space, error) {
	var id, stored string
	digest := hashKey(key)
	err := s.db.queryRow(ctx, `SELECT space_id, key_hash FROM api_keys WHERE key_hash = $1`,
		digest).Scan(&id, &stored)
	if isNoRows(err) || (err == nil && subtle.ConstantTimeCompare([]byte(stored), []byte(digest)) != 1) {
		return nil, newError(ErrUnauthorized, "", "the API key is not valid")
	}
	if err != nil {
		return nil, fmt.Errorf("read api key: %w", err)
	}
	return s.Space(ctx, id)
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewVideo registers a video; see AddVideo.
type NewVideo struct {
	SpaceID  string
	Status   string          // defaults to VideoCompleted
	Origin   string          // OriginAPI or OriginDashboard
	Duration decimal.Decimal // seconds, as probed
	Width    int
	Height   int
	Avatar   *Avatar // nil when the video has no avatar
	// Source is the video's MP4, copied into Storage.
	Source io.Reader
}

// AddVideo registers a finished video: it copies the source into Storage and records
// what pricing needs to know about it. It returns the new video.
func (s *Service) AddVideo(ctx context.Context, nv NewVideo) (*Video, error) {
	// Check the fields.
	if nv.Status == "" {
		nv.Status = VideoCompleted
	}
	v := &Video{ID: newID("vid"), SpaceID: nv.SpaceID, Status: nv.Status, Origin: nv.Origin,
		Duration: nv.Duration, Width: nv.Width, Height: nv.Height, Avatar: nv.Avatar,
		CreatedAt: now()}
	if err := checkVideo(s.cfg.RateCard, v); err != nil {
		return nil, err
	}
	if _, err := s.Space(ctx, nv.SpaceID); err != nil {
		return nil, err
	}

	// Store the source, then the row.
	if nv.Source == nil {
		return nil, newError(ErrInvalidParameter, "source", "the video's source file is required")
	}
	v.SourceKey = "videos/" + v.ID + ".mp4"
	if err := s.cfg.Storage.Put(ctx, v.SourceKey, nv.Source); err != nil {
		return nil, fmt.Errorf("store video source: %w", err)
	}
	var models, def, seconds string
	var segments int
	if a := v.Avatar; a != nil {
		models, def, segments = strings.Join(a.Models, ","), a.DefaultModel, a.Segments
		if a.VisibleSeconds.Valid {
			seconds = a.VisibleSeconds.Decimal.String()
		}
	}
	_, err := s.db.exec(ctx, `INSERT INTO videos (id, space_id, status, origin, duration, width,
		height, avatar_models, avatar_default_model, avatar_seconds, avatar_segments,
		source_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		v.ID, v.SpaceID, v.Status, v.Origin, v.Duration.String(), v.Width, v.Height, models, def,
		seconds, segments, v.SourceKey, formatTime(v.CreatedAt))
	if err != nil {
		_ = s.cfg.Storage.Delete(context.WithoutCancel(ctx), v.SourceKey)
		return nil, fmt.Errorf("insert video: %w", err)
	}
	s.log.Debug("engine: video added", "video_id", v.ID, logKeySpace, v.SpaceID)
	return v, nil
}

// checkVideo checks a video to register: its status, and what pricing checks of it
// (origin, duration, size, avatar), by quoting an export that keeps its size.
func checkVideo(card *pricing.RateCard, v *Video) error {
	switch v.Status {
	case VideoProcessing, VideoCompleted, VideoFailed:
	default:
		return newError(ErrInvalidParameter, "status", "status must be one of processing, "+
			"completed, failed, not "+strconv.Quote(v.Status))
	}
	if v.Avatar != nil && len(v.Avatar.Models) == 0 {
		return newError(ErrInvalidParameter, "avatar.models",
			"an avatar needs at least one model")
	}
	_, err := card.Quote(pricingRequest(v, &ExportRequest{}, ""))
	return err
}

// Video returns a video, or ErrVideoNotFound.
func (s *Service) Video(ctx context.Context, id string) (*Video, error) {
	var v Video
	var duration, models, def, seconds, created string
	var segments int
	err := s.db.queryRow(ctx, `SELECT id, space_id, status, origin, duration, width, height,
		avatar_models, avatar_default_model, avatar_seconds, avatar_segments, source_key,
		created_at FROM videos WHERE id = $1`, id).Scan(&v.ID, &v.SpaceID, &v.Status, &v.Origin,
		&duration, &v.Width, &v.Height, &models, &def, &seconds, &segments, &v.SourceKey, &created)
	if isNoRows(err) {
		return nil, newError(ErrVideoNotFound, "video_id", "no video has id "+strconv.Quote(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read video: %w", err)
	}
	if v.Duration, err = parseAmount(duration); err != nil {
		return nil, fmt.Errorf("video %s duration: %w", id, err)
	}
	if models != "" {
		v.Avatar = &Avatar{Models: strings.Split(models, ","), DefaultModel: def,
			Segments: segments}
		if seconds != "" {
			d, err := decimal.NewFromString(seconds)
			if err != nil {
				return nil, fmt.Errorf("video %s avatar seconds: %w", id, err)
			}
			v.Avatar.VisibleSeconds = decimal.NewNullDecimal(d)
		}
	}
	v.CreatedAt = parseTime(created)
	return &v, nil
}

// jobColumns are the columns scanJob reads, in order.
const jobColumns = `id, space_id, video_id, status, progress, current_step, format, width,
	height, avatar_model, webhook_url, reserved, rate_card_hash, cost, attempts, result_width,
	result_height, result_duration, result_bytes, video_key, thumbnail_key, error_code,
	error_message, created_at, updated_at, finished_at`

// scanJob reads one row of jobColumns.
func scanJob(r row) (*Job, error) {
	var j Job
	var status, reserved, cost, duration, errCode, errMsg, created, updated, finished string
	var res JobResult
	err := r.Scan(&j.ID, &j.SpaceID, &j.VideoID, &status, &j.Progress, &j.CurrentStep,
		&j.Format, &j.Width, &j.Height, &j.AvatarModel, &j.WebhookURL, &reserved,
		&j.RateCardHash, &cost, &j.Attempts, &res.Width, &res.Height, &duration, &res.Bytes,
		&res.VideoKey, &res.ThumbnailKey, &errCode, &errMsg, &created, &updated, &finished)
	if err != nil {
		return nil, err
	}
	j.Status = JobStatus(status)
	j.CreatedAt, j.UpdatedAt = parseTime(created), parseTime(updated)
	if j.Reserved, err = parseAmount(reserved); err != nil {
		return nil, fmt.Errorf("job %s reserved: %w", j.ID, err)
	}
	j.EstimatedCost = j.Reserved
	switch j.Status {
	case JobCompleted:
		if res.Cost, err = parseAmount(cost); err != nil {
			return nil, fmt.Errorf("job %s cost: %w", j.ID, err)
		}
		if res.Duration, err = parseAmount(duration); err != nil {
			return nil, fmt.Errorf("job %s duration: %w", j.ID, err)
		}
		res.CreatedAt = parseTime(finished)
		j.Result = &res
	case JobFailed:
		j.Error = &JobError{Code: errCode, Message: errMsg}
	}
	return &j, nil
}

// Job returns an export job of the space, or ErrJobNotFound.
func (s *Service) Job(ctx context.Context, spaceID, id string) (*Job, error) {
	j, err := scanJob(s.db.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE id = $1 AND space_id = $2`, id, spaceID))
	if isNoRows(err) {
		return nil, newError(ErrJobNotFound, "job_id", "no export job has id "+strconv.Quote(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read job: %w", err)
	}
	return j, nil
}

// ListJobs returns the export jobs of a space, or of every space when spaceID is "",
// newest first, at most limit of them (all when limit is 0).
func (s *Service) ListJobs(ctx context.Context, spaceID string, limit int) ([]*Job, error) {
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE ($1 = '' OR space_id = $1)
		ORDER BY created_at DESC, id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rs, err := s.db.query(ctx, q, spaceID)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rs.Close()
	var jobs []*Job
	for rs.Next() {
		j, err := scanJob(rs)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	return jobs, rs.Err()
}

// Ledger returns a space's ledger entries, oldest first. Their amounts add up to the
// space's balance.
func (s *Service) Ledger(ctx context.Context, spaceID string) ([]LedgerEntry, error) {
	rs, err := s.db.query(ctx, `SELECT id, space_id, job_id, kind, amount, created_at
		FROM ledger WHERE space_id = $1 ORDER BY created_at, id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer rs.Close()
	var entries []LedgerEntry
	for rs.Next() {
		var e LedgerEntry
		var amount, created string
		if err := rs.Scan(&e.ID, &e.SpaceID, &e.JobID, &e.Kind, &amount, &created); err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		if e.Amount, err = parseAmount(amount); err != nil {
			return nil, fmt.Errorf("ledger entry %s: %w", e.ID, err)
		}
		e.CreatedAt = parseTime(created)
		entries = append(entries, e)
	}
	return entries, rs.Err()
}

// errNotFinished is returned by work helpers for a job another worker already finished.
var errNotFinished = errors.New("job already finished")

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
