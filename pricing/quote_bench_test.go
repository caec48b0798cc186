package pricing_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// example70 is the spec's fourth worked example (70.5 credits): three lines.
var example70 = pricing.Request{
	Video: pricing.Video{Origin: "dashboard", Duration: decimal.RequireFromString("90"),
		Avatar: &pricing.Avatar{ModelsAvailable: []string{"standard", "premium"},
			VisibleSeconds: decimal.NewNullDecimal(decimal.RequireFromString("60"))}},
	Format: "custom", Width: 3840, Height: 2160, AvatarModel: "premium", Plan: "pro",
}

// BenchmarkQuote measures pricing alone. Target: at most 1 µs and 10 allocations.
func BenchmarkQuote(b *testing.B) {
	card := pricing.DefaultRateCard()
	b.ReportAllocs()
	for b.Loop() {
		q, err := card.Quote(example70)
		if err != nil || q.Total.IsZero() {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteJSON measures the whole JSON contract: decode, price, explain, encode.
func BenchmarkQuoteJSON(b *testing.B) {
	card := pricing.DefaultRateCard()
	body, _ := example70.MarshalJSON()
	b.ReportAllocs()
	for b.Loop() {
		req, err := pricing.DecodeRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		q, err := card.Quote(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestQuoteAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under coverage and the race detector")
	}
	card := pricing.DefaultRateCard()
	allocs := testing.AllocsPerRun(100, func() { _, _ = card.Quote(example70) })
	if allocs > 10 {
		t.Errorf("Quote allocates %.0f times per call, want at most 10", allocs)
	}
}
