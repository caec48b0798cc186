package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/internal/dbtest"
	"github.com/exportkit/exportkit/pricing"
)

func TestStartValidation(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, nil)
		ctx := context.Background()

		// A free-plan space with 10 credits and its videos, and another space's video.
		free, err := s.CreateSpace(ctx, "free", "free", decimal.NewFromInt(10))
		if err != nil {
			t.Fatal(err)
		}
		plain := addVideo(t, s, free.ID, "30", nil)
		long := addVideo(t, s, free.ID, "90", nil)
		generating := addVideo(t, s, free.ID, "30", func(nv *NewVideo) { nv.Status = VideoProcessing })
		avatar := addVideo(t, s, free.ID, "30", func(nv *NewVideo) {
			nv.Avatar = &Avatar{Models: []string{"standard", "premium"}, DefaultModel: "standard"}
		})
		other := addVideo(t, s, b.space, "30", nil)
		budget := decimal.NewNullDecimal(decimal.RequireFromString("4.5"))

		tests := []struct {
			name    string
			req     ExportRequest
			code    pricing.Code
			message string
		}{
			{"no video id", ExportRequest{Format: "bogus"}, ErrMissingVideoID, ""},
			{"bad format before lookup", ExportRequest{VideoID: "vid_nope", Format: "bogus"},
				pricing.ErrInvalidFormat, ""},
			{"odd custom width", ExportRequest{VideoID: "vid_nope", Format: "custom", Width: 1081},
				ErrInvalidParameter, ""},
			{"unknown model", ExportRequest{VideoID: "vid_nope", AvatarModel: "nope"},
				pricing.ErrInvalidAvatarModel, ""},
			{"bad webhook", ExportRequest{VideoID: "vid_nope", WebhookURL: "ftp://x"},
				ErrInvalidParameter, ""},

			{"not found", ExportRequest{VideoID: "vid_nope"}, ErrVideoNotFound, ""},
			{"other space", ExportRequest{VideoID: other.ID}, ErrUnauthorizedVideo, ""},
			{"not ready", ExportRequest{VideoID: generating.ID}, ErrVideoNotReady, ""},

			{"model without avatar", ExportRequest{VideoID: plain.ID, AvatarModel: "standard"},
				ErrInvalidParameter, ""},
			{"incompatible model", ExportRequest{VideoID: avatar.ID, AvatarModel: "ultra"},
				ErrIncompatibleAvatarModel, ""},
			{"plan", ExportRequest{VideoID: avatar.ID, AvatarModel: "premium"}, ErrPlanRequired, ""},

			{"budget", ExportRequest{VideoID: plain.ID, MaxCredits: budget}, ErrBudgetExceeded, ""},
			{"budget before credits", ExportRequest{VideoID: long.ID, MaxCredits: budget},
				ErrBudgetExceeded, ""},
			{"credits", ExportRequest{VideoID: long.ID}, ErrInsufficientCredits,
				"INSUFFICIENT_CREDITS: requires 15 credits, 10 available"},
		}
		for _, tt := range tests {
			_, err := s.Start(ctx, free.ID, tt.req)
			var e *pricing.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.code) {
				t.Errorf("%s: Start error = %v, want code %s", tt.name, err, tt.code)
				continue
			}
			if tt.message != "" && err.Error() != tt.message {
				t.Errorf("%s: message = %q, want %q", tt.name, err.Error(), tt.message)
			}
		}

		// Nothing was reserved or enqueued.
		if n := count(t, s, "jobs"); n != 0 {
			t.Errorf("%d jobs stored after failed starts", n)
		}
		if n := count(t, s, "river_job"); n != 0 {
			t.Errorf("%d river jobs after failed starts", n)
		}
		if bal := checkLedger(t, s, free.ID); !bal.Equal(decimal.NewFromInt(10)) {
			t.Errorf("balance = %s, want 10", bal)
		}

		// And a valid start costs 5 of the 10 credits.
		budget = decimal.NewNullDecimal(decimal.NewFromInt(5))
		j, err := s.Start(ctx, free.ID, ExportRequest{VideoID: plain.ID, MaxCredits: budget})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if j.Status != JobPending || j.CurrentStep != StepQueued || !j.EstimatedCost.Equal(decimal.NewFromInt(5)) {
			t.Errorf("job = %s/%s cost %s, want pending/queued cost 5", j.Status, j.CurrentStep, j.EstimatedCost)
		}
		if bal := checkLedger(t, s, free.ID); !bal.Equal(decimal.NewFromInt(5)) {
			t.Errorf("balance = %s, want 5", bal)
		}
	})
}

func TestStartChargeAPIVideos(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		for _, charge := range []bool{true, false} {
			s, b := setup(t, databaseURL+"", func(c *Config) { c.ChargeAPIVideos = &charge })
			ctx := context.Background()

			// An API video with a premium avatar: 40 s x 0.8 = 32 credits when charged.
			v := addVideo(t, s, b.space, "40", func(nv *NewVideo) {
				nv.Origin = OriginAPI
				nv.Avatar = &Avatar{Models: []string{"premium"}}
			})
			j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
			if err != nil {
				t.Fatalf("charge %v: Start: %v", charge, err)
			}
			want := decimal.NewFromInt(32)
			if !charge {
				want = decimal.Zero
			}
			if !j.EstimatedCost.Equal(want) {
				t.Errorf("charge %v: estimated cost %s, want %s", charge, j.EstimatedCost, want)
			}
			if bal := checkLedger(t, s, b.space); !bal.Equal(decimal.NewFromInt(100).Sub(want)) {
				t.Errorf("charge %v: balance %s, want %s", charge, bal, decimal.NewFromInt(100).Sub(want))
			}
			if databaseURL != "" {
				break // one PostgreSQL schema per test: the second service would share it
			}
		}
	})
}

