package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// exportArgs is the River job that runs one export. It carries only the export job's
// id: everything else is read from the engine's tables when the job runs.
type exportArgs struct {
	JobID string `json:"job_id"`
}

// Kind implements river.JobArgs.
func (exportArgs) Kind() string { return "exportkit_export" }

// queue hides River's driver type parameter (*sql.Tx for SQLite, pgx.Tx for
// PostgreSQL) from the rest of the engine.
type queue interface {
	// insertTx enqueues the export of jobID as part of transaction t.
	insertTx(ctx context.Context, t tx, jobID string) error
	// insertWebhookTx enqueues webhook delivery deliveryID as part of transaction t.
	insertWebhookTx(ctx context.Context, t tx, deliveryID string) error
	// start starts working jobs; stop waits for running ones to finish.
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

// riverQueue is a queue on a River client with transactions of type TTx.
type riverQueue[TTx any] struct {
	client          *river.Client[TTx]
	name            string
	exportAttempts  int // Config.MaxAttempts; River gets one more, see exportWorker
	webhookAttempts int
}

func (q *riverQueue[TTx]) insertTx(ctx context.Context, t tx, jobID string) error {
	_, err := q.client.InsertTx(ctx, t.native().(TTx), exportArgs{JobID: jobID},
		&river.InsertOpts{Queue: q.name, MaxAttempts: q.exportAttempts + 1})
	return err
}

func (q *riverQueue[TTx]) insertWebhookTx(ctx context.Context, t tx, deliveryID string) error {
	_, err := q.client.InsertTx(ctx, t.native().(TTx), webhookArgs{DeliveryID: deliveryID},
		&river.InsertOpts{Queue: webhookQueue, MaxAttempts: q.webhookAttempts})
	return err
}

// setName changes the queue new exports are inserted into (tests only).
func (q *riverQueue[TTx]) setName(name string) { q.name = name }

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }

// stop waits for running jobs until ctx ends, then cancels those still running (their
// attempts are retried elsewhere or later) so that nothing runs once it returns.
func (q *riverQueue[TTx]) stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if ctx.Err() == nil {
		return err
	}
	cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return errors.Join(err, q.client.StopAndCancel(cancelCtx))
}

// newRiverQueue runs River's migrations with driver and builds a client whose worker
// runs exports on s.
func newRiverQueue[TDriver riverdriver.Driver[TTx], TTx any](ctx context.Context,
	driver TDriver, s *Service) (*riverQueue[TTx], error) {
	// Migrate River's own tables.
	migrator, err := rivermigrate.New[TTx](driver, &rivermigrate.Config{Logger: riverLogger(s.log)})
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}

	// Build the client. The engine enforces the render time limit itself; River's job
	// timeout, RescueAfter, bounds a whole attempt, and a job running longer than that
	// is taken to have lost its worker and is rescued (River never rescues a job
	// without a timeout).
	workers := river.NewWorkers()
	river.AddWorker(workers, &exportWorker[TDriver, TTx]{s: s})
	river.AddWorker(workers, &webhookWorker{s: s})
	client, err := river.NewClient[TTx](driver, &river.Config{
		Queues: map[string]river.QueueConfig{s.cfg.Queue: {MaxWorkers: s.cfg.Workers},
			webhookQueue: {MaxWorkers: webhookWorkers}},
		Workers:              workers,
		JobTimeout:           s.cfg.RescueAfter,
		MaxAttempts:          s.cfg.MaxAttempts,
		RescueStuckJobsAfter: s.cfg.RescueAfter,
		FetchPollInterval:    s.cfg.PollInterval,
		FetchCooldown:        min(s.cfg.PollInterval, river.FetchCooldownDefault),
		Logger:               riverLogger(s.log),
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &riverQueue[TTx]{client: client, name: s.cfg.Queue,
		exportAttempts: s.cfg.MaxAttempts, webhookAttempts: s.cfg.WebhookMaxAttempts}, nil
}

// exportWorker is the River worker of exportArgs.
type exportWorker[TDriver riverdriver.Driver[TTx], TTx any] struct {
	river.WorkerDefaults[exportArgs]
	s *Service
}

// Work runs the export; a successful one is marked complete in River in the same
// transaction that settles its credits.
//
// River is given one attempt more than Config.MaxAttempts. The last real attempt can
// end without an outcome: its worker killed (River's rescuer then discards a job on its
// last attempt), its time limit hit, or the database lost while settling. Without the
// extra attempt the job would stay processing and its credits reserved for ever; with
// it, the extra attempt renders nothing and fails the job, releasing the reservation.
func (w *exportWorker[TDriver, TTx]) Work(ctx context.Context, job *river.Job[exportArgs]) error {
	if job.Attempt > w.s.cfg.MaxAttempts {
		return w.s.abandon(ctx, job.Args.JobID)
	}
	complete := func(ctx context.Context, t tx) error {
		_, err := river.JobCompleteTx[TDriver](ctx, t.native().(TTx), job)
		return err
	}
	final := job.Attempt >= w.s.cfg.MaxAttempts
	return w.s.work(ctx, job.Args.JobID, final, complete)
}

// NextRetry waits RetryDelay times the attempts so far.
func (w *exportWorker[TDriver, TTx]) NextRetry(job *river.Job[exportArgs]) time.Time {
	return time.Now().Add(w.s.cfg.RetryDelay * time.Duration(max(job.Attempt, 1)))
}

// riverLogger passes River's own records to log from Warn up only. River reports
// producer statistics and migration checks at Info every few seconds, which would drown
// the engine's lifecycle lines; its warnings and errors still get through.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

// minLevel is a slog.Handler that drops records below a level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
