// Package engine is exportkit's export service: it turns "export video X as format F"
// into a charged, tracked, retried job that ends in a stored MP4 and JPEG thumbnail, or
// in a coded failure with the credits given back. It is a library first, embedded by
// other Go programs and by `exportkit serve`; it does not speak HTTP.
//
// # Storage of state
//
// Spaces (tenants with a plan and a credit balance), hashed API keys, registered
// videos, export jobs with their quotes, the credit ledger and the rate cards quotes
// were made with live in one SQL database: an SQLite file in the data directory by
// default (WAL journal, one connection per process, IMMEDIATE transactions, a busy
// timeout for other processes), or PostgreSQL when [Config.DatabaseURL] is a
// postgres:// URL. The same statements run on both; only row locking differs
// (SELECT ... FOR UPDATE on PostgreSQL, the database-wide write lock on SQLite). Jobs
// are queued and run with River (github.com/riverqueue/river) in the same database,
// through its SQLite or pgx driver. Both sets of migrations run in [New].
//
// Credits are decimals from end to end, stored as decimal strings, never floats.
//
// # The ledger: reservation, then settlement
//
// Every change of a balance is a ledger entry whose amount is the signed change, and
// the entry and the balance update are written in the same transaction, so a space's
// entries always add up to its balance. A job's credits move in two steps:
//
//   - [Service.Start] reserves the quoted total (a "reserve" entry, negative).
//   - When the export completes, the request is priced again with the same rate card
//     on the duration actually rendered; that cost, never more than the reservation,
//     is charged ("settle", negative) and the reservation returned ("release",
//     positive). When it fails for good, only the release is written.
//
// Reserving first is what keeps a balance from going negative when many exports start
// at once: the check and the hold happen under one lock, before any work is done, and
// a space cannot start more than it can pay for. Settling afterwards charges what was
// really produced: a render that comes out shorter than the registered duration costs
// less, and one that comes out longer never costs more than the caller agreed to.
//
// # Transaction boundaries
//
// Start validates without writing, then in one transaction locks the space's row,
// checks the idempotency key and the balance, inserts the job with its quote (the rate
// card hash and the pricing request as JSON, so the charge can be replayed exactly),
// writes the reservation, and inserts the River job with River's transactional insert.
// A crash anywhere leaves all of it or none of it.
//
// A worker's settlement is likewise one transaction: the job's result, the settle and
// release entries, the balance and River's completion of its job (JobCompleteTx). A
// final failure writes the job's error and the release together. Both are guarded by
// the job's own status (only a pending or processing job can finish), which is what
// makes the ledger exactly-once even when River runs a job twice.
//
// # Idempotency
//
// A start with an idempotency key that the space used before returns the first start's
// job and reserves nothing, provided the request is the same (compared by a SHA-256 of
// its fields); a different request under the same key is [ErrIdempotencyConflict].
// The key is checked under the space's lock, so concurrent retries make one job.
//
// Keys expire: one older than [Config.IdempotencyTTL] (24 hours by default) is freed
// and the start makes a new job. [Service.Quote] runs Start's checks and prices the
// request without writing anything.
//
// # Webhooks
//
// A job with a webhook URL gets a delivery row (webhook_deliveries) and a River job in
// the "webhooks" queue, written in the same transaction that completes or fails the
// export, so an event is sent if and only if the job finished. Each attempt POSTs the
// stored JSON event, signed per the Standard Webhooks scheme: webhook-id (the delivery
// id, the same on every retry, for receivers to deduplicate), webhook-timestamp, and
// webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed with the
// space's whsec_ secret, base64-decoded after the prefix. [VerifyWebhook] checks one
// in Go; [Service.RotateWebhookSecret] replaces a secret. Every attempt is recorded in
// webhook_attempts. A failed attempt is retried with exponential backoff and jitter
// ([Config.WebhookRetryDelay] doubling, 12 attempts over about 23 hours by default),
// each bounded by [Config.WebhookTimeout].
//
// Webhook URLs are a server-side request forgery risk: a caller names a URL and the
// server connects to it. They must be http or https; a literal non-public address or
// localhost is refused at start, and every connection is checked again after DNS, in
// the dialer's Control function, so a name that resolves or is rebound to a loopback,
// private, link-local, metadata, multicast or unspecified address is refused before a
// packet is sent. Proxies are not used and redirects are not followed.
// [Config.AllowPrivateWebhooks] lifts the address checks for local testing.
//
// # Child-process isolation
//
// The default [Renderer], [ProcessRenderer], runs every render in a child process of
// the current executable (`exportkit render -o json -progress-json`), reading progress
// as JSON lines from its stderr and the result from its stdout. A crash inside libav,
// which a hostile file can provoke, then kills one child and fails one export attempt
// with ENCODING_FAILED; the service keeps running. A child that outlives
// [Config.RenderTimeout] is killed. The engine never imports the cgo render package.
//
// # Retries and rescue
//
// A failed attempt is retried by River up to [Config.MaxAttempts] times. A worker that
// dies mid-export (SIGKILL, power loss) leaves its River job running; after
// [Config.RescueAfter] River's rescuer, run by whichever client leads, makes it
// available again and another worker runs it from the start. Since ledger writes are
// guarded by the job's status, the ledger ends as if it had run once.
//
// River is given one attempt more than MaxAttempts. The last real attempt can end
// without an outcome: its worker lost (River discards a stuck job on its last attempt),
// its time limit reached, or the database gone while settling. The spare attempt then
// renders nothing; it fails the job with EXPORT_FAILED and releases the reservation,
// so credits are never held for a job that will not run again.
//
// Cancelling the context given to [Service.StartWorkers] cancels the exports in flight;
// to stop gracefully, give it a context that outlives the signal and call
// [Service.Close], which waits for running exports until its own context ends.
//
// # Errors
//
// Failures a caller can act on are [*pricing.Error] values with stable codes (see
// [ErrMissingVideoID] and the constants after it); each code is a sentinel for
// errors.Is. Internal causes are wrapped beneath and never shown in the message.
package engine