func TestStartTransactionAllOrNothing(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, nil)
		ctx := context.Background()
		v := addVideo(t, s, b.space, "30", nil)

		// Fail between the reservation and the River insert.
		boom := errors.New("crash after reserve")
		s.afterReserve = func() error { return boom }
		if _, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID}); !errors.Is(err, boom) {
			t.Fatalf("Start error = %v, want the injected failure", err)
		}

		// Nothing persisted: no job, no River job, no reservation.
		if n := count(t, s, "jobs"); n != 0 {
			t.Errorf("%d jobs persisted", n)
		}
		if n := count(t, s, "river_job"); n != 0 {
			t.Errorf("%d river jobs persisted", n)
		}
		if bal := checkLedger(t, s, b.space); !bal.Equal(decimal.NewFromInt(100)) {
			t.Errorf("balance = %s, want 100", bal)
		}

		// The same start without the failure persists all three.
		s.afterReserve = nil
		j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if n := count(t, s, "river_job"); n != 1 {
			t.Errorf("%d river jobs, want 1", n)
		}
		if diff := cmp.Diff([]string{"reserve -5"}, jobLedger(t, s, b.space, j.ID)); diff != "" {
			t.Errorf("ledger (-want +got):\n%s", diff)
		}
	})
}

func TestStartIdempotency(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, nil)
		ctx := context.Background()
		v := addVideo(t, s, b.space, "90", nil) // 15 credits

		// The same key and request gives the same job, even once the balance is spent.
		req := ExportRequest{VideoID: v.ID, Format: "square", IdempotencyKey: "k1"}
		first, err := s.Start(ctx, b.space, req)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		for range 10 {
			if _, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID}); err != nil {
				break // spend the balance
			}
		}
		again, err := s.Start(ctx, b.space, req)
		if err != nil {
			t.Fatalf("repeated Start: %v", err)
		}
		if again.ID != first.ID {
			t.Errorf("repeated start gave job %s, want %s", again.ID, first.ID)
		}
		if got := jobLedger(t, s, b.space, first.ID); len(got) != 1 {
			t.Errorf("ledger of the job = %v, want one reservation", got)
		}

		// The same key with another request conflicts.
		other := req
		other.Format = "vertical"
		if _, err := s.Start(ctx, b.space, other); !errors.Is(err, ErrIdempotencyConflict) {
			t.Errorf("Start with a reused key = %v, want %s", err, ErrIdempotencyConflict)
		}

		// Concurrent retries of one key make one job.
		req2 := ExportRequest{VideoID: v.ID, IdempotencyKey: "k2"}
		if _, err := s.GrantCredits(ctx, b.space, decimal.NewFromInt(15)); err != nil {
			t.Fatal(err)
		}
		ids := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				j, err := s.Start(ctx, b.space, req2)
				if err != nil {
					t.Errorf("concurrent Start: %v", err)
					return
				}
				ids <- j.ID
			})
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Errorf("concurrent retries made %d jobs, want 1", len(seen))
		}
		checkLedger(t, s, b.space)
	})
}

// TestStartLoad starts 200 exports at once against a balance that covers 150.
func TestStartLoad(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, nil)
		ctx := context.Background()
		space, err := s.CreateSpace(ctx, "load", "start", decimal.NewFromInt(750))
		if err != nil {
			t.Fatal(err)
		}
		v := addVideo(t, s, space.ID, "30", nil) // 5 credits each
		_ = b

		// Start 200 at once.
		begin := time.Now()
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			ok, short int
			others    []error
			latencies []time.Duration
		)
		for range 200 {
			wg.Go(func() {
				t0 := time.Now()
				_, err := s.Start(ctx, space.ID, ExportRequest{VideoID: v.ID})
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				latencies = append(latencies, d)
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrInsufficientCredits):
					short++
				default:
					others = append(others, err)
				}
			})
		}
		wg.Wait()

		// Exactly 150 started, 50 refused, and the books balance.
		if ok != 150 || short != 50 || len(others) != 0 {
			t.Errorf("%d started, %d INSUFFICIENT_CREDITS, other errors %v; want 150, 50, none",
				ok, short, others)
		}
		if n := count(t, s, "river_job"); n != 150 {
			t.Errorf("%d river jobs, want 150", n)
		}
		if bal := checkLedger(t, s, space.ID); !bal.IsZero() {
			t.Errorf("balance = %s, want 0", bal)
		}
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		t.Logf("200 concurrent starts in %v; latency p50 %v, p99 %v", time.Since(begin),
			latencies[100], latencies[197])
	})
}

// BenchmarkStart measures the latency of one Start, reported as p50 and p99.
func BenchmarkStart(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			url := ""
			if db == "postgres" {
				url = dbtest.Postgres(b)
			}
			s, tb := setup(b, url, nil)
			ctx := context.Background()
			if _, err := s.GrantCredits(ctx, tb.space, decimal.NewFromInt(int64(5*b.N+5))); err != nil {
				b.Fatal(err)
			}
			v := addVideo(b, s, tb.space, "30", nil)
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := s.Start(ctx, tb.space, ExportRequest{VideoID: v.ID,
					IdempotencyKey: fmt.Sprint(i)}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
