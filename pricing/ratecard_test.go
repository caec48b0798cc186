package pricing_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/exportkit/exportkit/pricing"
)

func TestBuiltinCardsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range pricing.BuiltinRateCardNames() {
		card, ok := pricing.BuiltinRateCard(name)
		if !ok {
			t.Fatalf("BuiltinRateCard(%q) missing", name)
		}

		// The canonical JSON parses back to a card with the same hash.
		canon, _ := card.MarshalJSON()
		again, err := pricing.ParseRateCard(bytes.NewReader(canon))
		if err != nil {
			t.Fatalf("%s: canonical JSON does not parse: %v", name, err)
		}
		if again.Hash() != card.Hash() || !strings.HasPrefix(card.Hash(), "sha256:") {
			t.Errorf("%s: hash %s after a round trip, want %s", name, again.Hash(), card.Hash())
		}
	}
	if pricing.DefaultRateCard().Hash() == mustBuiltin(t, "hoox-observed").Hash() {
		t.Error("different cards share a hash")
	}
}

func mustBuiltin(t *testing.T, name string) *pricing.RateCard {
	c, ok := pricing.BuiltinRateCard(name)
	if !ok {
		t.Fatalf("no built-in card %q", name)
	}
	return c
}

func TestHashIgnoresLayout(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("ratecards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	// Same rules, different whitespace and decimal spelling.
	relaid := strings.ReplaceAll(string(src), "\n", "\n\n")
	relaid = strings.Replace(relaid, `"per_block": "2.5"`, `"per_block": 2.50`, 1)
	card, err := pricing.ParseRateCard(strings.NewReader(relaid))
	if err != nil {
		t.Fatal(err)
	}
	if card.Hash() != pricing.DefaultRateCard().Hash() {
		t.Errorf("hash changed with layout: %s vs %s", card.Hash(), pricing.DefaultRateCard().Hash())
	}
}

func TestParseRateCardRefusesBadCards(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("ratecards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		field          string
	}{
		{"unknown field", `"plans":`, `"currency": "credits", "plans":`, "currency"},
		{"negative rate", `"rate": "0.8"`, `"rate": "-0.8"`, "avatar.models[1].rate"},
		{"zero block length", `"seconds": "30"`, `"seconds": "0"`, "blocks.seconds"},
		{"zero segment length", `"segment_seconds": "8"`, `"segment_seconds": "0"`,
			"avatar.models[3].segment_seconds"},
		{"unknown model in order", `"ultra"]`, `"ultra-hd"]`, "avatar.default_order[4]"},
		{"unknown plan", `"min_plan": "enterprise"`, `"min_plan": "gold"`, "avatar.models[2].min_plan"},
		{"unknown billing", `"billing": "per_second"`, `"billing": "per_minute"`,
			"avatar.models[1].billing"},
		{"unknown high-res rule", `"long_short"`, `"diagonal"`, "high_resolution.rule"},
		{"too many decimals", `"2.5"`, `"2.5000000001"`, "high_resolution.per_block"},
		{"odd default size", `"default_width": 1080`, `"default_width": 1081`, "custom.default_width"},
		{"duplicate key", `"id": "exportkit-default-2026-12",`,
			`"id": "a", "id": "exportkit-default-2026-12",`, ""},
		{"rate as a word", `"rate": "5"`, `"rate": "five"`, "avatar.models[4].rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(src), tt.old) {
				t.Fatalf("default.json no longer contains %s", tt.old)
			}
			bad := strings.Replace(string(src), tt.old, tt.new, 1)
			_, err := pricing.ParseRateCard(strings.NewReader(bad))
			var pe *pricing.Error
			if !errors.As(err, &pe) || pe.Code != pricing.ErrInvalidRateCard {
				t.Fatalf("err = %v, want INVALID_RATE_CARD", err)
			}
			if pe.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", pe.Field, tt.field, pe.Message)
			}
		})
	}
}

// TestLeafDependencies checks that pricing stays a leaf: the standard library and decimal,
// no cgo, and no encoding/json (which would bloat the WebAssembly build).
func TestLeafDependencies(t *testing.T) {
	if runtime.GOOS == "js" || testing.Short() {
		t.Skip("needs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}} {{if .CgoFiles}}cgo:{{.ImportPath}}{{end}}",
		".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(line, "cgo:"):
			t.Errorf("pricing depends on cgo package %s", strings.TrimPrefix(line, "cgo:"))
		case line != "github.com/shopspring/decimal" && line != "github.com/exportkit/exportkit/pricing":
			t.Errorf("pricing depends on %s; allowed: the standard library and decimal", line)
		}
	}
	std, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"encoding/json", "log", "log/slog", "reflect/internal"} {
		for _, dep := range strings.Fields(string(std)) {
			if dep == banned {
				t.Errorf("pricing imports %s", banned)
			}
		}
	}
}
