package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
)

// TestLoadStarts sends 200 starts at once, over loopback, for one space, and logs the
// latency percentiles and throughput (run with -v to see them; the README quotes
// them). Every start must succeed, and the reservations must add up exactly.
func TestLoadStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	t.Parallel()
	const n = 200
	b := setup(t, options{rateLimit: 10 * n, noWorkers: true})
	rich := b.newSpace(t, "start", "3000") // exactly 200 x 15 credits
	video := b.addVideo(t, rich.ID, engine.NewVideo{Origin: engine.OriginDashboard,
		Duration: decimal.NewFromInt(90)})
	body := `{"video_id":"` + video.ID + `","format":"square"}`

	// Fire them together.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	latencies := make([]time.Duration, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", b.url+"/v1/export/start", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+rich.APIKey)
			<-start
			began := time.Now()
			resp, err := client.Do(req)
			latencies[i] = time.Since(began)
			if err != nil {
				t.Errorf("start %d: %v", i, err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(began)

	// All started, and exactly the credits of 200 exports were taken.
	for i, s := range statuses {
		if s != http.StatusCreated {
			t.Fatalf("start %d: status %d", i, s)
		}
	}
	r := b.do(t, "GET", "/v1/credits", rich.APIKey, "").json(t)
	if r["balance"] != "0" || r["reserved"] != "3000" {
		t.Errorf("credits after %d starts = %v, want 0 left and 3000 reserved", n, r)
	}
	slices.Sort(latencies)
	t.Logf("%d concurrent starts: p50 %v, p99 %v, max %v; %.0f starts/s",
		n, latencies[n/2].Round(time.Millisecond), latencies[n*99/100].Round(time.Millisecond),
		latencies[n-1].Round(time.Millisecond), float64(n)/elapsed.Seconds())
}
