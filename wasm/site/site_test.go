package site_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exportkit/exportkit/pricing"
	"github.com/exportkit/exportkit/wasm/site"
	"github.com/google/go-cmp/cmp"
)

// Where the shared test data lives, relative to this package.
const (
	quotesDir = "../../testdata/quotes"
	cardsDir  = "../../testdata/ratecards"
	pageDir   = "../web"
)

// built holds the site that the first test to need it builds, shared by the others.
var built struct {
	sync.Once
	dir string
	err error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// builtSite builds the module and the page into a temporary directory, once per test
// binary, so that `go test` alone tests the current code. WASM_GCFLAGS, when set, is
// passed to go build as -gcflags (e.g. all=-l) to measure that build instead.
func builtSite(t *testing.T) string {
	t.Helper()
	built.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "exportkit-site-")
		if built.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		start := time.Now()
		var sizes site.Sizes
		sizes, built.err = site.Build(ctx, site.Options{Dir: built.dir, Static: pageDir,
			GCFlags: os.Getenv("WASM_GCFLAGS")})
		t.Logf("built exportkit.wasm in %v: %s", time.Since(start).Round(time.Millisecond), sizes)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

// goldenCase is one request of testdata/quotes with its expected outcome.
type goldenCase struct {
	Name     string // e.g. "blocks-30s" or "hoox-observed/grace-40s"
	Card     string // a built-in card name, or the name of a card file
	CardJSON []byte // the card file's contents; nil for a built-in card
	Request  []byte // the request document, exactly as stored (it may be malformed)
	Want     goldenOutcome
}

// goldenOutcome is the part of a golden quote file the page shows: the total, or the
// error's message and field.
type goldenOutcome struct {
	Total string `json:"total"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// goldenCases reads every case: files at the top of testdata/quotes use the default
// card, files in a subdirectory the card it names (built in, or testdata/ratecards).
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs := []string{""}
	entries, err := os.ReadDir(quotesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}

	var cases []goldenCase
	for _, dir := range dirs {
		// The card.
		card, cardJSON := dir, []byte(nil)
		if card == "" {
			card = pricing.BuiltinRateCardNames()[0]
		}
		if _, ok := pricing.BuiltinRateCard(card); !ok {
			if cardJSON, err = os.ReadFile(filepath.Join(cardsDir, card+".json")); err != nil {
				t.Fatalf("testdata/quotes/%s: no built-in card or card file of that name: %v", dir, err)
			}
		}

		// Its cases.
		requests, err := filepath.Glob(filepath.Join(quotesDir, dir, "*.request.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range requests {
			c := goldenCase{Card: card, CardJSON: cardJSON,
				Name: filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".request.json"))}
			if c.Request, err = os.ReadFile(path); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".request.json") + ".quote.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &c.Want); err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases in " + quotesDir)
	}
	return cases
}

// TestNode runs exportkit.js under Node against every golden case (comparing whole
// quotes, not only totals) and reports the cold start and the cost of one quote.
func TestNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (Debian: apt-get install nodejs)")
	}
	dir := builtSite(t)

	// Run the script; it prints one JSON report.
	out, err := exec.Command(node, "testdata/node.mjs", dir, quotesDir, cardsDir).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderrOf(err))
	}
	var report struct {
		Cases                     int
		Mismatches                []json.RawMessage
		FirstTotal                string
		LoadMs, FirstQuoteMs      float64
		QuoteMedianUs, QuoteP95Us float64
		QuoteMeanUs               float64
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}

	// Every case must match, and there must be as many as Go sees.
	if want := len(goldenCases(t)); report.Cases != want {
		t.Errorf("node ran %d golden cases, want %d", report.Cases, want)
	}
	for _, m := range report.Mismatches {
		t.Errorf("node: golden mismatch: %s", m)
	}
	t.Logf("node: %d golden cases; load %.1f ms, first quote %.1f ms; "+
		"quote median %.1f µs, p95 %.1f µs, mean %.1f µs",
		report.Cases, report.LoadMs, report.FirstQuoteMs,
		report.QuoteMedianUs, report.QuoteP95Us, report.QuoteMeanUs)
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// TestHandler checks the server sends a pre-compressed copy only to a client that
// accepts it, always with the original's content type, and never a file outside dir.
func TestHandler(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"exportkit.wasm": "raw", "exportkit.wasm.br": "brotli", "exportkit.wasm.gz": "gzip",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := site.Handler(os.DirFS(dir))

	tests := []struct {
		path, accept               string
		status                     int
		body, encoding, contentTyp string
	}{
		{"/exportkit.wasm", "gzip, deflate, br", 200, "brotli", "br", "application/wasm"},
		{"/exportkit.wasm", "gzip", 200, "gzip", "gzip", "application/wasm"},
		{"/exportkit.wasm", "br;q=0, gzip", 200, "gzip", "gzip", "application/wasm"},
		{"/exportkit.wasm", "", 200, "raw", "", "application/wasm"},
		{"/../exportkit.wasm", "br", 200, "brotli", "br", "application/wasm"},
		{"/missing.js", "br", 404, "404 page not found\n", "", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "http://127.0.0.1"+tt.path, nil)
		req.Header.Set("Accept-Encoding", tt.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := []any{rec.Code, rec.Body.String(), rec.Header().Get("Content-Encoding"),
			rec.Header().Get("Content-Type")}
		want := []any{tt.status, tt.body, tt.encoding, tt.contentTyp}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GET %s (Accept-Encoding %q) (-want +got):\n%s", tt.path, tt.accept, diff)
		}
	}
}

// TestWasmDeps keeps encoding/json (about 110 KB of brotli) and the parts of exportkit
// that are not pricing out of the WebAssembly module.
func TestWasmDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", site.WasmPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderrOf(err))
	}
	for _, pkg := range strings.Fields(string(out)) {
		banned := pkg == "encoding/json" ||
			strings.HasPrefix(pkg, "github.com/exportkit/exportkit/") &&
				pkg != "github.com/exportkit/exportkit/pricing" && pkg != site.WasmPackage
		if banned {
			t.Errorf("the WebAssembly module links %s", pkg)
		}
	}
}
