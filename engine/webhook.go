package engine

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// The webhook event types.
const (
	EventExportCompleted = "export.completed"
	EventExportFailed    = "export.failed"
)

// A webhook delivery's status.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// The headers of the Standard Webhooks scheme that every delivery carries.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// webhookSecretPrefix starts every space's webhook secret; the rest is base64.
const webhookSecretPrefix = "whsec_"

// webhookQueue is the River queue deliveries run in, webhookWorkers at a time per
// process, apart from exports so that a slow receiver never delays a render.
const (
	webhookQueue   = "webhooks"
	webhookWorkers = 4
)

// WebhookEvent is the JSON body of a webhook: what became of an export job.
type WebhookEvent struct {
	Type   string       `json:"type"` // EventExportCompleted or EventExportFailed
	JobID  string       `json:"job_id"`
	Status JobStatus    `json:"status"`
	Result *EventResult `json:"result,omitempty"`
	Error  *JobError    `json:"error,omitempty"`
}

// EventResult is a completed job's result as a webhook reports it.
type EventResult struct {
	VideoURL     string          `json:"video_url,omitempty"`
	ThumbnailURL string          `json:"thumbnail_url,omitempty"`
	Cost         decimal.Decimal `json:"cost"`
	Width        int             `json:"width"`
	Height       int             `json:"height"`
	Duration     decimal.Decimal `json:"duration"`
	CreatedAt    time.Time       `json:"created_at"`
}

// WebhookDelivery is one event sent, or being sent, to a job's webhook URL.
type WebhookDelivery struct {
	ID        string           `json:"id"` // the webhook-id header of every attempt
	JobID     string           `json:"job_id"`
	Type      string           `json:"type"`
	URL       string           `json:"url"`
	Payload   string           `json:"payload"`
	Status    string           `json:"status"` // DeliveryPending, DeliveryDelivered, DeliveryFailed
	Attempts  []WebhookAttempt `json:"attempts"`
	CreatedAt time.Time        `json:"created_at"`
}

