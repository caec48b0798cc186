package api

import (
	"context"
	_ "embed"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/pricing"
	"github.com/exportkit/exportkit/wasm/site"
)

//go:embed openapi.json
var openAPIDocument []byte

// Server is the HTTP API. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	eng     *engine.Service
	links   *Links
	limiter *limiter
	mux     *http.ServeMux
	routes  []route

	// unrouted answers what no route takes: 404, or 405 for a known path.
	unrouted http.Handler
}

// route is one endpoint: a ServeMux pattern's method and path, and its handler.
type route struct {
	method, path string
	handler      http.Handler
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	// Check the configuration.
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, eng: cfg.Engine, links: cfg.Links,
		limiter: newLimiter(cfg.RateLimit, cfg.RateWindow, cfg.now), mux: http.NewServeMux()}

	// Say when the calculator is not built, since / then serves a page that cannot run.
	if _, err := fs.Stat(cfg.Web, "exportkit.wasm"); err != nil {
		s.log.Warn("api: the calculator's WebAssembly module is missing; run make wasm " +
			"before building, or serve a built copy with -web")
	}

	// Register the routes: the API behind a key, the rest public.
	s.routes = []route{
		{"POST", "/v1/export/start", s.authed(s.handleStart)},
		{"POST", "/v1/export/quote", s.authed(s.handleQuote)},
		{"GET", "/v1/export/status/{job_id}", s.authed(s.handleStatus)},
		{"GET", "/v1/credits", s.authed(s.handleCredits)},
		{"GET", "/v1/videos", s.authed(s.handleVideos)},
		{"GET", "/v1/videos/{id}", s.authed(s.handleVideo)},
		{"GET", "/downloads/{job_id}/{file}", s.public(http.HandlerFunc(s.handleDownload))},
		{"GET", "/openapi.json", s.public(http.HandlerFunc(s.handleOpenAPI))},
		{"GET", "/healthz", s.public(http.HandlerFunc(s.handleHealth))},
		{"GET", "/", s.public(site.Handler(cfg.Web))},
	}
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, rt.handler)
	}
	// Unknown API paths answer JSON rather than falling through to the calculator.
	s.unrouted = s.public(http.HandlerFunc(s.handleUnrouted))
	for _, p := range catchAll {
		s.mux.Handle(p, s.unrouted)
	}
	return s, nil
}

// catchAll are the patterns that keep unknown API paths from reaching the calculator.
var catchAll = []string{"GET /v1/", "POST /v1/"}

// serveMux serves r through the routes. Where the mux itself would answer in plain text
// (no pattern for the method), the answer comes in the API's error shape instead.
func (s *Server) serveMux(w http.ResponseWriter, r *http.Request) {
	// NOTE: the mux matches twice on a routed request. Serving the handler Handler
	// returns would save that, but Handler does not set the path values ({job_id}) that
	// the handlers read; only ServeHTTP does.
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// handleUnrouted answers a request no route takes: 405 with an Allow header when the
// path has routes for other methods, else 404.
func (s *Server) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && !slices.Contains(catchAll, pattern) {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, apiError(ErrNotFound, "", "no endpoint "+r.Method+" "+r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.writeError(w, r, apiError(ErrMethodNotAllowed, "", r.URL.Path+" takes "+
		strings.Join(allow, ", ")+", not "+r.Method))
}

// ServeHTTP serves a request, logging one line for it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Record what the handlers write.
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	info := &requestInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))

	// Serve, turning a panic into a 500 that reveals nothing.
	func() {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("api: handler panicked", logKeyPath, r.URL.Path, "panic", v)
				if !rec.wrote {
					s.writeError(rec, r, apiError(ErrInternal, "", "the server failed"))
				}
			}
		}()
		s.serveMux(rec, r)
	}()

	// Log the request without its query (download signatures live there) or headers.
	attrs := []any{logKeyMethod, r.Method, logKeyPath, r.URL.Path, logKeyStatus, rec.status,
		logKeyLatency, time.Since(start), logKeyBytes, rec.bytes, logKeyRemote, clientIP(r)}
	if info.spaceID != "" {
		attrs = append(attrs, logKeySpace, info.spaceID)
	}
	s.log.Info("api: request", attrs...)
}

// HTTPServer returns an http.Server for s on addr with the Config's timeouts on every
// phase of a connection.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// infoKey is the context key of a request's requestInfo.
type infoKey struct{}

// requestInfo carries what the handlers learn to the request's log line.
type requestInfo struct{ spaceID string }

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authedHandler is an API handler: it runs with the caller's space.
type authedHandler func(w http.ResponseWriter, r *http.Request, space *engine.Space)

// authed authenticates the bearer key, then counts the request against the space's
// rate limit. A request without a valid key is counted against its client address,
// which bounds how fast keys can be guessed.
func (s *Server) authed(h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Authenticate.
		space, authErr := s.authenticate(r)
		key := "ip:" + clientIP(r)
		if authErr == nil {
			key = "space:" + space.ID
			r.Context().Value(infoKey{}).(*requestInfo).spaceID = space.ID
		}

		// Count the request.
		if !s.allow(w, r, key) {
			return
		}
		if authErr != nil {
			var e *pricing.Error
			if errors.As(authErr, &e) && e.Code == engine.ErrUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="exportkit"`)
			}
			s.writeError(w, r, authErr)
			return
		}
		h(w, r, space)
	})
}

// public counts a request without a key against its client address.
func (s *Server) public(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.allow(w, r, "ip:"+clientIP(r)) {
			h.ServeHTTP(w, r)
		}
	})
}

// allow counts a request of key, writes the rate limit headers and, past the limit,
// the 429. It reports whether the request may go on.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string) bool {
	d := s.limiter.take(key)
	now := s.cfg.now()
	d.setHeaders(w.Header(), now)
	if !d.allowed {
		s.writeError(w, r, apiError(ErrRateLimited, "", "too many requests; at most "+
			itoa(d.limit)+" per "+s.cfg.RateWindow.String()+", retry after the time in "+
			"Retry-After"))
	}
	return d.allowed
}

// authenticate returns the space of the request's bearer key.
func (s *Server) authenticate(r *http.Request) (*engine.Space, error) {
	// Read the key.
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return nil, apiError(engine.ErrUnauthorized, "Authorization",
			"the Authorization header must be \"Bearer <API key>\"")
	}
	if len(key) > 256 {
		return nil, apiError(engine.ErrUnauthorized, "Authorization", "the API key is not valid")
	}

	// Look it up by hash: the engine stores only SHA-256 hashes of keys.
	space, err := s.eng.SpaceByAPIKey(r.Context(), key)
	var e *pricing.Error
	if errors.As(err, &e) && e.Code == engine.ErrSpaceNotFound {
		return nil, apiError(engine.ErrUnauthorized, "Authorization", "the API key is not valid")
	}
	return space, err
}

// clientIP is the address of the connection's peer, without its port. Proxy headers
// are not trusted: put the server behind a proxy that limits rates itself, or not at all.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
