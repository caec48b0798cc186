package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// testBundle holds what a test works with besides the service.
type testBundle struct {
	cfg      Config
	renderer *fakeRenderer
	space    string // a space on the "start" plan with 100 credits
}

// setup returns a Service on its own database with a fake renderer and fast polling,
// and a space. configure, if not nil, adjusts the Config before New.
func setup(t testing.TB, databaseURL string, configure func(*Config)) (*Service, *testBundle) {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{renderer: &fakeRenderer{}}
	b.cfg = Config{
		DataDir:       t.TempDir(),
		DatabaseURL:   databaseURL,
		Renderer:      b.renderer,
		RenderTimeout: 5 * time.Second,
		RetryDelay:    10 * time.Millisecond,
		PollInterval:  20 * time.Millisecond,
		Workers:       2,
	}
	if configure != nil {
		configure(&b.cfg)
	}
	s, err := New(ctx, b.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ns, err := s.CreateSpace(ctx, "acme", "start", decimal.NewFromInt(100))
	if err != nil {
		t.Fatalf("CreateSpace: %v", err)
	}
	b.space = ns.ID
	return s, b
}

// addVideo registers a completed dashboard video of the given duration, no avatar,
// unless edit changes it.
func addVideo(t testing.TB, s *Service, space, duration string, edit func(*NewVideo)) *Video {
	t.Helper()
	nv := NewVideo{SpaceID: space, Origin: OriginDashboard,
		Duration: decimal.RequireFromString(duration), Width: 1080, Height: 1920,
		Source: strings.NewReader("source mp4 bytes")}
	if edit != nil {
		edit(&nv)
	}
	v, err := s.AddVideo(context.Background(), nv)
	if err != nil {
		t.Fatalf("AddVideo: %v", err)
	}
	return v
}

// waitJob polls a job until it is completed or failed.
func waitJob(t testing.TB, s *Service, space, id string) *Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := s.Job(context.Background(), space, id)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if j.Status == JobCompleted || j.Status == JobFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s at step %q after 20s", id, j.Status, j.CurrentStep)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkLedger checks that the space's ledger adds up to its balance, which must not be
// negative, and returns the balance.
func checkLedger(t testing.TB, s *Service, space string) decimal.Decimal {
	t.Helper()
	ctx := context.Background()
	sp, err := s.Space(ctx, space)
	if err != nil {
		t.Fatalf("Space: %v", err)
	}
	entries, err := s.Ledger(ctx, space)
	if err != nil {
		t.Fatalf("Ledger: %v", err)
	}
	sum := decimal.Zero
	for _, e := range entries {
		sum = sum.Add(e.Amount)
	}
	if !sum.Equal(sp.Balance) {
		t.Errorf("ledger sums to %s, balance is %s", sum, sp.Balance)
	}
	if sp.Balance.IsNegative() {
		t.Errorf("balance is negative: %s", sp.Balance)
	}
	return sp.Balance
}

// jobLedger returns the kinds and amounts of a job's ledger entries, as "kind amount".
func jobLedger(t testing.TB, s *Service, space, job string) []string {
	t.Helper()
	entries, err := s.Ledger(context.Background(), space)
	if err != nil {
		t.Fatalf("Ledger: %v", err)
	}
	order := map[string]int{LedgerReserve: 0, LedgerSettle: 1, LedgerRelease: 2}
	var mine []LedgerEntry
	for _, e := range entries {
		if e.JobID == job {
			mine = append(mine, e)
		}
	}
	// Entries written in one transaction share a time: show them in a fixed order.
	sort.SliceStable(mine, func(i, j int) bool { return order[mine[i].Kind] < order[mine[j].Kind] })
	var out []string
	for _, e := range mine {
		out = append(out, e.Kind+" "+e.Amount.String())
	}
	return out
}

// count returns the number of rows of a table.
func count(t testing.TB, s *Service, table string) int {
	t.Helper()
	var n int
	if err := s.db.queryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// fakeRenderer copies the input to the output and reports a rendered duration.
type fakeRenderer struct {
	mu       sync.Mutex
	duration string // rendered duration; defaults to "30"
	err      error  // returned by Render when set
	calls    atomic.Int32
}

func (f *fakeRenderer) set(duration string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.duration, f.err = duration, err
}

func (f *fakeRenderer) Render(ctx context.Context, job RenderJob,
	progress func(Progress)) (RenderResult, error) {
	f.calls.Add(1)
	f.mu.Lock()
	duration, failure := f.duration, f.err
	f.mu.Unlock()
	if duration == "" {
		duration = "30"
	}
	if failure != nil {
		return RenderResult{}, failure
	}
	d := decimal.RequireFromString(duration)
	progress(Progress{Done: d.Div(decimal.NewFromInt(2)), Total: d})
	data, err := os.ReadFile(job.Input)
	if err != nil {
		return RenderResult{}, err
	}
	if err := os.WriteFile(job.Output, data, 0o644); err != nil {
		return RenderResult{}, err
	}
	if err := os.WriteFile(job.Thumbnail, []byte("jpeg"), 0o644); err != nil {
		return RenderResult{}, err
	}
	progress(Progress{Done: d, Total: d})
	return RenderResult{Width: job.Width, Height: job.Height, Duration: d,
		Bytes: int64(len(data))}, nil
}

// failingStorage is a DirStorage whose Put fails for exports.
type failingStorage struct{ DirStorage }

func (s failingStorage) Put(ctx context.Context, key string, r io.Reader) error {
	if strings.HasPrefix(key, "exports/") {
		return errors.New("disk full")
	}
	return s.DirStorage.Put(ctx, key, r)
}

func readBlob(t testing.TB, s *Service, key string) []byte {
	t.Helper()
	r, err := s.cfg.Storage.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return buf.Bytes()
}

var _ = fmt.Sprint

// helperCommand returns a command running this test binary as TestHelperProcess in mode.
func helperCommand(t testing.TB, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	return cmd
}
