package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/render"
)

// asMainEnv makes the test binary behave as the exportkit binary. The engine renders in
// a child process of the current executable; under `go test` that is this test binary,
// so the child must run main instead of the tests.
const asMainEnv = "EXPORTKIT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while the test
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeExportsThroughTheRealRenderer runs what a platform runs: the admin commands,
// then `exportkit serve` with a real render child process, an export started over HTTP,
// polled to completion and downloaded, and the downloaded MP4 probed.
func TestServeExportsThroughTheRealRenderer(t *testing.T) {
	clip := testClip(t)
	t.Setenv(asMainEnv, "1") // inherited by the render child, not read by this process
	data := t.TempDir()

	// Create a space and register the clip as a dashboard video.
	stdout, stderr, code := run(t, "", "spaces", "create", "-data", data, "-name", "e2e",
		"-plan", "pro", "-credits", "50", "-o", "json")
	if code != 0 {
		t.Fatalf("spaces create: exit %d: %s", code, stderr)
	}
	var spaceID, apiKey string
	stringFields(t, stdout, map[string]*string{"id": &spaceID, "api_key": &apiKey})
	stdout, stderr, code = run(t, "", "videos", "add", "-data", data, "-space", spaceID,
		"-file", clip, "-origin", "dashboard", "-o", "json")
	if code != 0 {
		t.Fatalf("videos add: exit %d: %s", code, stderr)
	}
	var videoID string
	stringFields(t, stdout, map[string]*string{"id": &videoID})

	// Serve on a free loopback port and read the address it reports.
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		served <- Run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-data", data},
			strings.NewReader(""), io.Discard, logs)
	}()
	base := waitForAddress(t, logs)

	// The calculator page built into the binary is served at /.
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<title>Export cost") {
		t.Errorf("GET /: %d, want the calculator page:\n%.300s", resp.StatusCode, page)
	}

	// Export a 320x320 custom size, then the video's own size (no format).
	info, cost := exportAndProbe(t, base, apiKey, logs,
		`{"video_id": "`+videoID+`", "format": "custom", "width": 320, "height": 320}`)
	if info.Width != 320 || info.Height != 320 || info.VideoCodec != "h264" || !info.HasAudio ||
		info.Frames != 30 || cost != "5" {
		t.Errorf("custom export = %dx%d %s, %d frames, audio %v, cost %s; "+
			"want 320x320 h264, 30 frames, audio, 5 credits",
			info.Width, info.Height, info.VideoCodec, info.Frames, info.HasAudio, cost)
	}
	info, _ = exportAndProbe(t, base, apiKey, logs, `{"video_id": "`+videoID+`"}`)
	if info.Width != 320 || info.Height != 180 {
		t.Errorf("export in the video's own size = %dx%d, want 320x180", info.Width, info.Height)
	}

	// Shut down (as on SIGTERM) while an export is rendering: serve must let it finish
	// rather than cancel it.
	var started struct {
		JobID string `json:"job_id"`
	}
	doJSON(t, "POST", base+"/v1/export/start", apiKey,
		`{"video_id": "`+videoID+`", "format": "square"}`, http.StatusCreated, &started)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var st struct{ Status string }
		doJSON(t, "GET", base+"/v1/export/status/"+started.JobID, apiKey, "", http.StatusOK, &st)
		if st.Status != "pending" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("export never started; server log:\n%s", logs)
		}
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve returned %v after cancellation", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
	eng, err := engine.New(context.Background(), engine.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	job, err := eng.Job(context.Background(), spaceID, started.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != engine.JobCompleted || job.Attempts != 1 {
		t.Errorf("export running at shutdown ended %s after %d attempts, want completed after 1",
			job.Status, job.Attempts)
	}
}

// exportAndProbe starts an export over HTTP, polls it to completion, downloads the MP4
// and probes it. It returns what the probe saw and the credits charged.
func exportAndProbe(t *testing.T, base, key string, logs *syncBuffer, body string) (
	*render.Info, string) {
	t.Helper()
	var started struct {
		JobID  string `json:"job_id"`
		Status string `json:"status"`
	}
	doJSON(t, "POST", base+"/v1/export/start", key, body, http.StatusCreated, &started)
	if started.Status != "pending" {
		t.Errorf("start: status %q, want pending", started.Status)
	}

	// Poll until it completes.
	var status struct {
		Status string `json:"status"`
		Result *struct {
			VideoURL string `json:"video_url"`
			Cost     string `json:"cost"`
		} `json:"result"`
		Error *struct{ Code, Message string } `json:"error"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for status.Status != "completed" && status.Status != "failed" {
		if time.Now().After(deadline) {
			t.Fatalf("export still %q after 60 s; server log:\n%s", status.Status, logs)
		}
		time.Sleep(100 * time.Millisecond)
		doJSON(t, "GET", base+"/v1/export/status/"+started.JobID, key, "", http.StatusOK, &status)
	}
	if status.Status != "completed" || status.Result == nil {
		t.Fatalf("export %s: %+v; server log:\n%s", status.Status, status.Error, logs)
	}

	// Download the MP4 and probe it.
	resp, err := http.Get(status.Result.VideoURL)
	if err != nil {
		t.Fatal(err)
	}
	mp4, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("download: %d %s, %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	path := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(path, mp4, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := render.Probe(path)
	if err != nil {
		t.Fatalf("probe the downloaded export: %v", err)
	}
	return info, status.Result.Cost
}

// stringFields decodes a JSON object from text and copies its named string fields.
func stringFields(t *testing.T, text string, fields map[string]*string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
	for k, dst := range fields {
		s, ok := m[k].(string)
		if !ok || s == "" {
			t.Fatalf("field %q missing in %s", k, text)
		}
		*dst = s
	}
}

// waitForAddress waits for serve to report the address it listens on.
func waitForAddress(t *testing.T, logs *syncBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not start; log:\n%s", logs)
	return ""
}

// doJSON sends a request with a bearer key and decodes the JSON answer into out.
func doJSON(t *testing.T, method, url, key, body string, wantStatus int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, wantStatus, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, url, err, b)
	}
}

// TestWorkerCommandRendersQueuedExports: `exportkit worker` picks up an export queued
// by another process on the same database, renders it with a real render child, and
// stops cleanly when interrupted.
func TestWorkerCommandRendersQueuedExports(t *testing.T) {
	clip := testClip(t)
	t.Setenv(asMainEnv, "1") // inherited by the render child, not read by this process
	data := t.TempDir()
	ctx := context.Background()

	// Queue an export through the engine, without workers.
	eng, err := engine.New(ctx, engine.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	space, err := eng.CreateSpace(ctx, "w", "pro", decimal.NewFromInt(10))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	video, err := eng.AddVideo(ctx, engine.NewVideo{SpaceID: space.ID, Origin: engine.OriginAPI,
		Duration: decimal.NewFromInt(1), Width: 320, Height: 180, Source: f})
	if err != nil {
		t.Fatal(err)
	}
	job, err := eng.Start(ctx, space.ID, engine.ExportRequest{VideoID: video.ID,
		Format: "custom", Width: 160, Height: 160})
	if err != nil {
		t.Fatal(err)
	}

	// Run the worker command until the export completes, then interrupt it.
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(wctx, []string{"worker", "-data", data}, strings.NewReader(""), io.Discard,
			io.Discard)
	}()
	var got *engine.Job
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got, err = eng.Job(ctx, space.ID, job.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status == engine.JobCompleted || got.Status == engine.JobFailed ||
			time.Now().After(deadline) {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker returned %v when interrupted", err)
	}
	if got.Status != engine.JobCompleted || got.Result == nil || got.Result.Width != 160 {
		t.Fatalf("export = %s %+v %+v, want completed at 160x160", got.Status, got.Result, got.Error)
	}
}
