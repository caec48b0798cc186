package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/internal/dbtest"
	"github.com/exportkit/exportkit/pricing"
)

func TestWorkerSettlesOnRenderedDuration(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, nil)
		ctx := context.Background()
		if err := s.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			rendered string   // the duration the renderer reports
			cost     string   // what is charged of the 15 reserved for 90 s
			ledger   []string // the job's entries
		}{
			{"55", "10", []string{"reserve -15", "settle -10", "release 15"}},
			{"90", "15", []string{"reserve -15", "settle -15", "release 15"}},
			{"95.5", "15", []string{"reserve -15", "settle -15", "release 15"}}, // capped
		}
		balance := decimal.NewFromInt(100)
		for _, tt := range tests {
			// Export a 90 s dashboard video (3 blocks, 15 credits).
			b.renderer.set(tt.rendered, nil)
			v := addVideo(t, s, b.space, "90", nil)
			j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID, Format: "square"})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			j = waitJob(t, s, b.space, j.ID)

			// It completed, charged the re-priced cost and stored its files.
			if j.Status != JobCompleted || j.Progress != 100 || j.Result == nil {
				t.Fatalf("rendered %s: job = %+v, want completed at 100%%", tt.rendered, j)
			}
			r := j.Result
			if r.Cost.String() != tt.cost || r.Duration.String() != tt.rendered ||
				r.Width != 1080 || r.Height != 1080 || r.CreatedAt.IsZero() {
				t.Errorf("rendered %s: result = %+v, want cost %s, 1080x1080", tt.rendered, r, tt.cost)
			}
			if diff := cmp.Diff(tt.ledger, jobLedger(t, s, b.space, j.ID)); diff != "" {
				t.Errorf("rendered %s: ledger (-want +got):\n%s", tt.rendered, diff)
			}
			if got := string(readBlob(t, s, r.VideoKey)); got != "source mp4 bytes" {
				t.Errorf("stored export = %q", got)
			}
			if got := string(readBlob(t, s, r.ThumbnailKey)); got != "jpeg" {
				t.Errorf("stored thumbnail = %q", got)
			}
			balance = balance.Sub(decimal.RequireFromString(tt.cost))
			if got := checkLedger(t, s, b.space); !got.Equal(balance) {
				t.Errorf("rendered %s: balance = %s, want %s", tt.rendered, got, balance)
			}
		}
	})
}

func TestWorkerRefundsOnFailure(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		s, b := setup(t, databaseURL, func(c *Config) {
			c.MaxAttempts = 2
			c.Storage = failingStorage{DirStorage{Dir: c.DataDir + "/blobs"}}
		})
		ctx := context.Background()
		if err := s.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}

		// A renderer error, retried once, then a storage failure.
		b.renderer.set("30", jobFailure(ErrEncodingFailed, "the renderer failed", errors.New("x")))
		v := addVideo(t, s, b.space, "30", nil)
		j1, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		j1 = waitJob(t, s, b.space, j1.ID)
		b.renderer.set("30", nil)
		j2, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		j2 = waitJob(t, s, b.space, j2.ID)

		// Both failed with their code after two attempts, and nothing was charged.
		for _, c := range []struct {
			job  *Job
			code pricing.Code
		}{{j1, ErrEncodingFailed}, {j2, ErrStorageFailed}} {
			if c.job.Status != JobFailed || c.job.Error == nil || c.job.Error.Code != string(c.code) ||
				c.job.Attempts != 2 {
				t.Errorf("job = %s error %+v after %d attempts, want failed %s after 2",
					c.job.Status, c.job.Error, c.job.Attempts, c.code)
			}
			if diff := cmp.Diff([]string{"reserve -5", "release 5"},
				jobLedger(t, s, b.space, c.job.ID)); diff != "" {
				t.Errorf("ledger (-want +got):\n%s", diff)
			}
		}
		if got := checkLedger(t, s, b.space); !got.Equal(decimal.NewFromInt(100)) {
			t.Errorf("balance = %s, want 100", got)
		}
	})
}

