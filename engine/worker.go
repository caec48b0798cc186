package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// runningJob is what a worker reads of a job before running it.
type runningJob struct {
	id, spaceID, status, sourceKey string
	format                         string // "" keeps the source's size
	width, height                  int
	reserved                       decimal.Decimal
	quoteRequest, cardHash         string
	webhookURL                     string
}

// exportOutput is what a successful export produced.
type exportOutput struct {
	render                 RenderResult
	videoKey, thumbnailKey string
}

// work runs one attempt of export job id. final says whether it is the last attempt
// River will make; complete marks the River job completed inside a transaction.
//
// The engine's own job row, not River, decides what has been charged: every ledger
// write happens in the same transaction as the status change out of pending or
// processing, guarded by that status, so an attempt repeated after a crash (or
// running alongside a rescued copy) can never settle or release twice.
func (s *Service) work(ctx context.Context, id string, final bool,
	complete func(context.Context, tx) error) error {
	// Load the job; one that is already finished has nothing left to do.
	j, err := s.loadRunning(ctx, id)
	if err != nil {
		return err
	}
	if j.status == string(JobCompleted) || j.status == string(JobFailed) {
		s.log.Debug("engine: job already finished", logKeyJob, id)
		return nil
	}
	_, err = s.db.exec(ctx, `UPDATE jobs SET status = $1, current_step = $2, progress = 0,
		attempts = attempts + 1, updated_at = $3 WHERE id = $4 AND status IN ($5, $1)`,
		string(JobProcessing), StepRendering, formatTime(now()), id, string(JobPending))
	if err != nil {
		return fmt.Errorf("mark job processing: %w", err)
	}
	s.log.Debug("engine: export running", logKeyJob, id)

	// Run it.
	out, runErr := s.runExport(ctx, j)
	if runErr != nil {
		return s.fail(ctx, j, runErr, final)
	}

	// Settle the reservation on the rendered duration.
	return s.settle(ctx, j, out, complete)
}

// loadRunning reads what work needs of a job.
func (s *Service) loadRunning(ctx context.Context, id string) (*runningJob, error) {
	j := &runningJob{id: id}
	var reserved string
	err := s.db.queryRow(ctx, `SELECT j.space_id, j.status, v.source_key, j.format, j.width,
		j.height, j.reserved, j.quote_request, j.rate_card_hash, j.webhook_url FROM jobs j
		JOIN videos v ON v.id = j.video_id WHERE j.id = $1`, id).Scan(&j.spaceID, &j.status,
		&j.sourceKey, &j.format, &j.width, &j.height, &reserved, &j.quoteRequest, &j.cardHash,
		&j.webhookURL)
	if err != nil {
		return nil, fmt.Errorf("load job %s: %w", id, err)
	}
	if j.reserved, err = parseAmount(reserved); err != nil {
		return nil, fmt.Errorf("job %s reserved: %w", id, err)
	}
	return j, nil
}

// runExport renders the job, makes its thumbnail and stores both.
func (s *Service) runExport(ctx context.Context, j *runningJob) (*exportOutput, error) {
	// Work in a private temporary directory.
	tmp := filepath.Join(s.cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, jobFailure(ErrExportFailed, "the export could not start", err)
	}
	dir, err := os.MkdirTemp(tmp, j.id+"-")
	if err != nil {
		return nil, jobFailure(ErrExportFailed, "the export could not start", err)
	}
	defer os.RemoveAll(dir)
	input, err := s.sourcePath(ctx, j.sourceKey, dir)
	if err != nil {
		return nil, jobFailure(ErrStorageFailed, "the source video could not be read", err)
	}

	// Render the MP4 (progress 0 to 90) and the thumbnail (90).
	out := &exportOutput{}
	mp4, jpg := filepath.Join(dir, "export.mp4"), filepath.Join(dir, "thumbnail.jpg")
	rctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()
	out.render, err = s.cfg.Renderer.Render(rctx, RenderJob{Input: input, Output: mp4,
		Thumbnail: jpg, KeepSize: j.format == "", Width: j.width, Height: j.height}, s.progressWriter(ctx, j.id))
	if err != nil {
		return nil, renderFailure(rctx, err, s.cfg.RenderTimeout)
	}

	// Store both.
	s.setStep(ctx, j.id, StepStoring, 95)
	out.videoKey, out.thumbnailKey = "exports/"+j.id+".mp4", "exports/"+j.id+".jpg"
	for _, f := range []struct{ key, path string }{{out.videoKey, mp4}, {out.thumbnailKey, jpg}} {
		if err := s.putFile(ctx, f.key, f.path); err != nil {
			return nil, jobFailure(ErrStorageFailed, "the export could not be stored", err)
		}
	}
	return out, nil
}

