package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// Service is the export engine: it registers spaces and videos, starts charged export
// jobs and, once StartWorkers is called, runs them. It is safe for concurrent use.
type Service struct {
	cfg     Config
	log     *slog.Logger
	db      db
	dialect dialect
	queue   queue
	// webhooks sends webhook deliveries through the address guard of ssrf.go.
	webhooks *http.Client

	cards   sync.Map // rate card hash -> *pricing.RateCard, for settlement
	workMu  sync.Mutex
	working bool

	// afterReserve, when set by a test, runs inside Start's transaction between the
	// reservation and the River insert; an error from it aborts the transaction.
	afterReserve func() error
}

// New opens the database named by cfg (creating the SQLite file or connecting to
// PostgreSQL), applies the engine's and River's migrations, and returns a Service that
// can start exports. Call StartWorkers to also run them, and Close when done.
func New(ctx context.Context, cfg Config) (*Service, error) {
	// Check the configuration.
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger,
		webhooks: newWebhookClient(cfg.AllowPrivateWebhooks, cfg.WebhookTimeout)}

	// Open the database and its River queue.
	var err error
	if isPostgresURL(cfg.DatabaseURL) {
		var pool *pgxpool.Pool
		if pool, err = openPostgres(ctx, cfg.DatabaseURL, int32(max(10, cfg.Workers+4))); err != nil {
			return nil, err
		}
		s.db, s.dialect = pgxDB{pool}, dialectPostgres
		if err = migrate(ctx, s.db, s.dialect); err == nil {
			s.queue, err = newRiverQueue(ctx, riverpgxv5.New(pool), s)
		}
	} else {
		pool, openErr := openSQLite(cfg.DataDir)
		if openErr != nil {
			return nil, openErr
		}
		s.db, s.dialect = sqlDB{pool}, dialectSQLite
		if err = migrate(ctx, s.db, s.dialect); err == nil {
			s.queue, err = newRiverQueue(ctx, riversqlite.New(pool), s)
		}
	}
	if err != nil {
		s.db.close()
		return nil, err
	}

	// Record the rate card, so that every quote made with it can be replayed.
	if err := s.saveRateCard(ctx, cfg.RateCard); err != nil {
		s.db.close()
		return nil, err
	}
	s.log.Info("engine: opened", logKeyDriver, s.dialectName(),
		"rate_card", cfg.RateCard.ID(), "charge_api_videos", cfg.chargeAPI())
	return s, nil
}