// helperEnv selects what TestHelperProcess does when the test binary runs as a child.
const helperEnv = "EXPORTKIT_ENGINE_HELPER"

// TestHelperProcess is not a test: run as a child process with EXPORTKIT_ENGINE_HELPER
// set, it plays `exportkit render` (modes ok, crash, slow) or a worker process
// (worker).
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(helperMain(mode, args))
}

func helperMain(mode string, args []string) int {
	switch mode {
	case "ok", "crash", "slow":
		// render -o json -progress-json ... -thumbnail JPG IN OUT
		if len(args) < 4 || args[0] != "render" {
			fmt.Fprintln(os.Stderr, "helper: unexpected arguments", args)
			return 2
		}
		in, out, thumb := args[len(args)-2], args[len(args)-1], args[len(args)-3]
		fmt.Fprintln(os.Stderr, `{"done":"1.5","total":"30"}`)
		fmt.Fprintln(os.Stderr, "x264 chatter that is not JSON")
		switch mode {
		case "crash":
			syscall.Kill(os.Getpid(), syscall.SIGABRT) // as libav aborting would
			time.Sleep(time.Minute)
		case "slow":
			time.Sleep(time.Minute)
		}
		data, err := os.ReadFile(in)
		if err == nil {
			err = os.WriteFile(out, data, 0o644)
		}
		if err == nil {
			err = os.WriteFile(thumb, []byte("jpeg"), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(os.Stderr, `{"done":"30","total":"30"}`)
		fmt.Printf(`{"width":1080,"height":1920,"duration":"29.9","frames":897,"bytes":%d,"reencoded":true}`+"\n", len(data))
		return 0

	case "worker":
		// A worker process whose renders never end, until it is killed.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		s, err := New(ctx, Config{DataDir: os.Getenv("HELPER_DATA"),
			DatabaseURL: os.Getenv("HELPER_DB"), Renderer: blockingRenderer{},
			RenderTimeout: time.Minute, PollInterval: 20 * time.Millisecond})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := s.StartWorkers(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		<-ctx.Done()
		return 0
	}
	return 2
}

// blockingRenderer reports some progress and then renders until its context ends.
type blockingRenderer struct{}

func (blockingRenderer) Render(ctx context.Context, _ RenderJob,
	progress func(Progress)) (RenderResult, error) {
	progress(Progress{Done: decimal.NewFromInt(1), Total: decimal.NewFromInt(30)})
	<-ctx.Done()
	return RenderResult{}, ctx.Err()
}

// helperRenderer is a ProcessRenderer that runs this test binary as the render child.
func helperRenderer(mode string, timeout time.Duration) *ProcessRenderer {
	return &ProcessRenderer{Path: os.Args[0], Prefix: []string{"-test.run=^TestHelperProcess$", "--"},
		Env: []string{helperEnv + "=" + mode}, Timeout: timeout}
}

func TestProcessRenderer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := dir + "/in.mp4"
	if err := os.WriteFile(in, []byte("source"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := RenderJob{Input: in, Output: dir + "/out.mp4", Thumbnail: dir + "/t.jpg",
		Width: 1080, Height: 1920}

	// A good child: progress and result are parsed.
	var seen []string
	res, err := helperRenderer("ok", 10*time.Second).Render(context.Background(), job,
		func(p Progress) { seen = append(seen, p.Done.String()+"/"+p.Total.String()) })
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	want := RenderResult{Width: 1080, Height: 1920, Duration: decimal.RequireFromString("29.9"),
		Frames: 897, Bytes: 6, Reencoded: true}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.5/30", "30/30"}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}

	// A crashing child and a child past its time limit fail with ENCODING_FAILED.
	for _, mode := range []string{"crash", "slow"} {
		start := time.Now()
		_, err := helperRenderer(mode, 500*time.Millisecond).Render(context.Background(), job,
			func(Progress) {})
		if !errors.Is(err, ErrEncodingFailed) {
			t.Errorf("%s: error = %v, want %s", mode, err, ErrEncodingFailed)
		}
		if mode == "slow" && !strings.Contains(err.Error(), "time limit") {
			t.Errorf("slow: error = %v, want the time limit named", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s: took %v", mode, time.Since(start))
		}
	}
}

// TestWorkerRenderChildCrash runs exports through real child processes: one whose child
// aborts fails with ENCODING_FAILED and a refund, and the service goes on to complete
// the next one.
func TestWorkerRenderChildCrash(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		crashing := helperRenderer("crash", 10*time.Second)
		s, b := setup(t, databaseURL, func(c *Config) {
			c.Renderer = crashing
			c.MaxAttempts = 1
		})
		ctx := context.Background()
		if err := s.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
		v := addVideo(t, s, b.space, "30", nil)

		// The crash.
		j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, s, b.space, j.ID)
		if j.Status != JobFailed || j.Error == nil || j.Error.Code != string(ErrEncodingFailed) {
			t.Errorf("job = %s %+v, want failed with ENCODING_FAILED", j.Status, j.Error)
		}
		if strings.Contains(j.Error.Message, "SIGABRT") || strings.Contains(j.Error.Message, "signal") {
			t.Errorf("job error message leaks internals: %q", j.Error.Message)
		}

		// The next export, with a working child, completes and is charged once.
		crashing.Env = []string{helperEnv + "=ok"}
		j, err = s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, s, b.space, j.ID)
		if j.Status != JobCompleted || !j.Result.Cost.Equal(decimal.NewFromInt(5)) {
			t.Errorf("job = %s %+v, want completed at cost 5", j.Status, j.Result)
		}
		if got := checkLedger(t, s, b.space); !got.Equal(decimal.NewFromInt(95)) {
			t.Errorf("balance = %s, want 95", got)
		}
	})
}