// renderFailure codes a renderer error: past the time limit, or anything not already
// coded, is ENCODING_FAILED.
func renderFailure(rctx context.Context, err error, limit time.Duration) error {
	var e *pricing.Error
	switch {
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return jobFailure(ErrEncodingFailed, "the render ran past its time limit of "+
			limit.String(), err)
	case errors.As(err, &e) && (e.Code == ErrEncodingFailed || e.Code == ErrStorageFailed):
		return err
	}
	return jobFailure(ErrEncodingFailed, "the renderer failed on this video", err)
}

// sourcePath returns a local file holding the source video: the blob itself for local
// storage, else a copy in dir.
func (s *Service) sourcePath(ctx context.Context, key, dir string) (string, error) {
	if ls, ok := s.cfg.Storage.(LocalStorage); ok {
		return ls.LocalPath(key)
	}
	r, err := s.cfg.Storage.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	path := filepath.Join(dir, "source.mp4")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	return path, errors.Join(err, f.Close())
}

// putFile stores the file at path under key.
func (s *Service) putFile(ctx context.Context, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.cfg.Storage.Put(ctx, key, f)
}

// progressWriter returns the renderer's progress callback: it maps the render to 0-90
// percent and writes at most once per ProgressInterval, and only on a change. Once the
// whole video is encoded the renderer is making the thumbnail, which is step
// "thumbnail" at 90 percent, always written.
func (s *Service) progressWriter(ctx context.Context, id string) func(Progress) {
	var (
		mu    sync.Mutex
		last  time.Time
		shown = -1
	)
	ninety := decimal.NewFromInt(90)
	return func(p Progress) {
		if !p.Total.IsPositive() {
			return
		}
		pct := int(p.Done.Mul(ninety).Div(p.Total).IntPart())
		pct = max(0, min(pct, 90))
		mu.Lock()
		defer mu.Unlock()
		if !p.Done.LessThan(p.Total) && shown != 90 {
			shown = 90
			s.setStep(ctx, id, StepThumbnail, 90)
			return
		}
		if pct == shown || time.Since(last) < s.cfg.ProgressInterval {
			return
		}
		last, shown = time.Now(), pct
		s.setStep(ctx, id, StepRendering, pct)
	}
}

// setStep records a job's step and progress. A failed write is logged, not fatal: the
// job's outcome does not depend on it.
func (s *Service) setStep(ctx context.Context, id, step string, progress int) {
	_, err := s.db.exec(ctx, `UPDATE jobs SET current_step = $1, progress = $2, updated_at = $3
		WHERE id = $4 AND status = $5`, step, progress, formatTime(now()), id,
		string(JobProcessing))
	if err != nil {
		s.log.Debug("engine: progress not recorded", logKeyJob, id, logKeyError, err)
	}
}

// abandon fails a job whose attempts all ended without an outcome, releasing its
// reservation. A job that did finish meanwhile is left as it is.
func (s *Service) abandon(ctx context.Context, id string) error {
	j, err := s.loadRunning(ctx, id)
	if err != nil {
		return err
	}
	if j.status == string(JobCompleted) || j.status == string(JobFailed) {
		return nil
	}
	s.log.Warn("engine: export abandoned after its last attempt ended without an outcome",
		logKeyJob, id)
	return s.fail(ctx, j, jobFailure(ErrExportFailed, "the export did not finish; "+
		"its credits were released", errors.New("every attempt ended without an outcome")), true)
}

