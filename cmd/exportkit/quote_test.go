package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// run calls Run with args and stdin, returning stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), ExitCode(err)
}

func TestQuoteSpecExamples(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, total string }{
		{"spec-1-premium-40s", "32"},
		{"spec-2-veo-3-fast-3-segments", "55.2"},
		{"spec-3-high-resolution-60s", "5"},
		{"spec-4-dashboard-90s", "70.5"},
	}
	for _, tt := range tests {
		stdout, stderr, code := run(t, "", "quote", "-o", "json",
			"../../testdata/quotes/"+tt.file+".request.json")
		if code != 0 {
			t.Fatalf("%s: exit %d, stderr %s", tt.file, code, stderr)
		}
		var q struct{ Total string }
		if err := json.Unmarshal([]byte(stdout), &q); err != nil {
			t.Fatalf("%s: stdout is not JSON: %v\n%s", tt.file, err, stdout)
		}
		if q.Total != tt.total {
			t.Errorf("%s: total %q, want %q", tt.file, q.Total, tt.total)
		}
	}
}

func TestQuoteTextFromStdin(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, `{"video": {"origin": "dashboard", "duration": 61}, "format": "ads"}`,
		"quote")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"base_export", "TOTAL", "15", "above 90 s this becomes 4 blocks"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestQuoteExitCodes(t *testing.T) {
	t.Parallel()
	badFormat := `{"video": {"origin": "api", "duration": 10}, "format": "portrait"}`

	// A rule error: the envelope on stdout with -o json, exit 1.
	stdout, _, code := run(t, badFormat, "quote", "-o", "json")
	if code != 1 || !strings.Contains(stdout, `"code": "INVALID_FORMAT"`) {
		t.Errorf("rule error: exit %d, stdout %s; want 1 and the error envelope", code, stdout)
	}

	// The same in text: the code and message on stderr.
	_, stderr, code := run(t, badFormat, "quote")
	if code != 1 || !strings.HasPrefix(stderr, "INVALID_FORMAT: format must be one of") {
		t.Errorf("rule error (text): exit %d, stderr %q", code, stderr)
	}

	// Bad flags and arguments exit 2; -h exits 0.
	for _, args := range [][]string{{"quote", "-bogus"}, {"quote", "-o", "xml"}, {"quote", "a", "b"},
		{"nosuchcommand"}, {}} {
		if _, _, code := run(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if _, stderr, code := run(t, "", "quote", "-h"); code != 0 || !strings.Contains(stderr, "-rate-card") {
		t.Errorf("quote -h: exit %d, usage %q", code, stderr)
	}
}

func TestQuoteWithBuiltinCard(t *testing.T) {
	t.Parallel()
	req := `{"video": {"origin": "dashboard", "duration": 40}, "format": "vertical"}`
	def, _, _ := run(t, req, "quote", "-o", "json")
	hoox, _, _ := run(t, req, "quote", "-o", "json", "-rate-card", "hoox-observed")
	if !strings.Contains(def, `"total": "10"`) || !strings.Contains(hoox, `"total": "5"`) {
		t.Errorf("40 s: default card %s\nhoox-observed card %s\nwant totals 10 and 5 (10 s grace)",
			def, hoox)
	}
}

func TestRateCardJSON(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, "", "ratecard", "-o", "json")
	var out struct {
		Hash string
		Card struct{ ID string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if !strings.HasPrefix(out.Hash, "sha256:") || out.Card.ID == "" {
		t.Errorf("ratecard -o json = %+v", out)
	}
}

func TestHelpListsCommands(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, "", "help")
	if code != 0 || !strings.Contains(stdout, "quote") || !strings.Contains(stdout, "ratecard") {
		t.Errorf("help: exit %d\n%s", code, stdout)
	}
}
