// Package api is exportkit's HTTP layer: the export endpoints of the published spec,
// a dry-run quote endpoint, credits and videos, signed download links, the OpenAPI
// document and the browser calculator, in front of an [engine.Service]. It holds no
// state of its own besides the rate limiter's counters; everything else is the
// engine's. `exportkit serve` wires it to an engine with workers.
//
// # Endpoints
//
// Every /v1 route takes "Authorization: Bearer <API key>". Keys are stored by the
// engine only as SHA-256 hashes and looked up by hash, so the server never holds or
// compares a plaintext key. The routes are listed once, in [New], and the embedded
// OpenAPI 3.1 document (served at /openapi.json) describes each of them; a test
// checks the two against each other.
//
//	POST /v1/export/start            start an export (Idempotency-Key header honoured)
//	POST /v1/export/quote            price it the same way, starting nothing
//	GET  /v1/export/status/{job_id}  the job, with freshly signed download links
//	GET  /v1/credits                 balance and reserved credits
//	GET  /v1/videos, /v1/videos/{id} the space's videos
//	GET  /downloads/{job_id}/{file}  the MP4 or thumbnail, through a signed link
//	GET  /openapi.json, /healthz, /  the document, a liveness check, the calculator
//
// # Errors
//
// Every failure is the envelope {"error": {"code", "message", "field"}} of
// [pricing.Error], with a status chosen by its code: 400 for validation codes
// (request bodies are decoded strictly, and a malformed body, a wrong type or an
// unknown field names the field), 401 UNAUTHORIZED, 402 INSUFFICIENT_CREDITS and
// BUDGET_EXCEEDED, 403 UNAUTHORIZED_VIDEO, UNAUTHORIZED_JOB, PLAN_REQUIRED and the
// link codes, 404 VIDEO_NOT_FOUND, JOB_NOT_FOUND and NOT_FOUND (no such endpoint), 405
// METHOD_NOT_ALLOWED (with an Allow header), 409 IDEMPOTENCY_CONFLICT, 413
// PAYLOAD_TOO_LARGE, 429 RATE_LIMITED. An error without a code is logged and answered
// with a bare 500 INTERNAL_ERROR, so no internal detail reaches a client.
//
// # Download links
//
// A completed job's files are served at /downloads/JOB/FILE?expires=UNIX&sig=SIG,
// where SIG is an HMAC-SHA256 of the job, the file and the expiry under a server
// secret ([Links]). A link works without an API key (it can be handed to a browser or
// a CDN), expires after 7 days by default, and is signed anew on every status read.
// A changed or expired link is 403. Files are served with http.ServeContent: exact
// Content-Length, the right Content-Type, and Range requests.
//
// # Rate limits and robustness
//
// Each space may make [Config.RateLimit] requests per window (100 a minute by
// default), counted in fixed windows; requests without a valid key, and the public
// routes, are counted per client address. Every response carries X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (Unix seconds); a refused one is 429
// with Retry-After. Bodies are capped ([Config.MaxBodyBytes]), and [Server.HTTPServer]
// sets a timeout on every phase of a connection.
//
// # Logging
//
// The server logs one line per request at Info through the injected logger: method,
// path (never the query, which holds link signatures), status, latency, size, client
// address and space. Keys, secrets and bodies are never logged.
package api