// TestWorkerRescueAfterSIGKILL kills a worker process in the middle of a render; River
// rescues the job, another worker runs it, and the ledger ends as if it had run once.
func TestWorkerRescueAfterSIGKILL(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		// This process's client leads (it starts first) but works another queue, so
		// the job can only be taken by the worker process.
		s, b := setup(t, databaseURL, func(c *Config) { c.Queue = "elsewhere" })
		ctx := context.Background()
		if err := s.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
		v := addVideo(t, s, b.space, "30", nil)
		s.cfg.Queue = "exports" // start into the worker's queue
		s.queue.(interface{ setName(string) }).setName("exports")
		j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}

		// Start a worker process, wait for it to be rendering, and SIGKILL it.
		child := helperCommand(t, "worker", "HELPER_DATA="+b.cfg.DataDir, "HELPER_DB="+databaseURL)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, err := s.Job(ctx, b.space, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == JobProcessing && got.CurrentStep == StepRendering {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("worker process never started the job: %s %s", got.Status, got.CurrentStep)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()

		// A new worker in this process, leading once the old client resigns, rescues
		// the job after RescueAfter and runs it to completion.
		// The rescuer runs when a client gains leadership: start the new one once the
		// job has been running longer than its RescueAfter.
		time.Sleep(time.Second)
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := s.Close(closeCtx); err != nil {
			t.Fatal(err)
		}
		s2, err := New(ctx, Config{DataDir: b.cfg.DataDir, DatabaseURL: databaseURL,
			Renderer: b.renderer, RenderTimeout: 500 * time.Millisecond,
			RescueAfter: 600 * time.Millisecond, RetryDelay: 10 * time.Millisecond,
			PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s2.Close(context.Background()) })
		if err := s2.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
		done := waitJob(t, s2, b.space, j.ID)
		if done.Status != JobCompleted || done.Attempts != 2 {
			t.Errorf("job = %s after %d attempts, want completed after 2", done.Status, done.Attempts)
		}
		if diff := cmp.Diff([]string{"reserve -5", "settle -5", "release 5"},
			jobLedger(t, s2, b.space, j.ID)); diff != "" {
			t.Errorf("ledger (-want +got):\n%s", diff)
		}
		if got := checkLedger(t, s2, b.space); !got.Equal(decimal.NewFromInt(95)) {
			t.Errorf("balance = %s, want 95", got)
		}
	})
}

