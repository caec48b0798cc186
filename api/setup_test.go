package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
)

// bundle is what a test works with: the server's URL, the engine, a space with its
// key and secret, and its videos.
type bundle struct {
	url    string
	eng    *engine.Service
	srv    *Server
	links  *Links
	space  *engine.NewSpace
	videos map[string]*engine.Video // "dashboard", "avatar", "api", "processing"
	source []byte                   // the bytes of every video's source
}

// options adjust setup.
type options struct {
	databaseURL string
	rateLimit   int
	noWorkers   bool // queue exports without running them
	engine      func(*engine.Config)
}

// setup starts an engine with workers and a fake renderer, and the API in front of it
// on a loopback httptest server, and creates a space with 100 credits and four videos.
func setup(t testing.TB, o options) *bundle {
	t.Helper()
	ctx := context.Background()
	b := &bundle{videos: map[string]*engine.Video{}, source: sampleBytes(200_000)}

	// Listen first: the links name the server's address.
	hs := httptest.NewUnstartedServer(nil)
	b.url = "http://" + hs.Listener.Addr().String()
	var err error
	if b.links, err = NewLinks(bytes.Repeat([]byte("k"), 32), b.url, 0); err != nil {
		t.Fatal(err)
	}

	// Open the engine.
	cfg := engine.Config{DataDir: t.TempDir(), DatabaseURL: o.databaseURL,
		Renderer: fakeRenderer{}, RenderTimeout: 5 * time.Second, PollInterval: 20 * time.Millisecond,
		RetryDelay: 10 * time.Millisecond, WebhookRetryDelay: 10 * time.Millisecond,
		AllowPrivateWebhooks: true, DownloadLinks: b.links.JobLinks, Workers: 2}
	if o.engine != nil {
		o.engine(&cfg)
	}
	if b.eng, err = engine.New(ctx, cfg); err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.eng.Close(ctx)
	})
	if !o.noWorkers {
		if err := b.eng.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Start the API.
	if b.srv, err = New(Config{Engine: b.eng, Links: b.links, RateLimit: o.rateLimit,
		Web: os.DirFS(t.TempDir())}); err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = b.srv
	hs.Start()
	t.Cleanup(hs.Close)

	// Create the space and its videos.
	b.space = b.newSpace(t, "start", "100")
	b.videos["dashboard"] = b.addVideo(t, b.space.ID, engine.NewVideo{Origin: engine.OriginDashboard,
		Duration: decimal.RequireFromString("90")})
	b.videos["avatar"] = b.addVideo(t, b.space.ID, engine.NewVideo{Origin: engine.OriginAPI,
		Duration: decimal.RequireFromString("40"), Avatar: &engine.Avatar{
			Models: []string{"standard", "premium", "ultra"}}})
	b.videos["api"] = b.addVideo(t, b.space.ID, engine.NewVideo{Origin: engine.OriginAPI,
		Duration: decimal.RequireFromString("60")})
	b.videos["processing"] = b.addVideo(t, b.space.ID, engine.NewVideo{
		Origin: engine.OriginAPI, Status: engine.VideoProcessing,
		Duration: decimal.RequireFromString("10")})
	return b
}

func (b *bundle) newSpace(t testing.TB, plan, credits string) *engine.NewSpace {
	t.Helper()
	ns, err := b.eng.CreateSpace(context.Background(), "acme", plan,
		decimal.RequireFromString(credits))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func (b *bundle) addVideo(t testing.TB, space string, nv engine.NewVideo) *engine.Video {
	t.Helper()
	nv.SpaceID, nv.Width, nv.Height = space, 1080, 1920
	nv.Source = bytes.NewReader(b.source)
	v, err := b.eng.AddVideo(context.Background(), nv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sampleBytes returns n bytes that differ from position to position, so a wrong range
// shows.
func sampleBytes(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i*7 + i/251)
	}
	return out
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

// errorCode returns the error envelope's code and field.
func (r response) errorCode(t testing.TB) (code, field string) {
	t.Helper()
	var env struct {
		Error struct{ Code, Field string }
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode error %q: %v", r.body, err)
	}
	return env.Error.Code, env.Error.Field
}

// do sends a request with key as the bearer key (none when empty).
func (b *bundle) do(t testing.TB, method, path, key, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.url + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// waitDone polls the status endpoint until the job completes or fails.
func (b *bundle) waitDone(t testing.TB, key, jobID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := b.do(t, "GET", "/v1/export/status/"+jobID, key, "")
		if r.status != http.StatusOK {
			t.Fatalf("status: %d %s", r.status, r.body)
		}
		st := r.json(t)
		if st["status"] == "completed" || st["status"] == "failed" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %v after 20s", jobID, st["status"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeRenderer copies the source as the export, writes a small JPEG-ish thumbnail and
// reports the size asked for and a duration of 30 s.
type fakeRenderer struct{}

func (fakeRenderer) Render(ctx context.Context, job engine.RenderJob,
	progress func(engine.Progress)) (engine.RenderResult, error) {
	data, err := os.ReadFile(job.Input)
	if err != nil {
		return engine.RenderResult{}, err
	}
	if err := os.WriteFile(job.Output, data, 0o644); err != nil {
		return engine.RenderResult{}, err
	}
	if err := os.WriteFile(job.Thumbnail, []byte("\xff\xd8\xff\xe0 thumbnail"), 0o644); err != nil {
		return engine.RenderResult{}, err
	}
	d := decimal.NewFromInt(30)
	progress(engine.Progress{Done: d, Total: d})
	return engine.RenderResult{Width: job.Width, Height: job.Height, Duration: d,
		Bytes: int64(len(data))}, nil
}

func waitABit() { time.Sleep(25 * time.Millisecond) }