func (s *Service) dialectName() string {
	if s.dialect == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// StartWorkers starts running queued exports in this process, Config.Workers at a time,
// until Close. Any number of processes may run workers against one PostgreSQL database.
//
// Cancelling ctx cancels the exports in flight, each of which then costs an attempt;
// a program that stops on a signal should pass context.WithoutCancel of its signal
// context and call Close, which lets them finish.
func (s *Service) StartWorkers(ctx context.Context) error {
	s.workMu.Lock()
	defer s.workMu.Unlock()
	if s.working {
		return errors.New("engine: workers already started")
	}
	if err := s.queue.start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	s.working = true
	s.log.Info("engine: workers started", "workers", s.cfg.Workers, "queue", s.cfg.Queue)
	return nil
}

// Close stops the workers, waiting for running exports until ctx is done (then
// cancelling those still running, which River retries later), and closes the database.
func (s *Service) Close(ctx context.Context) error {
	// Stop the workers.
	var err error
	s.workMu.Lock()
	if s.working {
		err = s.queue.stop(ctx)
		s.working = false
	}
	s.workMu.Unlock()

	// Close the database.
	s.db.close()
	s.log.Info("engine: closed")
	return err
}

// saveRateCard stores card's canonical JSON under its hash, once.
func (s *Service) saveRateCard(ctx context.Context, card *pricing.RateCard) error {
	data, err := card.MarshalJSON()
	if err != nil {
		return fmt.Errorf("save rate card: %w", err)
	}
	_, err = s.db.exec(ctx, `INSERT INTO rate_cards (hash, id, card) VALUES ($1, $2, $3)
		ON CONFLICT (hash) DO NOTHING`, card.Hash(), card.ID(), string(data))
	if err != nil {
		return fmt.Errorf("save rate card: %w", err)
	}
	s.cards.Store(card.Hash(), card)
	return nil
}

// Start validates req for the space and, if it passes, starts an export job: in one
// transaction it reserves the quoted credits, stores the quote (its rate card hash and
// pricing request, so it can be replayed) and enqueues the job with River. The checks
// run in this order and the first failure is returned as a *pricing.Error:
//
//  1. ErrMissingVideoID.
//  2. The request's own shape, as pricing checks it: pricing.ErrInvalidFormat,
//     ErrInvalidParameter for a custom size, pricing.ErrInvalidAvatarModel;
//     ErrInvalidParameter for a malformed webhook URL (or, unless
//     Config.AllowPrivateWebhooks, one whose host is localhost or a literal
//     non-public address) or max_credits.
//  3. ErrVideoNotFound, ErrUnauthorizedVideo (another space's video), ErrVideoNotReady.
//  4. ErrInvalidParameter (a model asked for, but the video has no avatar),
//     ErrIncompatibleAvatarModel, ErrPlanRequired.
//  5. ErrBudgetExceeded: the quote is over req.MaxCredits.
//  6. ErrInsufficientCredits: the balance does not cover the quote.
//
// With an IdempotencyKey, a start repeated with the same request returns the first
// start's job, whatever became of the balance since; with a different request it fails
// with ErrIdempotencyConflict. Start fails with ErrSpaceNotFound for an unknown space.
func (s *Service) Start(ctx context.Context, spaceID string, req ExportRequest) (*Job, error) {
	// Check and price the request (1 to 5).
	est, err := s.prepare(ctx, spaceID, &req)
	if err != nil {
		return nil, err
	}
	card, video, preq, quote, charge := s.cfg.RateCard, est.Video, est.Request, est.Quote,
		est.Charge

	// Reserve, store and enqueue in one transaction (6).
	reqJSON, err := preq.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode pricing request: %w", err)
	}
	job := &Job{
		ID: newID("job"), SpaceID: spaceID, VideoID: video.ID, Status: JobPending,
		CurrentStep: StepQueued, Format: req.Format, Width: quote.Width, Height: quote.Height,
		AvatarModel: quote.AvatarModel, WebhookURL: req.WebhookURL, EstimatedCost: charge,
		Reserved: charge, RateCardHash: card.Hash(), CreatedAt: now(),
	}
	job.UpdatedAt = job.CreatedAt
	existing, err := s.startTx(ctx, job, &req, quote.Total, string(reqJSON))
	if err != nil {
		return nil, err
	}
	if existing != "" {
		s.log.Debug("engine: idempotent start", logKeyJob, existing, logKeySpace, spaceID)
		return s.Job(ctx, spaceID, existing)
	}
	s.log.Debug("engine: export started", logKeyJob, job.ID, logKeySpace, spaceID,
		logKeyCost, charge.String())
	return job, nil
}

// startTx is Start's transaction. It returns the id of an existing job when the
// idempotency key was used before with the same request.
func (s *Service) startTx(ctx context.Context, job *Job, req *ExportRequest,
	quoteTotal decimal.Decimal, pricingJSON string) (existing string, err error) {
	reqHash := requestHash(req)
	err = inTx(ctx, s.db, func(t tx) error {
		// Lock the space: every start and settlement of the space queues here.
		var balanceText string
		err := t.queryRow(ctx, `SELECT balance FROM spaces WHERE id = $1`+s.dialect.forUpdate(),
			job.SpaceID).Scan(&balanceText)
		if err != nil {
			return fmt.Errorf("lock space: %w", err)
		}
		balance, err := parseAmount(balanceText)
		if err != nil {
			return fmt.Errorf("space %s balance: %w", job.SpaceID, err)
		}

		// A repeated idempotency key returns the first job, or conflicts.
		if req.IdempotencyKey != "" {
			var id, hash, created string
			err := t.queryRow(ctx, `SELECT id, request_hash, created_at FROM jobs
				WHERE space_id = $1 AND idempotency_key = $2`,
				job.SpaceID, req.IdempotencyKey).Scan(&id, &hash, &created)
			switch {
			case err == nil && job.CreatedAt.Sub(parseTime(created)) > s.cfg.IdempotencyTTL:
				// The key outlived IdempotencyTTL: free it for this new job.
				_, err := t.exec(ctx, `UPDATE jobs SET idempotency_key = '' WHERE id = $1`, id)
				if err != nil {
					return fmt.Errorf("expire idempotency key: %w", err)
				}
			case err == nil && hash == reqHash:
				existing = id
				return nil
			case err == nil:
				return newError(ErrIdempotencyConflict, "idempotency_key", "the idempotency key "+
					"was already used with a different request")
			case !isNoRows(err):
				return fmt.Errorf("look up idempotency key: %w", err)
			}
		}

		// The balance must cover the reservation.
		if balance.LessThan(job.Reserved) {
			return newError(ErrInsufficientCredits, "", "requires "+job.Reserved.String()+
				" credits, "+balance.String()+" available")
		}

		// Store the job with its quote, then reserve.
		created := formatTime(job.CreatedAt)
		_, err = t.exec(ctx, `INSERT INTO jobs (id, space_id, video_id, status, progress,
			current_step, idempotency_key, request_hash, format, width, height, avatar_model,
			webhook_url, quote_request, quote_total, rate_card_hash, reserved, cost, attempts,
			result_width, result_height, result_duration, result_bytes, video_key,
			thumbnail_key, error_code, error_message, created_at, updated_at, finished_at)
			VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
			'', 0, 0, 0, '', 0, '', '', '', '', $17, $17, '')`,
			job.ID, job.SpaceID, job.VideoID, string(JobPending), StepQueued, req.IdempotencyKey,
			reqHash, job.Format, job.Width, job.Height, job.AvatarModel, job.WebhookURL,
			pricingJSON, quoteTotal.String(), job.RateCardHash, job.Reserved.String(), created)
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		if job.Reserved.IsPositive() {
			err := addLedger(ctx, t, job.SpaceID, job.ID, LedgerReserve, job.Reserved.Neg(),
				balance, job.CreatedAt)
			if err != nil {
				return err
			}
		}
		if s.afterReserve != nil {
			if err := s.afterReserve(); err != nil {
				return err
			}
		}

		// Enqueue the export.
		if err := s.queue.insertTx(ctx, t, job.ID); err != nil {
			return fmt.Errorf("enqueue export: %w", err)
		}
		return nil
	})
	return existing, err
}