// WebhookAttempt records one try of a delivery.
type WebhookAttempt struct {
	Attempt    int           `json:"attempt"`
	StatusCode int           `json:"status_code"` // 0 when no response came
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"duration"`
	At         time.Time     `json:"at"`
}

// webhookArgs is the River job that delivers one webhook.
type webhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (webhookArgs) Kind() string { return "exportkit_webhook" }

// webhookWorker is the River worker of webhookArgs.
type webhookWorker struct {
	river.WorkerDefaults[webhookArgs]
	s *Service
}

// Work makes one delivery attempt.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[webhookArgs]) error {
	return w.s.deliver(ctx, job.Args.DeliveryID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// NextRetry backs off exponentially from WebhookRetryDelay, with jitter.
func (w *webhookWorker) NextRetry(job *river.Job[webhookArgs]) time.Time {
	return time.Now().Add(backoff(w.s.cfg.WebhookRetryDelay, job.Attempt))
}

// Timeout leaves River's own limit above the attempt's, which the HTTP client enforces.
func (w *webhookWorker) Timeout(*river.Job[webhookArgs]) time.Duration {
	return w.s.cfg.WebhookTimeout + 5*time.Second
}

// backoff is the wait after the given attempt (1 for the first): base times 2^(attempt-1),
// moved by a random amount of up to 20% either way so that deliveries that failed
// together do not all come back at once.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(max(attempt-1, 0), 20)
	spread := int64(d) * 2 / 5
	if spread <= 0 {
		return d
	}
	n, err := rand.Int(rand.Reader, big.NewInt(spread))
	if err != nil {
		return d
	}
	return d - time.Duration(spread/2) + time.Duration(n.Int64())
}

// failedEvent is the webhook of a job that failed for good with f.
func failedEvent(jobID string, f *pricing.Error) *WebhookEvent {
	return &WebhookEvent{Type: EventExportFailed, JobID: jobID, Status: JobFailed,
		Error: &JobError{Code: string(f.Code), Message: f.Message}}
}

// completedEvent is the webhook of a completed job.
func (s *Service) completedEvent(jobID string, r RenderResult, cost decimal.Decimal,
	at time.Time) *WebhookEvent {
	res := &EventResult{Cost: cost, Width: r.Width, Height: r.Height, Duration: r.Duration,
		CreatedAt: at}
	if s.cfg.DownloadLinks != nil {
		res.VideoURL, res.ThumbnailURL = s.cfg.DownloadLinks(jobID)
	}
	return &WebhookEvent{Type: EventExportCompleted, JobID: jobID, Status: JobCompleted,
		Result: res}
}

// enqueueWebhookTx records a delivery of event to the job's webhook URL, if it has one,
// and enqueues it, inside the transaction that finishes the job.
func (s *Service) enqueueWebhookTx(ctx context.Context, t tx, j *runningJob,
	event *WebhookEvent, at time.Time) error {
	if j.webhookURL == "" {
		return nil
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	id := newID("msg")
	_, err = t.exec(ctx, `INSERT INTO webhook_deliveries (id, space_id, job_id, event_type, url,
		payload, status, attempts, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)`, id, j.spaceID, j.id, event.Type,
		j.webhookURL, string(payload), DeliveryPending, formatTime(at))
	if err != nil {
		return fmt.Errorf("record webhook: %w", err)
	}
	if err := s.queue.insertWebhookTx(ctx, t, id); err != nil {
		return fmt.Errorf("enqueue webhook: %w", err)
	}
	return nil
}

// deliver makes attempt number attempt of a delivery and records it. It returns an
// error, which makes River retry, unless the receiver answered 2xx or this was the
// final attempt.
func (s *Service) deliver(ctx context.Context, id string, attempt int, final bool) error {
	// Load the delivery and the space's current secret.
	var spaceID, target, payload, status, secret string
	err := s.db.queryRow(ctx, `SELECT d.space_id, d.url, d.payload, d.status, s.webhook_secret
		FROM webhook_deliveries d JOIN spaces s ON s.id = d.space_id WHERE d.id = $1`, id).
		Scan(&spaceID, &target, &payload, &status, &secret)
	if err != nil {
		return fmt.Errorf("load webhook %s: %w", id, err)
	}
	if status != DeliveryPending {
		return nil
	}

	// Send it, signed.
	started := time.Now()
	code, sendErr := s.sendWebhook(ctx, target, id, secret, []byte(payload), started)
	rec := WebhookAttempt{Attempt: attempt, StatusCode: code, Duration: time.Since(started),
		At: now()}
	if sendErr != nil {
		rec.Error = sendErr.Error()
	}

	// Record the attempt and what it means for the delivery.
	next := DeliveryPending
	switch {
	case sendErr == nil:
		next = DeliveryDelivered
	case final:
		next = DeliveryFailed
	}
	err = inTx(ctx, s.db, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, status_code,
			error, duration_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (delivery_id, attempt) DO NOTHING`, id, attempt, code, rec.Error,
			rec.Duration.Milliseconds(), formatTime(rec.At))
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2,
			updated_at = $3 WHERE id = $4`, next, attempt, formatTime(rec.At), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("record webhook attempt %s: %w", id, err)
	}
	switch next {
	case DeliveryDelivered:
		s.log.Debug("engine: webhook delivered", "webhook_id", id, logKeySpace, spaceID)
		return nil
	case DeliveryFailed:
		s.log.Warn("engine: webhook failed for good", "webhook_id", id, logKeySpace, spaceID,
			"attempts", attempt, logKeyError, sendErr)
		return nil
	}
	s.log.Debug("engine: webhook attempt failed", "webhook_id", id, "attempt", attempt,
		logKeyError, sendErr)
	return sendErr
}

// sendWebhook POSTs payload to target with the Standard Webhooks headers and returns the
// response status; anything but 2xx is an error.
func (s *Service) sendWebhook(ctx context.Context, target, id, secret string, payload []byte,
	at time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "exportkit-webhooks/1")
	req.Header.Set(HeaderWebhookID, id)
	req.Header.Set(HeaderWebhookTimestamp, ts)
	req.Header.Set(HeaderWebhookSignature, "v1,"+signWebhook(secretKey(secret), id, ts, payload))
	resp, err := s.webhooks.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// signWebhook returns the base64 HMAC-SHA256 of "id.timestamp.payload" under key.
func signWebhook(key []byte, id, ts string, payload []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(payload)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// secretKey returns the HMAC key of a whsec_ secret: the base64 after the prefix,
// decoded. A secret that is not base64 (written by an older version) is used as is.
func secretKey(secret string) []byte {
	rest := strings.TrimPrefix(secret, webhookSecretPrefix)
	if key, err := base64.StdEncoding.DecodeString(rest); err == nil && len(key) > 0 {
		return key
	}
	return []byte(rest)
}

// newWebhookSecret returns a new secret: the prefix and 32 random bytes in base64.
func newWebhookSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ErrInvalidSignature is what VerifyWebhook returns for a delivery it cannot trust.
var ErrInvalidSignature = errors.New("webhook: invalid signature")

// WebhookTolerance is how far a delivery's webhook-timestamp may be from the receiver's
// clock for VerifyWebhook to accept it; it bounds replays of a captured delivery.
const WebhookTolerance = 5 * time.Minute

// VerifyWebhook checks a delivery received with the given headers and body against a
// space's webhook secret (the whsec_ string). It returns nil when one of the
// signatures in webhook-signature is valid and webhook-timestamp is within
// WebhookTolerance of now, and an error wrapping ErrInvalidSignature otherwise.
// Receivers should also drop a webhook-id they have already processed: retries of
// one event carry the same id.
func VerifyWebhook(secret string, header http.Header, body []byte) error {
	return verifyWebhookAt(secret, header, body, time.Now())
}

func verifyWebhookAt(secret string, header http.Header, body []byte, at time.Time) error {
	// Check the headers and the timestamp.
	id, ts := header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp)
	sigs := header.Get(HeaderWebhookSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: missing webhook headers", ErrInvalidSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", ErrInvalidSignature)
	}
	if d := at.Sub(time.Unix(unix, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return fmt.Errorf("%w: timestamp too far from now", ErrInvalidSignature)
	}

	// Accept any v1 signature that matches, so a sender may sign with several secrets.
	want := signWebhook(secretKey(secret), id, ts, body)
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if ok && version == "v1" && hmac.Equal([]byte(value), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("%w: no signature matches", ErrInvalidSignature)
}

// RotateWebhookSecret gives the space a new webhook secret and returns it. Deliveries
// attempted from now on, retries of earlier events included, are signed with it.
func (s *Service) RotateWebhookSecret(ctx context.Context, spaceID string) (string, error) {
	secret := newWebhookSecret()
	n, err := s.db.exec(ctx, `UPDATE spaces SET webhook_secret = $1 WHERE id = $2`, secret, spaceID)
	if err != nil {
		return "", fmt.Errorf("rotate webhook secret: %w", err)
	}
	if n == 0 {
		return "", spaceNotFound(spaceID)
	}
	s.log.Info("engine: webhook secret rotated", logKeySpace, spaceID)
	return secret, nil
}

// WebhookDeliveries returns the deliveries of a job of the space with their attempts,
// oldest first.
func (s *Service) WebhookDeliveries(ctx context.Context, spaceID, jobID string) ([]WebhookDelivery, error) {
	// Read the deliveries.
	rs, err := s.db.query(ctx, `SELECT id, job_id, event_type, url, payload, status,
		created_at FROM webhook_deliveries WHERE space_id = $1 AND job_id = $2
		ORDER BY created_at, id`, spaceID, jobID)
	if err != nil {
		return nil, fmt.Errorf("read webhooks: %w", err)
	}
	var out []WebhookDelivery
	for rs.Next() {
		var d WebhookDelivery
		var created string
		if err := rs.Scan(&d.ID, &d.JobID, &d.Type, &d.URL, &d.Payload, &d.Status,
			&created); err != nil {
			rs.Close()
			return nil, fmt.Errorf("read webhooks: %w", err)
		}
		d.CreatedAt = parseTime(created)
		out = append(out, d)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read webhooks: %w", err)
	}

	// Read each one's attempts.
	for i := range out {
		rs, err := s.db.query(ctx, `SELECT attempt, status_code, error, duration_ms, created_at
			FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("read webhook attempts: %w", err)
		}
		for rs.Next() {
			var a WebhookAttempt
			var ms int64
			var at string
			if err := rs.Scan(&a.Attempt, &a.StatusCode, &a.Error, &ms, &at); err != nil {
				rs.Close()
				return nil, fmt.Errorf("read webhook attempts: %w", err)
			}
			a.Duration, a.At = time.Duration(ms)*time.Millisecond, parseTime(at)
			out[i].Attempts = append(out[i].Attempts, a)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("read webhook attempts: %w", err)
		}
	}
	return out, nil
}

// checkWebhookTarget refuses, before any job exists, a webhook URL whose host is
// localhost or a literal address that is not public. Host names are checked again,
// after DNS, on every connection (see webhookClient).
func (s *Service) checkWebhookTarget(raw string) error {
	if raw == "" || s.cfg.AllowPrivateWebhooks {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil // checkShape has refused it already
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || !hostIsPublic(host) {
		return newError(ErrInvalidParameter, "webhook_url",
			"webhook_url must point to a public address, not "+strconv.Quote(u.Hostname()))
	}
	return nil
}
