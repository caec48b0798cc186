package render

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Callers branch on codes, never on
// message text. A Code is itself an error, so each code constant doubles as the
// sentinel for errors.Is:
//
//	if errors.Is(err, render.ErrInvalidMedia) { ... }
type Code string

// Error returns the code itself, so a bare Code reads well in logs.
func (c Code) Error() string { return string(c) }

// The error codes render returns. They are part of the public contract and never change.
const (
	// ErrInvalidParameter means an option was out of range or malformed: an odd or
	// too large target size, an unknown mode or preset, a focus point outside 0..1.
	// It is always reported before any media is read.
	ErrInvalidParameter Code = "INVALID_PARAMETER"

	// ErrInvalidMedia means the input is not a readable, complete video file: a
	// missing, empty, truncated or non-media file, a directory, or a video with no
	// frames.
	ErrInvalidMedia Code = "INVALID_MEDIA"

	// ErrNoVideoStream means the input is a media file without a video stream, for
	// example an audio-only file.
	ErrNoVideoStream Code = "NO_VIDEO_STREAM"

	// ErrUnsupportedCodec means the input uses a codec this build of libav cannot
	// decode.
	ErrUnsupportedCodec Code = "UNSUPPORTED_CODEC"

	// ErrEncodingFailed means encoding or writing the output failed, for example
	// because the disk is full. The input itself was fine.
	ErrEncodingFailed Code = "ENCODING_FAILED"
)

// Error is the error type returned by every function in this package, except for
// cancellation, which returns the context's error wrapped.
//
// Message is safe to show to an end user: it names the problem in plain words and
// carries no paths or libav internals. Err holds the internal cause for logs.
type Error struct {
	// Code is the stable machine-readable code.
	Code Code

	// Op is the operation that failed: "probe", "reframe" or "thumbnail".
	Op string

	// Message describes the problem for a user.
	Message string

	// Err is the internal cause, if any. It may mention paths and libav errors.
	Err error
}

// Error returns the operation, code, message and internal cause on one line.
func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s: %s", e.Op, e.Code, e.Message)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the Code of e, so errors.Is(err, ErrInvalidMedia)
// works on any *Error in a chain.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// CodeOf returns the code of the first *Error in err's chain, or "" if there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// newError builds an *Error; cause may be nil.
func newError(op string, code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...), Err: cause}
}