// addLedger writes one ledger entry and moves the space's balance (currently balance,
// read under the transaction's lock) by amount.
func addLedger(ctx context.Context, t tx, spaceID, jobID, kind string, amount,
	balance decimal.Decimal, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO ledger (id, space_id, job_id, kind, amount, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, newID("led"), spaceID, jobID, kind, amount.String(),
		formatTime(at))
	if err != nil {
		return fmt.Errorf("write %s entry: %w", kind, err)
	}
	_, err = t.exec(ctx, `UPDATE spaces SET balance = $1 WHERE id = $2`,
		balance.Add(amount).String(), spaceID)
	if err != nil {
		return fmt.Errorf("update balance: %w", err)
	}
	return nil
}

// checkShape runs the checks of the request's own fields, before any database access.
func checkShape(card *pricing.RateCard, req *ExportRequest) error {
	// Format and custom size, as pricing checks them.
	if _, _, err := card.OutputSize(req.Format, req.Width, req.Height, 1, 1); err != nil {
		return err
	}

	// The avatar model's name.
	if req.AvatarModel != "" {
		var names []string
		for _, m := range card.Models() {
			if m.Name == req.AvatarModel {
				names = nil
				break
			}
			names = append(names, m.Name)
		}
		if names != nil {
			return newError(pricing.ErrInvalidAvatarModel, "avatar_model",
				"avatar_model must be one of "+strings.Join(names, ", ")+", not "+
					strconv.Quote(req.AvatarModel))
		}
	}

	// The engine's own fields.
	if req.WebhookURL != "" {
		u, err := url.Parse(req.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return newError(ErrInvalidParameter, "webhook_url",
				"webhook_url must be an absolute http or https URL")
		}
	}
	if req.MaxCredits.Valid && req.MaxCredits.Decimal.IsNegative() {
		return newError(ErrInvalidParameter, "max_credits", "max_credits must not be negative")
	}
	return nil
}

// pricingRequest describes an export of video for pricing.
func pricingRequest(v *Video, req *ExportRequest, plan string) pricing.Request {
	r := pricing.Request{
		Video: pricing.Video{Origin: v.Origin, Duration: v.Duration, Width: v.Width,
			Height: v.Height},
		Format: req.Format, Width: req.Width, Height: req.Height,
		AvatarModel: req.AvatarModel, Plan: plan,
	}
	if a := v.Avatar; a != nil {
		r.Video.Avatar = &pricing.Avatar{ModelsAvailable: a.Models, DefaultModel: a.DefaultModel,
			VisibleSeconds: a.VisibleSeconds, Segments: a.Segments}
	}
	return r
}

// requestHash fingerprints what a start asked for, to compare idempotent retries.
func requestHash(req *ExportRequest) string {
	r := *req
	r.IdempotencyKey = ""
	data, _ := json.Marshal(r) // a struct of strings, ints and decimals always encodes
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
