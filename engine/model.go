package engine

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// A video's status.
const (
	VideoProcessing = "processing"
	VideoCompleted  = "completed"
	VideoFailed     = "failed"
)

// A video's origin.
const (
	OriginAPI       = "api"
	OriginDashboard = "dashboard"
)

// JobStatus is where an export job is: pending -> processing -> completed | failed.
type JobStatus string

// The export job statuses.
const (
	JobPending    JobStatus = "pending"
	JobProcessing JobStatus = "processing"
	JobCompleted  JobStatus = "completed"
	JobFailed     JobStatus = "failed"
)

// The steps a job reports in Job.CurrentStep.
const (
	StepQueued    = "queued"
	StepRendering = "rendering"
	StepThumbnail = "thumbnail"
	StepStoring   = "storing"
)

// The kinds of ledger entries. Amounts are signed changes of the balance, so a space's
// balance is always the sum of its entries.
const (
	// LedgerGrant adds credits (positive).
	LedgerGrant = "grant"
	// LedgerReserve holds a job's quoted credits when it starts (negative).
	LedgerReserve = "reserve"
	// LedgerSettle charges a completed job's actual cost (negative or zero).
	LedgerSettle = "settle"
	// LedgerRelease gives a finished job's whole reservation back (positive); with the
	// settle entry written beside it, the net effect is the reservation minus the cost.
	LedgerRelease = "release"
)

// Space is a tenant: its plan and its credit balance.
type Space struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Plan      string          `json:"plan"`
	Balance   decimal.Decimal `json:"balance"`
	CreatedAt time.Time       `json:"created_at"`
}

// NewSpace is what CreateSpace returns: the space, and its API key and webhook secret,
// which are shown only this once (the key is stored only as a hash).
type NewSpace struct {
	ID            string `json:"id"`
	APIKey        string `json:"api_key"`
	WebhookSecret string `json:"webhook_secret"`
}

// Video is a finished (or still generating) video registered with the engine.
type Video struct {
	ID       string          `json:"id"`
	SpaceID  string          `json:"space_id"`
	Status   string          `json:"status"`   // VideoProcessing, VideoCompleted or VideoFailed
	Origin   string          `json:"origin"`   // OriginAPI or OriginDashboard
	Duration decimal.Decimal `json:"duration"` // seconds
	Width    int             `json:"width"`
	Height   int             `json:"height"`
	// Avatar is the video's avatar, or nil when it has none.
	Avatar *Avatar `json:"avatar,omitempty"`
	// SourceKey is the Storage key of the source MP4.
	SourceKey string    `json:"source_key"`
	CreatedAt time.Time `json:"created_at"`
}

// Avatar describes the avatar shown in a video, as pricing needs it.
type Avatar struct {
	Models       []string `json:"models"`
	DefaultModel string   `json:"default_model,omitempty"`
	// VisibleSeconds is how long the avatar is on screen; not Valid means the whole video.
	VisibleSeconds decimal.NullDecimal `json:"visible_seconds"`
	// Segments is the number of generated segments; 0 means derived from the seconds.
	Segments int `json:"segments,omitempty"`
}

// ExportRequest asks to export one video. It mirrors the export endpoint's body.
type ExportRequest struct {
	VideoID     string `json:"video_id"`
	Format      string `json:"format,omitempty"` // a rate card format, "custom" or "" (keep)
	Width       int    `json:"width,omitempty"`  // custom format only
	Height      int    `json:"height,omitempty"` // custom format only
	AvatarModel string `json:"avatar_model,omitempty"`
	WebhookURL  string `json:"webhook_url,omitempty"`
	// MaxCredits, when Valid, is the most the caller allows the export to cost.
	MaxCredits decimal.NullDecimal `json:"max_credits"`
	// IdempotencyKey, when set, makes a retried start return the first start's job.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Job is an export job and, once finished, its result or error.
type Job struct {
	ID          string    `json:"id"`
	SpaceID     string    `json:"space_id"`
	VideoID     string    `json:"video_id"`
	Status      JobStatus `json:"status"`
	Progress    int       `json:"progress"`     // 0 to 100
	CurrentStep string    `json:"current_step"` // StepQueued ... StepStoring, "" when finished
	Format      string    `json:"format"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	AvatarModel string    `json:"avatar_model"`
	WebhookURL  string    `json:"webhook_url,omitempty"`
	// EstimatedCost is the quote's total, or 0 when the export is not charged.
	EstimatedCost decimal.Decimal `json:"estimated_cost"`
	// Reserved is the credits held for the job until it finishes.
	Reserved     decimal.Decimal `json:"reserved"`
	RateCardHash string          `json:"rate_card_hash"`
	Attempts     int             `json:"attempts"`
	Result       *JobResult      `json:"result,omitempty"`
	Error        *JobError       `json:"error,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// JobResult describes a completed export.
type JobResult struct {
	Width        int             `json:"width"`
	Height       int             `json:"height"`
	Duration     decimal.Decimal `json:"duration"` // seconds, as rendered
	Bytes        int64           `json:"size"`
	Cost         decimal.Decimal `json:"cost"` // credits charged
	VideoKey     string          `json:"video_key"`
	ThumbnailKey string          `json:"thumbnail_key"`
	CreatedAt    time.Time       `json:"created_at"`
}

// JobError is why a job failed: a stable code and a message safe to show.
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// LedgerEntry is one change of a space's balance.
type LedgerEntry struct {
	ID        string          `json:"id"`
	SpaceID   string          `json:"space_id"`
	JobID     string          `json:"job_id,omitempty"`
	Kind      string          `json:"kind"`
	Amount    decimal.Decimal `json:"amount"`
	CreatedAt time.Time       `json:"created_at"`
}

// timeLayout stores times as fixed-width UTC text, which sorts chronologically.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// now is the clock; times are kept to the microsecond.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s) // written by formatTime; "" is the zero time
	return t
}

// newID returns a random identifier with a type prefix, such as "job_3fk...".
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

// parseAmount reads a stored decimal string; stored amounts were written by the
// engine, so a malformed one means a damaged database.
func parseAmount(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	return decimal.NewFromString(s)
}