// hangingStorage never finishes storing an export, like an object store that stopped
// answering: the attempt ends only when its time limit cancels it.
type hangingStorage struct{ DirStorage }

func (h hangingStorage) Put(ctx context.Context, key string, r io.Reader) error {
	if strings.HasPrefix(key, "exports/") {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.DirStorage.Put(ctx, key, r)
}

// TestLastAttemptWithoutOutcomeReleasesCredits: when the last attempt ends without an
// outcome (here its time limit runs out while storing), the credits must not stay
// reserved for ever. The spare attempt River keeps fails the job and releases them.
func TestLastAttemptWithoutOutcomeReleasesCredits(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		dir := t.TempDir()
		s, b := setup(t, databaseURL, func(c *Config) {
			c.DataDir = dir
			c.Storage = hangingStorage{DirStorage{Dir: filepath.Join(dir, "blobs")}}
			c.MaxAttempts = 1
			c.RenderTimeout = 200 * time.Millisecond
			c.RescueAfter = 300 * time.Millisecond
		})
		ctx := context.Background()
		if err := s.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
		v := addVideo(t, s, b.space, "30", nil)
		j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
		if err != nil {
			t.Fatal(err)
		}

		done := waitJob(t, s, b.space, j.ID)
		if done.Status != JobFailed || done.Error == nil || done.Error.Code != string(ErrExportFailed) {
			t.Fatalf("job = %s %+v, want failed with EXPORT_FAILED", done.Status, done.Error)
		}
		if diff := cmp.Diff([]string{"reserve -5", "release 5"},
			jobLedger(t, s, b.space, j.ID)); diff != "" {
			t.Errorf("ledger (-want +got):\n%s", diff)
		}
		if got := checkLedger(t, s, b.space); !got.Equal(decimal.NewFromInt(100)) {
			t.Errorf("balance = %s, want all 100 back", got)
		}
	})
}

// slowRenderer renders for a while, ignoring nothing: it stops early only when its
// context is cancelled.
type slowRenderer struct {
	started chan struct{}
	took    time.Duration
}

func (r slowRenderer) Render(ctx context.Context, job RenderJob,
	progress func(Progress)) (RenderResult, error) {
	close(r.started)
	select {
	case <-time.After(r.took):
	case <-ctx.Done():
		return RenderResult{}, ctx.Err()
	}
	if err := os.WriteFile(job.Output, []byte("mp4"), 0o644); err != nil {
		return RenderResult{}, err
	}
	if err := os.WriteFile(job.Thumbnail, []byte("jpg"), 0o644); err != nil {
		return RenderResult{}, err
	}
	return RenderResult{Width: job.Width, Height: job.Height,
		Duration: decimal.NewFromInt(30)}, nil
}

// TestCloseLetsRunningExportsFinish: Close waits for an export in flight instead of
// cancelling it, so a restart does not cost the job an attempt.
func TestCloseLetsRunningExportsFinish(t *testing.T) {
	t.Parallel()
	r := slowRenderer{started: make(chan struct{}), took: 300 * time.Millisecond}
	s, b := setup(t, "", func(c *Config) { c.Renderer = r })
	ctx := context.Background()
	if err := s.StartWorkers(ctx); err != nil {
		t.Fatal(err)
	}
	v := addVideo(t, s, b.space, "30", nil)
	j, err := s.Start(ctx, b.space, ExportRequest{VideoID: v.ID})
	if err != nil {
		t.Fatal(err)
	}
	<-r.started

	// Close, then read the job back through a new service on the same data.
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	s2, err := New(ctx, Config{DataDir: b.cfg.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	got, err := s2.Job(ctx, b.space, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != JobCompleted || got.Attempts != 1 {
		t.Errorf("job after Close = %s after %d attempts, want completed after 1",
			got.Status, got.Attempts)
	}
}
