package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/pricing"
)

// exportBody is the JSON body of start and quote.
type exportBody struct {
	VideoID     string          `json:"video_id"`
	Format      string          `json:"format"`
	Width       int             `json:"width"`
	Height      int             `json:"height"`
	AvatarModel string          `json:"avatar_model"`
	WebhookURL  string          `json:"webhook_url"`
	MaxCredits  json.RawMessage `json:"max_credits"`
}

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// decodeExport reads a start or quote request: strict JSON (one object, known fields,
// right types) of at most limit bytes. Every failure names the field when there is one.
func decodeExport(w http.ResponseWriter, r *http.Request, limit int64) (engine.ExportRequest,
	error) {
	// Read the body under the cap.
	var req engine.ExportRequest
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return req, apiError(ErrPayloadTooLarge, "", "the request body is larger than "+
			strconv.FormatInt(limit, 10)+" bytes")
	case err != nil:
		return req, apiError(pricing.ErrInvalidParameter, "", "the request body could not be read")
	case len(bytes.TrimSpace(data)) == 0:
		return req, apiError(pricing.ErrInvalidParameter, "", "the request body must be a JSON object")
	}

	// Decode it strictly.
	var body exportBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return req, jsonError(err)
	}
	if dec.More() {
		return req, apiError(pricing.ErrInvalidParameter, "",
			"the request body must hold one JSON object and nothing after it")
	}
	req = engine.ExportRequest{VideoID: body.VideoID, Format: body.Format, Width: body.Width,
		Height: body.Height, AvatarModel: body.AvatarModel, WebhookURL: body.WebhookURL}

	// max_credits is a decimal, given as a string ("12.5") or a number (12.5).
	if raw := bytes.TrimSpace(body.MaxCredits); len(raw) > 0 && string(raw) != "null" {
		text := string(raw)
		if raw[0] == '"' {
			if err := json.Unmarshal(raw, &text); err != nil {
				return req, maxCreditsError()
			}
		}
		d, err := decimal.NewFromString(text)
		if err != nil || strings.ContainsAny(text, "eE") {
			return req, maxCreditsError()
		}
		req.MaxCredits = decimal.NewNullDecimal(d)
	}

	// The idempotency key comes from its header.
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool {
		return c < 0x21 || c > 0x7e
	}) {
		return req, apiError(pricing.ErrInvalidParameter, "Idempotency-Key",
			"the Idempotency-Key header must be at most 255 printable ASCII characters")
	}
	req.IdempotencyKey = key
	return req, nil
}

func maxCreditsError() error {
	return apiError(pricing.ErrInvalidParameter, "max_credits",
		`max_credits must be a non-negative decimal number, such as 12.5 or "12.5"`)
}

// jsonError turns an encoding/json error into INVALID_PARAMETER naming the field.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apiError(pricing.ErrInvalidParameter, "", "the request body must be a JSON object")
		}
		return apiError(pricing.ErrInvalidParameter, field, field+" must be "+
			article(typeErr.Type.Kind().String())+", not "+typeErr.Value)
	case errors.As(err, &syntaxErr):
		return apiError(pricing.ErrInvalidParameter, "", "the request body is malformed JSON "+
			"at byte "+strconv.FormatInt(syntaxErr.Offset, 10))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiError(pricing.ErrInvalidParameter, "", "the request body is truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apiError(pricing.ErrInvalidParameter, field, "unknown field "+strconv.Quote(field))
	}
	return apiError(pricing.ErrInvalidParameter, "", "the request body is not valid JSON")
}

// article names a Go kind the way a JSON user reads it.
func article(kind string) string {
	switch kind {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	}
	return "a " + kind
}
