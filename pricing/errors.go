package pricing

import "errors"

// Code is a stable, machine-readable error code such as "INVALID_FORMAT". Codes are part
// of the contract shared with the HTTP API and the browser calculator: they never change
// spelling once published.
//
// A Code is itself an error, so every code constant doubles as a sentinel:
//
//	if errors.Is(err, pricing.ErrPlanRequired) { ... }
type Code string

// Error returns the code itself.
func (c Code) Error() string { return string(c) }

// The error codes a quote can fail with, in the order the checks run (see Quote).
const (
	// ErrInvalidFormat: the requested export format is not one the rate card knows.
	ErrInvalidFormat Code = "INVALID_FORMAT"
	// ErrInvalidParameter: a field is missing, malformed or out of range; Field names it.
	ErrInvalidParameter Code = "INVALID_PARAMETER"
	// ErrInvalidAvatarModel: the requested avatar model is not one the rate card knows.
	ErrInvalidAvatarModel Code = "INVALID_AVATAR_MODEL"
	// ErrIncompatibleAvatarModel: the video's avatar does not offer the requested model.
	ErrIncompatibleAvatarModel Code = "INCOMPATIBLE_AVATAR_MODEL"
	// ErrPlanRequired: the caller's plan does not include the avatar model.
	ErrPlanRequired Code = "PLAN_REQUIRED"
	// ErrInvalidRateCard: a rate card failed validation; Field names the offending entry.
	ErrInvalidRateCard Code = "INVALID_RATE_CARD"
)

// Codes lists every code this package returns. A test checks that no error escapes
// without one of them.
var Codes = []Code{
	ErrInvalidFormat, ErrInvalidParameter, ErrInvalidAvatarModel,
	ErrIncompatibleAvatarModel, ErrPlanRequired, ErrInvalidRateCard,
}

// Error is the one error type of this package. Its Message is safe to show to the person
// who made the request: it names the field and what is allowed, and nothing internal. Err,
// when set, is the internal cause and is kept for logs only.
type Error struct {
	Code    Code   // stable machine-readable code
	Message string // human-readable, names the field and the allowed values
	Field   string // the request or rate-card field at fault, as a JSON path; may be empty
	Err     error  // internal cause, if any; not part of the message
}

// Error returns "CODE: message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Code, which makes every Code a sentinel for errors.Is.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// MarshalJSON encodes the error as the API's error envelope:
//
//	{"error": {"code": "INVALID_FORMAT", "message": "...", "field": "format"}}
func (e *Error) MarshalJSON() ([]byte, error) {
	var w jsonWriter
	w.beginObject()
	w.key("error")
	w.beginObject()
	w.key("code")
	w.string(string(e.Code))
	w.key("message")
	w.string(e.Message)
	w.key("field")
	w.string(e.Field)
	w.endObject()
	w.endObject()
	return w.bytes(), nil
}

// AsError returns err as an *Error. An error that is not one (which this package never
// returns) becomes INVALID_PARAMETER with a generic message, so callers can always
// produce the error envelope.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: ErrInvalidParameter, Message: "invalid request", Err: err}
}

func invalidParam(field, message string) *Error {
	return &Error{Code: ErrInvalidParameter, Message: message, Field: field}
}

func invalidCard(field, message string) *Error {
	return &Error{Code: ErrInvalidRateCard, Message: "rate card: " + message, Field: field}
}
