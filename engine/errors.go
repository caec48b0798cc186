package engine

import (
	"errors"

	"github.com/exportkit/exportkit/pricing"
)

// The engine reports every failure a caller can act on as a *pricing.Error: the same
// type, JSON envelope and stable codes as the pricing package, so the HTTP API has one
// error shape. Each Code doubles as a sentinel for errors.Is:
//
//	if errors.Is(err, engine.ErrInsufficientCredits) { ... }
//
// The codes of Service.Start, in the order its checks run (the request's own shape is
// checked by pricing between MISSING_VIDEO_ID and VIDEO_NOT_FOUND, and may fail with
// pricing.ErrInvalidFormat, ErrInvalidParameter or pricing.ErrInvalidAvatarModel):
const (
	// ErrMissingVideoID: the request has no video_id.
	ErrMissingVideoID pricing.Code = "MISSING_VIDEO_ID"
	// ErrVideoNotFound: no video has that id.
	ErrVideoNotFound pricing.Code = "VIDEO_NOT_FOUND"
	// ErrUnauthorizedVideo: the video belongs to another space.
	ErrUnauthorizedVideo pricing.Code = "UNAUTHORIZED_VIDEO"
	// ErrVideoNotReady: the video's status is not completed.
	ErrVideoNotReady pricing.Code = "VIDEO_NOT_READY"
	// ErrInvalidParameter: a field is malformed, or avatar_model is given for a video
	// without an avatar. Field names it.
	ErrInvalidParameter = pricing.ErrInvalidParameter
	// ErrIncompatibleAvatarModel: the video's avatar does not offer the model.
	ErrIncompatibleAvatarModel = pricing.ErrIncompatibleAvatarModel
	// ErrPlanRequired: the space's plan does not include the avatar model.
	ErrPlanRequired = pricing.ErrPlanRequired
	// ErrBudgetExceeded: the quote is more than the request's max_credits.
	ErrBudgetExceeded pricing.Code = "BUDGET_EXCEEDED"
	// ErrInsufficientCredits: the space's balance does not cover the quote.
	ErrInsufficientCredits pricing.Code = "INSUFFICIENT_CREDITS"
	// ErrIdempotencyConflict: the idempotency key was used before with another request.
	ErrIdempotencyConflict pricing.Code = "IDEMPOTENCY_CONFLICT"
)

// Codes of lookups and administration.
const (
	// ErrSpaceNotFound: no space has that id.
	ErrSpaceNotFound pricing.Code = "SPACE_NOT_FOUND"
	// ErrJobNotFound: no export job has that id in the space.
	ErrJobNotFound pricing.Code = "JOB_NOT_FOUND"
	// ErrUnauthorized: an API key matches no space.
	ErrUnauthorized pricing.Code = "UNAUTHORIZED"
)

// Codes a finished job records in JobError when it fails for good.
const (
	// ErrEncodingFailed: the render child failed, crashed, or ran past its time limit.
	ErrEncodingFailed pricing.Code = "ENCODING_FAILED"
	// ErrStorageFailed: the source could not be read or the result could not be stored.
	ErrStorageFailed pricing.Code = "STORAGE_FAILED"
	// ErrExportFailed: any other failure while running the export.
	ErrExportFailed pricing.Code = "EXPORT_FAILED"
)

// newError returns a coded error with a message safe to show to the caller.
func newError(code pricing.Code, field, message string) *pricing.Error {
	return &pricing.Error{Code: code, Field: field, Message: message}
}

// jobFailure wraps an internal cause with the code and public message the job records.
func jobFailure(code pricing.Code, message string, cause error) *pricing.Error {
	return &pricing.Error{Code: code, Message: message, Err: cause}
}

// failureOf returns err as the coded failure a job records: errors that already carry
// one of the job codes keep it, anything else is EXPORT_FAILED.
func failureOf(err error) *pricing.Error {
	var e *pricing.Error
	if errors.As(err, &e) {
		switch e.Code {
		case ErrEncodingFailed, ErrStorageFailed, ErrExportFailed:
			return e
		}
	}
	return jobFailure(ErrExportFailed, "the export failed", err)
}
