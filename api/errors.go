package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/pricing"
)

// The codes the HTTP layer adds to those of pricing and engine.
const (
	// ErrUnauthorizedJob: the job belongs to another space (403).
	ErrUnauthorizedJob pricing.Code = "UNAUTHORIZED_JOB"
	// ErrPayloadTooLarge: the request body is over Config.MaxBodyBytes (413).
	ErrPayloadTooLarge pricing.Code = "PAYLOAD_TOO_LARGE"
	// ErrRateLimited: the space made more than Config.RateLimit requests in the
	// window (429).
	ErrRateLimited pricing.Code = "RATE_LIMITED"
	// ErrLinkInvalid: a download link's signature does not match (403).
	ErrLinkInvalid pricing.Code = "LINK_INVALID"
	// ErrLinkExpired: a download link is past its expiry (403).
	ErrLinkExpired pricing.Code = "LINK_EXPIRED"
	// ErrNotFound: no route matches the path (404).
	ErrNotFound pricing.Code = "NOT_FOUND"
	// ErrMethodNotAllowed: the path exists but not with this method; the Allow header
	// lists the methods it takes (405).
	ErrMethodNotAllowed pricing.Code = "METHOD_NOT_ALLOWED"
	// ErrInternal: the server failed; the cause is logged, never shown (500).
	ErrInternal pricing.Code = "INTERNAL_ERROR"
)

// statusOf maps each error code to its HTTP status. Codes not listed are internal.
var statusOf = map[pricing.Code]int{
	engine.ErrMissingVideoID:           http.StatusBadRequest,
	pricing.ErrInvalidFormat:           http.StatusBadRequest,
	pricing.ErrInvalidParameter:        http.StatusBadRequest,
	pricing.ErrInvalidAvatarModel:      http.StatusBadRequest,
	pricing.ErrIncompatibleAvatarModel: http.StatusBadRequest,
	engine.ErrVideoNotReady:            http.StatusBadRequest,
	engine.ErrUnauthorized:             http.StatusUnauthorized,
	engine.ErrInsufficientCredits:      http.StatusPaymentRequired,
	engine.ErrBudgetExceeded:           http.StatusPaymentRequired,
	engine.ErrUnauthorizedVideo:        http.StatusForbidden,
	ErrUnauthorizedJob:                 http.StatusForbidden,
	pricing.ErrPlanRequired:            http.StatusForbidden,
	ErrLinkInvalid:                     http.StatusForbidden,
	ErrLinkExpired:                     http.StatusForbidden,
	engine.ErrVideoNotFound:            http.StatusNotFound,
	engine.ErrJobNotFound:              http.StatusNotFound,
	ErrNotFound:                        http.StatusNotFound,
	engine.ErrIdempotencyConflict:      http.StatusConflict,
	ErrPayloadTooLarge:                 http.StatusRequestEntityTooLarge,
	ErrRateLimited:                     http.StatusTooManyRequests,
	ErrMethodNotAllowed:                http.StatusMethodNotAllowed,
	ErrInternal:                        http.StatusInternalServerError,
}

// apiError returns a coded error with a message safe to show.
func apiError(code pricing.Code, field, message string) *pricing.Error {
	return &pricing.Error{Code: code, Field: field, Message: message}
}

// writeError writes err as the error envelope with its status. An error without a
// known code is logged and answered with a generic 500, so no internal detail leaks.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *pricing.Error
	status := 0
	if errors.As(err, &e) {
		status = statusOf[e.Code]
	}
	if status == 0 {
		s.log.Error("api: request failed", logKeyMethod, r.Method, logKeyPath, r.URL.Path,
			logKeyError, err)
		e, status = apiError(ErrInternal, "", "the server failed; try again later"),
			http.StatusInternalServerError
	}
	body, _ := e.MarshalJSON() // never fails
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeJSON writes v as JSON with status. Links keep their "&" as is, so a URL copied
// from a response works.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value written here is a plain struct; this is a programming error.
		slog.Default().Error("api: encode response", logKeyError, err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
