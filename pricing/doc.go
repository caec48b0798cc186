// Package pricing computes the credit cost of exporting a video, exactly, from a
// versioned rate card.
//
// A platform that generates avatar videos charges credits when a user exports one as an
// MP4: a base cost per started block of 30 seconds, a surcharge when the export is larger
// than 1080p, and a cost for premium avatar models billed per second of avatar visibility
// or per generated segment, some of them gated by plan. This package turns a [Request]
// into an itemised, explained [Quote]. It is the single implementation of those rules:
// the command line, the HTTP API and the browser calculator (compiled to WebAssembly) all
// call it, so the price a user sees is the price they are charged.
//
// # Rate cards are data
//
// Every number and policy lives in a [RateCard], a JSON document with an id and an
// effective date, never in code. [DefaultRateCard] returns the built-in card for the
// published rules; [ParseRateCard] loads and validates any other. Each card has a content
// hash, the SHA-256 of its canonical JSON, and every quote reports it: store the request
// and the hash with a charge and the charge can be replayed exactly, years later.
//
// The default card settles the published rules' ambiguities as follows:
//
//   - Blocks are started blocks: ⌈duration / 30 s⌉, at least one. 30 s is 1 block,
//     30.001 s is 2.
//   - "Above 1080p" means the export's long side is over 1920 or its short side is over
//     1080, so vertical 1080x1920 does not pay the surcharge and 3840x2160 does.
//   - Avatar seconds are billed exactly: 40.2 s x 0.8 = 32.16 credits.
//   - Segment-billed models charge segments x 8 s x rate, with the video's own segment
//     count when known, else ⌈visible seconds / 8⌉.
//
// A card can switch each of these policies: the high-resolution rule
// (long_short, literal or custom_only), a grace period before the first block
// boundary, rounding avatar seconds up to a step, and the base price per video origin.
// The built-in "hoox-observed" card shows them at work.
//
// # Exact arithmetic and where rounding happens
//
// Credits are decimals from end to end (github.com/shopspring/decimal), and cross every
// boundary (JSON, JavaScript, the database) as decimal strings such as "55.2". No amount
// is ever a float64, and this package never changes decimal's package-level settings.
//
// Nothing is rounded except at three named points, all of them counts:
//
//  1. Durations become whole blocks, rounding up (a started block is a block).
//  2. Visible seconds become whole segments, rounding up, when the video does not say
//     how many segments it has.
//  3. Visible seconds round up to the card's seconds_step, when it has one (none on the
//     default card).
//
// Prices are then multiplied by those counts exactly; amounts are never rounded and
// no division happens anywhere. To keep that exact and fast, every duration, step and
// price has at most nine decimal places (a nanosecond): validation enforces it, so
// durations are whole nanoseconds and the hot path of [RateCard.Quote] runs in int64
// arithmetic that allocates little and cannot overflow unnoticed.
//
// # Errors
//
// Every failure is an [*Error] with a stable [Code] (INVALID_FORMAT, INVALID_PARAMETER,
// INVALID_AVATAR_MODEL, INCOMPATIBLE_AVATAR_MODEL, PLAN_REQUIRED, INVALID_RATE_CARD), a
// message that names the field and what it allows, and the field's JSON path. Each Code
// is also a sentinel for [errors.Is]. [RateCard.Quote] documents the order of the checks.
//
// # JSON
//
// The JSON forms of requests, quotes, rate cards and errors are a contract shared with
// the HTTP API and the WebAssembly build. This package reads and writes them with its own
// small strict codec instead of encoding/json, which keeps the WebAssembly module small
// and lets every error name its field; the types still implement json.Marshaler and
// json.Unmarshaler, so encoding/json callers can embed them.
//
// The package is a leaf: it imports only the standard library and decimal, uses no cgo,
// builds for GOOS=js GOARCH=wasm, and never logs.
package pricing
