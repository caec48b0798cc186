package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	key := b.space.APIKey

	// Another space, with its own video and a job, and a poor space on the free plan.
	other := b.newSpace(t, "start", "100")
	otherVideo := b.addVideo(t, other.ID, engine.NewVideo{Origin: engine.OriginDashboard,
		Duration: decimal.NewFromInt(30)})
	otherJob, err := b.eng.Start(context.Background(), other.ID,
		engine.ExportRequest{VideoID: otherVideo.ID})
	if err != nil {
		t.Fatal(err)
	}
	poor := b.newSpace(t, "free", "1")
	poorVideo := b.addVideo(t, poor.ID, engine.NewVideo{Origin: engine.OriginDashboard,
		Duration: decimal.NewFromInt(90)})
	dash, avatar, proc := b.videos["dashboard"].ID, b.videos["avatar"].ID, b.videos["processing"].ID

	tests := []struct {
		name, method, path, key, body string
		status                        int
		code, field                   string
	}{
		{"no key", "POST", "/v1/export/start", "", `{}`, 401, "UNAUTHORIZED", "Authorization"},
		{"bad key", "GET", "/v1/credits", "ek_wrong", "", 401, "UNAUTHORIZED", ""},

		{"missing video_id", "POST", "/v1/export/start", key, `{}`, 400, "MISSING_VIDEO_ID", "video_id"},
		{"bad format", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","format":"cinema"}`,
			400, "INVALID_FORMAT", "format"},
		{"custom too wide", "POST", "/v1/export/start", key,
			`{"video_id":"` + dash + `","format":"custom","width":6000,"height":1080}`,
			400, "INVALID_PARAMETER", "width"},
		{"bad model", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","avatar_model":"mega"}`,
			400, "INVALID_AVATAR_MODEL", "avatar_model"},
		{"model without avatar", "POST", "/v1/export/start", key,
			`{"video_id":"` + dash + `","avatar_model":"premium"}`, 400, "INVALID_PARAMETER", "avatar_model"},
		{"incompatible model", "POST", "/v1/export/start", key,
			`{"video_id":"` + avatar + `","avatar_model":"veo-3"}`, 400, "INCOMPATIBLE_AVATAR_MODEL", "avatar_model"},
		{"not ready", "POST", "/v1/export/start", key, `{"video_id":"` + proc + `"}`,
			400, "VIDEO_NOT_READY", "video_id"},
		{"bad webhook scheme", "POST", "/v1/export/start", key,
			`{"video_id":"` + dash + `","webhook_url":"ftp://example.com/x"}`, 400, "INVALID_PARAMETER", "webhook_url"},
		{"negative budget", "POST", "/v1/export/quote", key,
			`{"video_id":"` + dash + `","max_credits":"-1"}`, 400, "INVALID_PARAMETER", "max_credits"},

		{"malformed JSON", "POST", "/v1/export/start", key, `{"video_id": "x",`, 400, "INVALID_PARAMETER", ""},
		{"wrong type", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","width":"wide"}`,
			400, "INVALID_PARAMETER", "width"},
		{"unknown field", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","colour":"red"}`,
			400, "INVALID_PARAMETER", "colour"},
		{"bad max_credits", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","max_credits":true}`,
			400, "INVALID_PARAMETER", "max_credits"},
		{"two objects", "POST", "/v1/export/start", key, `{"video_id":"a"} {}`, 400, "INVALID_PARAMETER", ""},
		{"array", "POST", "/v1/export/start", key, `[1]`, 400, "INVALID_PARAMETER", ""},

		{"insufficient credits", "POST", "/v1/export/start", poor.APIKey, `{"video_id":"` + poorVideo.ID + `"}`,
			402, "INSUFFICIENT_CREDITS", ""},
		{"over budget", "POST", "/v1/export/start", key, `{"video_id":"` + dash + `","max_credits":10}`,
			402, "BUDGET_EXCEEDED", "max_credits"},
		{"over budget quote", "POST", "/v1/export/quote", key, `{"video_id":"` + dash + `","max_credits":"14.99"}`,
			402, "BUDGET_EXCEEDED", "max_credits"},

		{"another space's video", "POST", "/v1/export/start", key, `{"video_id":"` + otherVideo.ID + `"}`,
			403, "UNAUTHORIZED_VIDEO", "video_id"},
		{"another space's video, read", "GET", "/v1/videos/" + otherVideo.ID, key, "",
			403, "UNAUTHORIZED_VIDEO", "id"},
		{"another space's job", "GET", "/v1/export/status/" + otherJob.ID, key, "",
			403, "UNAUTHORIZED_JOB", "job_id"},
		{"plan required", "POST", "/v1/export/quote", key, `{"video_id":"` + avatar + `","avatar_model":"ultra"}`,
			403, "PLAN_REQUIRED", "avatar_model"},

		{"no such video", "POST", "/v1/export/start", key, `{"video_id":"vid_nope"}`, 404, "VIDEO_NOT_FOUND", "video_id"},
		{"no such video, read", "GET", "/v1/videos/vid_nope", key, "", 404, "VIDEO_NOT_FOUND", "video_id"},
		{"no such job", "GET", "/v1/export/status/job_nope", key, "", 404, "JOB_NOT_FOUND", "job_id"},
		{"no such route", "GET", "/v1/nothing", key, "", 404, "NOT_FOUND", ""},
		{"wrong method", "GET", "/v1/export/start", key, "", 405, "METHOD_NOT_ALLOWED", ""},
		{"wrong method, public", "DELETE", "/healthz", "", "", 405, "METHOD_NOT_ALLOWED", ""},

		{"oversized body", "POST", "/v1/export/start", key,
			`{"video_id":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "PAYLOAD_TOO_LARGE", ""},
	}
	for _, tt := range tests {
		r := b.do(t, tt.method, tt.path, tt.key, tt.body)
		code, field := r.errorCode(t)
		if r.status != tt.status || code != tt.code || field != tt.field {
			t.Errorf("%s: %d %s field %q, want %d %s field %q (%s)", tt.name, r.status, code,
				field, tt.status, tt.code, tt.field, r.body)
		}
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.name, r.header.Get("Content-Type"))
		}
		if tt.status == 405 && !strings.Contains(r.header.Get("Allow"), "GET") &&
			!strings.Contains(r.header.Get("Allow"), "POST") {
			t.Errorf("%s: Allow %q, want the methods the path takes", tt.name, r.header.Get("Allow"))
		}
	}

	// The refused starts reserved nothing: only other's one job holds credits.
	r := b.do(t, "GET", "/v1/credits", key, "")
	if got := r.json(t); got["balance"] != "100" || got["reserved"] != "0" {
		t.Errorf("credits after refused starts = %v, want 100 and 0 reserved", got)
	}
}

func TestIdempotentStart(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	key := b.space.APIKey
	body := `{"video_id":"` + b.videos["dashboard"].ID + `","format":"vertical"}`

	// The first start creates the job; a retry returns it without reserving again.
	first := b.do(t, "POST", "/v1/export/start", key, body, "Idempotency-Key", "order-42")
	again := b.do(t, "POST", "/v1/export/start", key, body, "Idempotency-Key", "order-42")
	if first.status != 201 || again.status != 201 {
		t.Fatalf("starts: %d %s, %d %s", first.status, first.body, again.status, again.body)
	}
	if diff := cmp.Diff(first.json(t), again.json(t)); diff != "" {
		t.Errorf("replayed response (-first +again):\n%s", diff)
	}
	if first.header.Get("Idempotent-Replayed") != "" || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed = %q then %q, want none then true",
			first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
	}
	jobs, err := b.eng.ListJobs(context.Background(), b.space.ID, 0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %d (%v), want 1", len(jobs), err)
	}

	// The same key with another request conflicts.
	r := b.do(t, "POST", "/v1/export/start", key,
		`{"video_id":"`+b.videos["dashboard"].ID+`","format":"square"}`, "Idempotency-Key", "order-42")
	if code, _ := r.errorCode(t); r.status != 409 || code != "IDEMPOTENCY_CONFLICT" {
		t.Errorf("conflicting retry: %d %s", r.status, r.body)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})

	// The spec's first example: 40 s of premium avatar on an API video is 32 credits.
	r := b.do(t, "POST", "/v1/export/quote", b.space.APIKey,
		`{"video_id":"`+b.videos["avatar"].ID+`","avatar_model":"premium","format":"vertical"}`)
	if r.status != 200 {
		t.Fatalf("quote: %d %s", r.status, r.body)
	}
	got := r.json(t)
	quote := got["quote"].(map[string]any)
	if got["estimated_credits"] != "32" || quote["total"] != "32" {
		t.Errorf("quote = %v, want 32 credits", got)
	}
	if lines, _ := quote["lines"].([]any); len(lines) != 2 {
		t.Errorf("quote lines = %v, want base export and avatar", quote["lines"])
	}

	// Nothing was started or reserved.
	if jobs, _ := b.eng.ListJobs(context.Background(), b.space.ID, 0); len(jobs) != 0 {
		t.Errorf("a quote made %d jobs", len(jobs))
	}
}

func TestDownloadLinksRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	key := b.space.APIKey
	r := b.do(t, "POST", "/v1/export/start", key, `{"video_id":"`+b.videos["api"].ID+`"}`)
	job := r.json(t)["job_id"].(string)
	res := b.waitDone(t, key, job)["result"].(map[string]any)
	good := res["video_url"].(string)

	// An expired link, signed correctly, is LINK_EXPIRED.
	past := *b.links
	past.now = func() time.Time { return time.Now().Add(-8 * 24 * time.Hour) }
	expired, _ := past.JobLinks(job)

	tests := []struct{ name, url, code string }{
		{"expired", expired, "LINK_EXPIRED"},
		{"expiry moved", strings.Replace(good, "expires=", "expires=9", 1), "LINK_INVALID"},
		{"other file", strings.Replace(good, "video.mp4", "thumbnail.jpg", 1), "LINK_INVALID"},
		{"other job", strings.Replace(good, job, b.videos["api"].ID, 1), "LINK_INVALID"},
		{"signature changed", good[:len(good)-2] + "AA", "LINK_INVALID"},
		{"no signature", good[:strings.Index(good, "&sig=")], "LINK_INVALID"},
	}
	for _, tt := range tests {
		r := b.do(t, "GET", tt.url, "", "")
		if code, _ := r.errorCode(t); r.status != 403 || code != tt.code {
			t.Errorf("%s: %d %s, want 403 %s", tt.name, r.status, r.body, tt.code)
		}
	}

	// A second status read signs the links anew, and they work.
	if r := b.do(t, "GET", good, "", "", "Range", "bytes=0-0"); r.status != http.StatusPartialContent {
		t.Errorf("good link: %d", r.status)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, options{rateLimit: 3})
	other := b.newSpace(t, "start", "0")

	// Three requests pass, counting down; the fourth is 429 with Retry-After.
	for i := range 4 {
		r := b.do(t, "GET", "/v1/credits", b.space.APIKey, "")
		h := r.header
		if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Reset") == "" {
			t.Errorf("request %d: headers %v", i+1, h)
		}
		wantRemaining := fmt.Sprint(max(2-i, 0))
		if got := h.Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: X-RateLimit-Remaining = %s, want %s", i+1, got, wantRemaining)
		}
		wantStatus := 200
		if i == 3 {
			wantStatus = 429
		}
		if r.status != wantStatus {
			t.Errorf("request %d: %d %s, want %d", i+1, r.status, r.body, wantStatus)
		}
		if i == 3 {
			if code, _ := r.errorCode(t); code != "RATE_LIMITED" || h.Get("Retry-After") == "" {
				t.Errorf("429: code %s, Retry-After %q", code, h.Get("Retry-After"))
			}
		}
	}

	// Another space has its own allowance.
	if r := b.do(t, "GET", "/v1/credits", other.APIKey, ""); r.status != 200 {
		t.Errorf("other space: %d", r.status)
	}

	// Public routes carry the headers too.
	if r := b.do(t, "GET", "/healthz", "", ""); r.header.Get("X-RateLimit-Limit") != "3" {
		t.Errorf("healthz headers: %v", r.header)
	}
}

func TestLimiterWindow(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_000_000, 0)
	l := newLimiter(2, time.Minute, func() time.Time { return at })
	var got []bool
	for _, step := range []time.Duration{0, time.Second, time.Second, 58 * time.Second} {
		at = at.Add(step)
		got = append(got, l.take("k").allowed)
	}
	// Two pass, the third is refused, and the window reopens a minute after the first.
	if diff := cmp.Diff([]bool{true, true, false, true}, got); diff != "" {
		t.Errorf("allowed (-want +got):\n%s", diff)
	}
}

func TestWebhookTargetsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{engine: func(c *engine.Config) { c.AllowPrivateWebhooks = false }})
	for _, target := range []string{"http://127.0.0.1:9/x", "http://10.0.0.1/x",
		"http://169.254.169.254/latest", "http://[::1]/x", "http://localhost:8080/x"} {
		r := b.do(t, "POST", "/v1/export/start", b.space.APIKey,
			`{"video_id":"`+b.videos["api"].ID+`","webhook_url":"`+target+`"}`)
		if code, field := r.errorCode(t); r.status != 400 || code != "INVALID_PARAMETER" ||
			field != "webhook_url" {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noWorkers: true})
	if r := b.do(t, "GET", "/healthz", "", ""); r.status != 200 || r.json(t)["status"] != "ok" {
		t.Fatalf("healthz = %d %s, want 200 ok", r.status, r.body)
	}

	// With its database gone the server says so, for a load balancer to act on.
	if err := b.eng.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, "GET", "/healthz", "", ""); r.status != 503 || r.json(t)["status"] != "unavailable" {
		t.Errorf("healthz after the database closed = %d %s, want 503 unavailable", r.status, r.body)
	}
}
