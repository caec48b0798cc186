package engine

import (
	"errors"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/exportkit/exportkit/pricing"
)

// Config configures a Service. The zero value is usable: an SQLite database and a
// storage directory under ./exportkit-data, the default rate card, renders in child
// processes of the current executable.
type Config struct {
	// DataDir holds the SQLite database (exportkit.db), the default storage
	// (DataDir/blobs) and temporary render files (DataDir/tmp). Defaults to
	// "exportkit-data" in the working directory.
	DataDir string

	// DatabaseURL selects PostgreSQL when it is a postgres:// or postgresql:// URL;
	// many workers in many processes can then share one database. Defaults to "",
	// which uses SQLite in DataDir.
	DatabaseURL string

	// RateCard prices exports. Defaults to pricing.DefaultRateCard().
	RateCard *pricing.RateCard

	// ChargeAPIVideos reserves and charges credits for exports of videos whose origin
	// is "api" as for any other video. When false, exports of API videos are free:
	// nothing is reserved, INSUFFICIENT_CREDITS never applies to them, and their
	// estimated cost is 0, as the published endpoint describes. Defaults to true
	// (nil), because the rate card does price API videos (an avatar model or a high
	// resolution costs credits whatever the origin), and exporting them without a
	// reservation would let a space spend credits it does not have.
	ChargeAPIVideos *bool

	// Storage keeps source videos, exports and thumbnails. Defaults to a DirStorage
	// at DataDir/blobs.
	Storage Storage

	// Renderer renders exports. Defaults to a ProcessRenderer running the current
	// executable with RenderTimeout.
	Renderer Renderer

	// RenderTimeout is the time limit of one export's render; past it the child is
	// killed and the attempt fails with ENCODING_FAILED. Defaults to 30 minutes.
	RenderTimeout time.Duration

	// Workers is how many exports one process renders at once once StartWorkers is
	// called. Defaults to 1.
	Workers int

	// MaxAttempts is how many times an export is tried before it fails for good and
	// its reservation is released. Defaults to 3.
	MaxAttempts int

	// RetryDelay is the wait before the next attempt of a failed export, multiplied
	// by the number of attempts so far. Defaults to 10 seconds.
	RetryDelay time.Duration

	// RescueAfter is how long an export may stay running before River considers its
	// worker dead (killed, crashed, lost) and runs it again. It must be longer than
	// RenderTimeout. It also bounds one attempt as a whole: River cancels an attempt
	// that runs longer. Defaults to RenderTimeout plus 5 minutes.
	RescueAfter time.Duration

	// ProgressInterval is the least time between two progress writes of one job.
	// Defaults to 250 milliseconds.
	ProgressInterval time.Duration

	// PollInterval is how often workers look for new jobs when not notified of them
	// (always, on SQLite). Defaults to 1 second.
	PollInterval time.Duration

	// Queue is the River queue exports are inserted into and worked from. Defaults
	// to "exports".
	Queue string

	// AllowPrivateWebhooks lets webhooks go to loopback, private, link-local and other
	// non-public addresses. It exists for local testing only: with it, a caller can make
	// the server send requests into its own network. Defaults to false.
	AllowPrivateWebhooks bool

	// WebhookTimeout bounds one delivery attempt, from connecting to reading the
	// response status. Defaults to 10 seconds.
	WebhookTimeout time.Duration

	// WebhookRetryDelay is the wait before the second delivery attempt; each later wait
	// doubles, with up to 20% of jitter either way. Defaults to 40 seconds, which with
	// the default WebhookMaxAttempts spreads the attempts over about 23 hours.
	WebhookRetryDelay time.Duration

	// WebhookMaxAttempts is how many times a delivery is tried before it is recorded
	// as failed. Defaults to 12.
	WebhookMaxAttempts int

	// DownloadLinks, when set, returns the URLs a webhook's result carries for a
	// completed job's MP4 and thumbnail (the HTTP API signs them). Defaults to nil:
	// webhook results then carry no URLs.
	DownloadLinks func(jobID string) (videoURL, thumbnailURL string)

	// IdempotencyTTL is how long an idempotency key stays bound to its job; a key
	// older than that starts a new job. Defaults to 24 hours.
	IdempotencyTTL time.Duration

	// Logger receives the engine's logs: lifecycle at Info, each job at Debug.
	// Defaults to discarding them.
	Logger *slog.Logger
}

// chargeAPI reports the effective ChargeAPIVideos.
func (c *Config) chargeAPI() bool { return c.ChargeAPIVideos == nil || *c.ChargeAPIVideos }

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = "exportkit-data"
	}
	if c.RateCard == nil {
		c.RateCard = pricing.DefaultRateCard()
	}
	if c.Storage == nil {
		c.Storage = DirStorage{Dir: filepath.Join(c.DataDir, "blobs")}
	}
	if c.RenderTimeout == 0 {
		c.RenderTimeout = 30 * time.Minute
	}
	if c.Renderer == nil {
		c.Renderer = &ProcessRenderer{Timeout: c.RenderTimeout}
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 3
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = 10 * time.Second
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = c.RenderTimeout + 5*time.Minute
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = 250 * time.Millisecond
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
	}
	if c.Queue == "" {
		c.Queue = "exports"
	}
	if c.WebhookTimeout == 0 {
		c.WebhookTimeout = 10 * time.Second
	}
	if c.WebhookRetryDelay == 0 {
		c.WebhookRetryDelay = 40 * time.Second
	}
	if c.WebhookMaxAttempts == 0 {
		c.WebhookMaxAttempts = 12
	}
	if c.IdempotencyTTL == 0 {
		c.IdempotencyTTL = 24 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate checks a defaulted Config, naming the field at fault.
func (c *Config) validate() error {
	switch {
	case c.DatabaseURL != "" && !isPostgresURL(c.DatabaseURL):
		return errors.New("engine: Config.DatabaseURL must be a postgres:// URL or empty (SQLite)")
	case c.RenderTimeout < 0:
		return errors.New("engine: Config.RenderTimeout must not be negative")
	case c.Workers < 0 || c.Workers > 1000:
		return errors.New("engine: Config.Workers must be from 1 to 1000")
	case c.MaxAttempts < 0 || c.MaxAttempts > 100:
		return errors.New("engine: Config.MaxAttempts must be from 1 to 100")
	case c.RetryDelay < 0:
		return errors.New("engine: Config.RetryDelay must not be negative")
	case c.RescueAfter <= c.RenderTimeout:
		return errors.New("engine: Config.RescueAfter must be longer than Config.RenderTimeout")
	case c.ProgressInterval < 0:
		return errors.New("engine: Config.ProgressInterval must not be negative")
	case c.WebhookTimeout < 0 || c.WebhookRetryDelay < 0 || c.IdempotencyTTL < 0:
		return errors.New("engine: Config.WebhookTimeout, WebhookRetryDelay and " +
			"IdempotencyTTL must not be negative")
	case c.WebhookMaxAttempts < 0 || c.WebhookMaxAttempts > 50:
		return errors.New("engine: Config.WebhookMaxAttempts must be from 1 to 50")
	case c.PollInterval < time.Millisecond:
		return errors.New("engine: Config.PollInterval must be at least 1ms")
	}
	return nil
}

// Log keys.
const (
	logKeyError  = "err"
	logKeyJob    = "job_id"
	logKeySpace  = "space_id"
	logKeyCode   = "code"
	logKeyCost   = "cost"
	logKeyDriver = "database"
)
