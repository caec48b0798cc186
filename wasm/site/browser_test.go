package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/exportkit/exportkit/pricing"
	"github.com/exportkit/exportkit/wasm/site"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// findChrome returns the Chromium to test with: $CHROME_BIN, else the first browser
// found on PATH. Without one, or with -short, the test skips, unless REQUIRE_BROWSER=1,
// which CI sets so that a missing browser fails instead of passing silently.
func findChrome(t *testing.T) string {
	t.Helper()
	required := os.Getenv("REQUIRE_BROWSER") == "1"
	if testing.Short() && !required {
		t.Skip("browser test skipped with -short")
	}
	if bin := os.Getenv("CHROME_BIN"); bin != "" {
		return bin
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome",
		"google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const hint = "no Chromium found: install it (Debian: apt-get install chromium) " +
		"or set CHROME_BIN"
	if required {
		t.Fatal(hint + "; REQUIRE_BROWSER=1 requires it")
	}
	t.Skip(hint)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile that can reach nothing but
// loopback, and returns a tab's context.
func newBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1200, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// pageState is what the page shows after an input: the total and the visible errors.
type pageState struct {
	Total  string
	Errors []shownError
}

// shownError is a visible error message and the field its slot belongs to ("" for the
// general slot under the form).
type shownError struct {
	For  string
	Text string
}

// pageHelpers are functions the test installs in the page. Each sets a control's
// value and dispatches the event a person's typing or choosing would, then reads back
// what the page shows.
const pageHelpers = `
window.__test = {
  state() {
    const errors = [...document.querySelectorAll("[data-error-for]")]
      .filter((p) => !p.closest("[hidden]"))
      .map((p) => ({For: p.dataset.errorFor, Text: p.textContent}));
    return {Total: document.getElementById("total").textContent, Errors: errors};
  },
  card(name, json) {
    if (json) {
      const box = document.getElementById("card-json");
      box.value = json;
      box.dispatchEvent(new Event("input", {bubbles: true}));
    } else {
      const pick = document.getElementById("card");
      pick.value = name;
      pick.dispatchEvent(new Event("change", {bubbles: true}));
    }
  },
  request(text) {
    const box = document.getElementById("request");
    box.value = text;
    box.dispatchEvent(new Event("input", {bubbles: true}));
    return this.state();
  },
};`

// alwaysBeside are the fields whose error slot is visible in every state of the form:
// their errors must show there and not in the general slot.
var alwaysBeside = map[string]bool{
	"format": true, "video.origin": true, "video.duration": true, "plan": true,
}

// TestBrowser drives the calculator page in headless Chromium: typing reprices, every
// golden case shows its golden total or error message, nothing is logged as an error
// and nothing is fetched after start-up. It reports the cold start and the cost of one
// quote, and saves a screenshot (to $EXPORTKIT_SCREENSHOT when set).
func TestBrowser(t *testing.T) {
	chrome := findChrome(t)
	cases := goldenCases(t)
	srv := httptest.NewServer(site.Handler(os.DirFS(builtSite(t))))
	defer srv.Close()
	ctx := newBrowser(t, chrome)

	// Record console messages and requests from the start.
	var mu sync.Mutex
	var console []chromedp.ConsoleMessage
	var requests []string
	messages := chromedp.Console(ctx)
	sent := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m)
			mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}()

	// Load the page and time its start-up: once in the fresh browser, then on reloads
	// (where Chromium may reuse its compiled code).
	launched := time.Now()
	load := func() startup {
		must(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")))
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.ready === "1"`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			mu.Lock()
			t.Fatalf("the page did not get ready: %v; console: %v", err, console)
		}
		return run(t, ctx, chromedp.Evaluate[startup](startupJS))
	}
	cold := load()
	t.Logf("chromium: page ready %v after launch", time.Since(launched).Round(time.Millisecond))
	t.Logf("chromium cold: %s", cold)
	for i := range 3 {
		t.Logf("chromium reload %d: %s", i+1, load())
	}
	mu.Lock()
	loadRequests := len(requests)
	mu.Unlock()
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](pageHelpers)))

	// Typing a duration reprices with the form's request.
	must(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("duration").value = ""`),
		chromedp.SendKeys(chromedp.ID("duration"), "95")))
	got := run(t, ctx, chromedp.Text(chromedp.ID("total")))
	if want := formQuote(t, "95"); got != want {
		t.Errorf("after typing 95 s the page shows %q, want %q", got, want)
	}

	// Every golden case, pasted into the request box with its card selected.
	for _, c := range cases {
		must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
			"__test.card("+jsString(c.Card)+", "+jsString(string(c.CardJSON))+")")))
		state := run(t, ctx, chromedp.Evaluate[pageState](
			"__test.request("+jsString(string(c.Request))+")"))
		checkCase(t, c, state)
	}

	// The cost of one quote across the boundary, in batches (the browser's clock is
	// coarse), after warm-up.
	bench := run(t, ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const ek = window.exportkit;
		ek.useRateCard("default");
		const req = JSON.parse(document.getElementById("request").value);
		for (let i = 0; i < 2000; i++) ek.quote(req);
		const batches = [];
		for (let b = 0; b < 21; b++) {
			const start = performance.now();
			for (let i = 0; i < 250; i++) ek.quote(req);
			batches.push((performance.now() - start) * 1000 / 250);
		}
		batches.sort((a, b) => a - b);
		return {median: batches[10], min: batches[0], max: batches[20]};
	})()`))
	t.Logf("chromium: one quote (object in, object out) %.1f µs median of 21 batches "+
		"(%.1f to %.1f)", bench["median"], bench["min"], bench["max"])

	// A screenshot of a full quote, to look at.
	spec := readFile(t, filepath.Join(quotesDir, "spec-4-dashboard-90s.request.json"))
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`__test.card("default", ""); __test.request(`+jsString(spec)+`); `+
			`document.getElementById("request").blur(); window.scrollTo(0, 0);`)))
	// The comparison table (filled just after the quote) has a row per format and marks
	// a cheapest price.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelectorAll("#compare tbody tr").length >= 4 && `+
			`document.querySelectorAll("#compare td.cheapest").length >= 1`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Errorf("comparison table for the spec's example: no rows or no cheapest cell: %v", err)
	}
	png := run(t, ctx, chromedp.FullScreenshot(100))
	shot := os.Getenv("EXPORTKIT_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "calculator.png")
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	// And one of an error beside its field.
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`document.getElementById("duration").value = "0";`+
			`document.getElementById("duration").dispatchEvent(new Event("input", {bubbles: true}));`)))
	time.Sleep(20 * time.Millisecond)
	png = run(t, ctx, chromedp.FullScreenshot(100))
	errShot := strings.TrimSuffix(shot, ".png") + "-error.png"
	if err := os.WriteFile(errShot, png, 0o644); err != nil {
		t.Fatal(err)
	}

	// Nothing went wrong in the console, and nothing was fetched after start-up.
	time.Sleep(50 * time.Millisecond) // let the last events arrive
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			t.Errorf("console %s", m)
		}
	}
	if extra := requests[loadRequests:]; len(extra) > 0 {
		t.Errorf("the page fetched %q after start-up; it must work offline once loaded", extra)
	}
}