// fail handles a failed attempt. Before the last attempt the job goes back to the
// queued step and River retries it; on the last, the job fails with its code and the
// whole reservation is released, in one transaction.
func (s *Service) fail(ctx context.Context, j *runningJob, cause error, final bool) error {
	// A worker shutting down is not the export's fault: let River run it again.
	if ctx.Err() != nil {
		return cause
	}
	f := failureOf(cause)
	if !final {
		s.setStep(ctx, j.id, StepQueued, 0)
		s.log.Debug("engine: export attempt failed", logKeyJob, j.id, logKeyCode, f.Code,
			logKeyError, cause)
		return cause
	}

	// Record the failure and release the reservation.
	at := now()
	err := inTx(ctx, s.db, func(t tx) error {
		balance, err := s.lockBalance(ctx, t, j.spaceID)
		if err != nil {
			return err
		}
		n, err := t.exec(ctx, `UPDATE jobs SET status = $1, current_step = '', error_code = $2,
			error_message = $3, updated_at = $4, finished_at = $4
			WHERE id = $5 AND status IN ($6, $7)`, string(JobFailed), string(f.Code), f.Message,
			formatTime(at), j.id, string(JobPending), string(JobProcessing))
		if err != nil || n == 0 {
			return err // n == 0: another attempt finished it
		}
		if err := s.enqueueWebhookTx(ctx, t, j, failedEvent(j.id, f), at); err != nil {
			return err
		}
		if j.reserved.IsPositive() {
			return addLedger(ctx, t, j.spaceID, j.id, LedgerRelease, j.reserved, balance, at)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record failure of job %s: %w", j.id, err)
	}
	s.log.Info("engine: export failed", logKeyJob, j.id, logKeyCode, f.Code, logKeyError, cause)
	return river.JobCancel(f)
}

// settle completes a rendered job: it re-prices the request with the same rate card on
// the rendered duration, charges that (never more than the reservation), returns the
// reservation, records the result and completes the River job, in one transaction.
func (s *Service) settle(ctx context.Context, j *runningJob, out *exportOutput,
	complete func(context.Context, tx) error) error {
	// Price the actual duration.
	cost, err := s.actualCost(ctx, j, out.render.Duration)
	if err != nil {
		s.log.Warn("engine: re-pricing failed; charging the reservation", logKeyJob, j.id,
			logKeyError, err)
		cost = j.reserved
	}

	// Record the result and move the credits.
	at := now()
	err = inTx(ctx, s.db, func(t tx) error {
		balance, err := s.lockBalance(ctx, t, j.spaceID)
		if err != nil {
			return err
		}
		r := out.render
		n, err := t.exec(ctx, `UPDATE jobs SET status = $1, current_step = '', progress = 100,
			cost = $2, result_width = $3, result_height = $4, result_duration = $5,
			result_bytes = $6, video_key = $7, thumbnail_key = $8, updated_at = $9,
			finished_at = $9 WHERE id = $10 AND status IN ($11, $12)`,
			string(JobCompleted), cost.String(), r.Width, r.Height, r.Duration.String(), r.Bytes,
			out.videoKey, out.thumbnailKey, formatTime(at), j.id, string(JobPending),
			string(JobProcessing))
		if err != nil {
			return fmt.Errorf("record result: %w", err)
		}
		if n == 0 {
			return nil // another attempt finished it; River completes this one below
		}
		if j.reserved.IsPositive() {
			err := addLedger(ctx, t, j.spaceID, j.id, LedgerSettle, cost.Neg(), balance, at)
			if err != nil {
				return err
			}
			err = addLedger(ctx, t, j.spaceID, j.id, LedgerRelease, j.reserved,
				balance.Sub(cost), at)
			if err != nil {
				return err
			}
		}
		event := s.completedEvent(j.id, r, cost, at)
		if err := s.enqueueWebhookTx(ctx, t, j, event, at); err != nil {
			return err
		}
		return complete(ctx, t)
	})
	if err != nil {
		return fmt.Errorf("settle job %s: %w", j.id, err)
	}
	s.log.Debug("engine: export completed", logKeyJob, j.id, logKeyCost, cost.String())
	return nil
}

// actualCost re-prices the stored request on the rendered duration with the rate card
// the quote was made with, capped at the reservation.
func (s *Service) actualCost(ctx context.Context, j *runningJob,
	duration decimal.Decimal) (decimal.Decimal, error) {
	if !j.reserved.IsPositive() {
		return decimal.Zero, nil
	}
	card, err := s.rateCard(ctx, j.cardHash)
	if err != nil {
		return decimal.Zero, err
	}
	req, err := pricing.DecodeRequest([]byte(j.quoteRequest))
	if err != nil {
		return decimal.Zero, fmt.Errorf("decode stored request: %w", err)
	}

	// The avatar cannot be visible longer than the rendered video.
	req.Video.Duration = duration
	if a := req.Video.Avatar; a != nil && a.VisibleSeconds.Valid &&
		a.VisibleSeconds.Decimal.GreaterThan(duration) {
		a.VisibleSeconds = decimal.NewNullDecimal(duration)
	}
	q, err := card.Quote(req)
	if err != nil {
		return decimal.Zero, fmt.Errorf("re-price: %w", err)
	}
	return decimal.Min(q.Total, j.reserved), nil
}

// rateCard returns the card with the given hash, from memory or the rate_cards table.
func (s *Service) rateCard(ctx context.Context, hash string) (*pricing.RateCard, error) {
	if c, ok := s.cards.Load(hash); ok {
		return c.(*pricing.RateCard), nil
	}
	var text string
	err := s.db.queryRow(ctx, `SELECT card FROM rate_cards WHERE hash = $1`, hash).Scan(&text)
	if err != nil {
		return nil, fmt.Errorf("load rate card %s: %w", hash, err)
	}
	card, err := pricing.ParseRateCard(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parse rate card %s: %w", hash, err)
	}
	s.cards.Store(hash, card)
	return card, nil
}
