package pricing_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exportkit/exportkit/pricing"
)

// update rewrites the golden files from the current code: go test ./pricing -update.
var update = flag.Bool("update", false, "rewrite testdata/quotes/*.quote.json from the current code")

// goldenDir holds the cases. A case is <name>.request.json beside <name>.quote.json, which
// holds the quote or the error envelope. Cases at the top level use the default card;
// cases in a subdirectory use the card of that name: a built-in card, or else
// testdata/ratecards/<name>.json.
const goldenDir = "../testdata/quotes"

// TestGolden prices every request in testdata/quotes and compares the result with its
// golden file. These files are the single source of truth for the cost rules: the
// WebAssembly build runs them under Node, and the browser test runs them in Chromium.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(goldenDir, "*", "*.request.json"))
	cases = append(cases, more...)
	if len(cases) < 50 {
		t.Fatalf("found %d golden cases in %s, want at least 50", len(cases), goldenDir)
	}

	for _, reqPath := range cases {
		name := strings.TrimSuffix(strings.TrimPrefix(reqPath, goldenDir+"/"), ".request.json")
		t.Run(name, func(t *testing.T) {
			card := cardFor(t, filepath.Dir(reqPath))
			input, err := os.ReadFile(reqPath)
			if err != nil {
				t.Fatal(err)
			}
			got := indent(t, priceJSON(card, input))

			// Write or compare the golden file.
			goldenPath := strings.TrimSuffix(reqPath, ".request.json") + ".quote.json"
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test ./pricing -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs (-want +got):\n%s", goldenPath, diff)
			}
		})
	}
}

// priceJSON runs the JSON contract end to end, as the CLI, the HTTP API and the
// WebAssembly build do: request JSON in, quote or error JSON out.
func priceJSON(card *pricing.RateCard, input []byte) []byte {
	req, err := pricing.DecodeRequest(input)
	if err == nil {
		var q pricing.Quote
		if q, err = card.Quote(req); err == nil {
			out, _ := q.MarshalJSON()
			return out
		}
	}
	out, _ := pricing.AsError(err).MarshalJSON()
	return out
}

// cardFor returns the card a golden directory's cases use.
func cardFor(t *testing.T, dir string) *pricing.RateCard {
	t.Helper()
	if dir == goldenDir {
		return pricing.DefaultRateCard()
	}
	name := filepath.Base(dir)
	if c, ok := pricing.BuiltinRateCard(name); ok {
		return c
	}
	f, err := os.Open(filepath.Join("../testdata/ratecards", name+".json"))
	if err != nil {
		t.Fatalf("cases in %s need a built-in card or testdata/ratecards/%s.json: %v", dir, name, err)
	}
	defer f.Close()
	c, err := pricing.ParseRateCard(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// indent pretty-prints JSON so golden files read well and diff line by line.
func indent(t *testing.T, compact []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		t.Fatalf("output is not valid JSON: %v\n%s", err, compact)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}
