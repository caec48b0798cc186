package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/exportkit/exportkit/api"
	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/wasm/web"
)

// linkSecretEnv names the environment variable that overrides the download-link secret
// kept in the data directory; servers sharing one PostgreSQL database must share it.
const linkSecretEnv = "EXPORTKIT_LINK_SECRET"

// runServe runs `exportkit serve`: the HTTP API and export workers in one process,
// until interrupted.
func runServe(ctx context.Context, env *Env, args []string) error {
	// Parse the flags.
	fs := newFlagSet(env, "serve", "[-addr 127.0.0.1:8080] [-data DIR] [-database URL] "+
		"[-workers N] [-rate-limit N] [-log-format text|json] [-allow-private-webhooks]")
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on")
	data := fs.String("data", "exportkit-data", "data `directory` (SQLite database, storage)")
	database := fs.String("database", "", "PostgreSQL `URL` (postgres://...); default SQLite in -data")
	workers := fs.Int("workers", 1, "exports rendered at once")
	rateLimit := fs.Int("rate-limit", 100, "requests per minute per space")
	logFormat := fs.String("log-format", "text", "log `format`: text or json")
	allowPrivate := fs.Bool("allow-private-webhooks", false,
		"let webhooks reach loopback and private addresses (local testing only)")
	publicURL := fs.String("public-url", "", "`URL` download links start with (default http://ADDR)")
	webDir := fs.String("web", "", "serve the calculator page from this `directory` "+
		"(e.g. wasm/web after make wasm); default: the page built into the binary")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(env.Stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(env.Stderr, nil)
	default:
		return usagef(fs, "-log-format must be text or json, not %q", *logFormat)
	}
	if *rateLimit < 1 {
		return usagef(fs, "-rate-limit must be at least 1")
	}
	log := slog.New(handler)

	// Listen first, so that the links name the real address (-addr may use port 0).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	secret, err := linkSecret(*data)
	if err != nil {
		return err
	}
	links, err := api.NewLinks(secret, base, 0)
	if err != nil {
		return err
	}

	// Open the engine and start its workers.
	eng, err := engine.New(ctx, engine.Config{DataDir: *data, DatabaseURL: *database,
		Workers: *workers, AllowPrivateWebhooks: *allowPrivate, DownloadLinks: links.JobLinks,
		Logger: log})
	if err != nil {
		return err
	}
	defer closeService(eng)
	// Workers get a context that the signal does not cancel: cancelling River's context
	// would cancel every export in flight. The deferred close stops them gracefully.
	if err := eng.StartWorkers(context.WithoutCancel(ctx)); err != nil {
		return err
	}

	// Serve until interrupted, then stop accepting and let requests in flight finish;
	// the deferred close then waits for running exports, handing back any that do not
	// finish in time (River runs them again later).
	srv, err := api.New(api.Config{Engine: eng, Links: links, Logger: log,
		RateLimit: *rateLimit, Web: webFS(*webDir)})
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(*addr)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	if *allowPrivate {
		log.Warn("serve: webhooks may reach private addresses (-allow-private-webhooks)")
	}
	fmt.Fprintf(env.Stderr, "exportkit serve: listening on %s (calculator at %s/)\n", base, base)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(env.Stderr, "exportkit serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// linkSecret returns the download-link secret: $EXPORTKIT_LINK_SECRET when set, else
// the contents of DIR/link-secret, created with 32 random bytes on first use, so links
// keep working across restarts.
func linkSecret(dir string) ([]byte, error) {
	if v := os.Getenv(linkSecretEnv); v != "" {
		if len(v) < 32 {
			return nil, fmt.Errorf("%s must be at least 32 characters", linkSecretEnv)
		}
		return []byte(v), nil
	}
	path := filepath.Join(dir, "link-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write link secret: %w", err)
	}
	return b, nil
}

// webFS returns the calculator page to serve: the directory dir, or, when dir is "", the
// page embedded in the binary.
func webFS(dir string) iofs.FS {
	if dir == "" {
		return web.Files
	}
	return os.DirFS(dir)
}
