package api

import (
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/wasm/web"
)

// Config configures a Server. Engine and Links are required; every other field has a
// default.
type Config struct {
	// Engine runs the exports. Required.
	Engine *engine.Service

	// Links signs and checks download links. Required; the same value should be
	// given to the engine as engine.Config.DownloadLinks (Links.JobLinks) so that
	// webhooks carry links too.
	Links *Links

	// Logger receives one line per request (method, path, status, latency, space) at
	// Info, and server errors at Error. Defaults to discarding them.
	Logger *slog.Logger

	// RateLimit is how many requests one space (or, before authentication, one client
	// address) may make per RateWindow. Defaults to 100.
	RateLimit int

	// RateWindow is the rate limit's window. Defaults to one minute.
	RateWindow time.Duration

	// MaxBodyBytes caps a request body; a larger one is refused with 413. Defaults to
	// 64 KiB.
	MaxBodyBytes int64

	// Web holds the calculator page served at /: index.html and its scripts, with
	// exportkit.wasm and wasm_exec.js once `make wasm` has built them. Defaults to the
	// page embedded in the binary (web.Files); os.DirFS("wasm/web") serves a working
	// copy instead.
	Web fs.FS

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound each phase of
	// a connection in the server HTTPServer returns. They default to 5 seconds, 30
	// seconds, 10 minutes (a download of a large MP4 must fit in it) and 2 minutes.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	// now is the clock; tests set it.
	now func() time.Time
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RateLimit == 0 {
		c.RateLimit = 100
	}
	if c.RateWindow == 0 {
		c.RateWindow = time.Minute
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.Web == nil {
		c.Web = web.Files
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = 5 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Minute
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// validate checks a defaulted Config, naming the field at fault.
func (c *Config) validate() error {
	switch {
	case c.Engine == nil:
		return errors.New("api: Config.Engine is required")
	case c.Links == nil:
		return errors.New("api: Config.Links is required")
	case c.RateLimit < 0:
		return errors.New("api: Config.RateLimit must be positive")
	case c.RateWindow < time.Second:
		return errors.New("api: Config.RateWindow must be at least a second")
	case c.MaxBodyBytes < 1024:
		return errors.New("api: Config.MaxBodyBytes must be at least 1024")
	}
	return nil
}

// Log keys.
const (
	logKeyError   = "err"
	logKeyMethod  = "method"
	logKeyPath    = "path"
	logKeyStatus  = "status"
	logKeyLatency = "latency"
	logKeyBytes   = "bytes"
	logKeySpace   = "space_id"
	logKeyRemote  = "remote"
)