// startup is the page's start-up, in milliseconds since navigation start.
type startup struct {
	HTML  float64 // the page's HTML has arrived (responseEnd)
	Load  float64 // calc.js starts loading the module
	Ready float64 // the module is compiled, instantiated and its API ready
	First float64 // the first quote is on screen
}

func (s startup) String() string {
	return fmt.Sprintf("html %.0f ms, module load %.0f ms, ready %.0f ms, first quote %.0f ms "+
		"after navigation start (%.0f ms from module load to first quote)",
		s.HTML, s.Load, s.Ready, s.First, s.First-s.Load)
}

const startupJS = `(() => {
	const at = (name) => performance.getEntriesByName(name).at(-1).startTime;
	const nav = performance.getEntriesByType("navigation")[0];
	return {HTML: nav.responseEnd, Load: at("exportkit:load"), Ready: at("exportkit:ready"),
		First: at("exportkit:first-quote")};
})()`

// checkCase compares what the page shows for a golden case with the golden file.
func checkCase(t *testing.T, c goldenCase, got pageState) {
	t.Helper()

	// A quote: its total, and no error.
	if c.Want.Error == nil {
		want := pageState{Total: c.Want.Total}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (card %s): page differs from golden (-want +got):\n%s", c.Name, c.Card, diff)
		}
		return
	}

	// An error: no total, one message, beside its field when the form shows that field.
	e := c.Want.Error
	if len(got.Errors) != 1 || got.Errors[0].Text != e.Message || got.Total != "—" {
		t.Errorf("%s (card %s): page shows total %q and errors %+v; want only %q",
			c.Name, c.Card, got.Total, got.Errors, e.Message)
		return
	}
	if shown := got.Errors[0].For; shown != e.Field && (shown != "" || alwaysBeside[e.Field]) {
		t.Errorf("%s: error for %q shown in the slot for %q", c.Name, e.Field, shown)
	}
}

// formQuote prices, natively, the request the page's form builds on start with the
// duration changed: dashboard, vertical, an avatar offering every model visible for
// 60 s, the avatar's default model, no plan.
func formQuote(t *testing.T, duration string) string {
	t.Helper()
	card := pricing.DefaultRateCard()
	var models []string
	for _, m := range card.Models() {
		models = append(models, m.Name)
	}
	q, err := card.Quote(pricing.Request{Format: "vertical", Video: pricing.Video{
		Origin: "dashboard", Duration: decimal.RequireFromString(duration),
		Avatar: &pricing.Avatar{ModelsAvailable: models,
			VisibleSeconds: decimal.NewNullDecimal(decimal.NewFromInt(60))}}})
	if err != nil {
		t.Fatal(err)
	}
	return q.Total.String()
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
