package pricing_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// FuzzQuote feeds request documents to the JSON contract and checks the invariants every
// quote must keep, not only that nothing panics.
func FuzzQuote(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(goldenDir, "*.request.json"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	card := pricing.DefaultRateCard()
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := pricing.DecodeRequest(data)
		if err != nil {
			checkCoded(t, err)
			return
		}
		q, err := card.Quote(req)
		if err != nil {
			checkCoded(t, err)
			return
		}
		checkQuote(t, q)

		// The same input gives the same quote, byte for byte.
		again, err := card.Quote(req)
		if err != nil {
			t.Fatalf("second quote failed: %v", err)
		}
		a, _ := q.MarshalJSON()
		b, _ := again.MarshalJSON()
		if !bytes.Equal(a, b) {
			t.Fatalf("same request, different quotes:\n%s\n%s", a, b)
		}
	})
}

// FuzzParseRateCard feeds rate card documents to the parser. A card it accepts must price
// every golden request without error codes outside the known set, and must hash the same
// after a round trip through its canonical JSON.
func FuzzParseRateCard(f *testing.F) {
	for _, p := range []string{"ratecards/default.json", "ratecards/hoox-observed.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	req, _ := pricing.DecodeRequest([]byte(`{"video": {"origin": "dashboard", "duration": "90",
		"width": 3840, "height": 2160, "avatar": {"models_available": ["premium", "veo-3"],
		"visible_seconds": "61"}}, "plan": "enterprise"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := pricing.ParseRateCard(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, pricing.ErrInvalidRateCard) {
				t.Fatalf("error without INVALID_RATE_CARD: %v", err)
			}
			return
		}
		canon, _ := card.MarshalJSON()
		again, err := pricing.ParseRateCard(bytes.NewReader(canon))
		if err != nil || again.Hash() != card.Hash() {
			t.Fatalf("canonical JSON does not round-trip: %v", err)
		}
		q, err := card.Quote(req)
		if err != nil {
			checkCoded(t, err)
			return
		}
		checkQuote(t, q)
	})
}

// checkCoded fails unless err is an *Error with one of the package's codes.
func checkCoded(t *testing.T, err error) {
	t.Helper()
	var pe *pricing.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error is not a *pricing.Error: %v", err)
	}
	for _, c := range pricing.Codes {
		if pe.Code == c {
			return
		}
	}
	t.Fatalf("unknown code %q", pe.Code)
}

// checkQuote checks a quote's invariants: total = sum of lines, nothing negative, and
// every amount = quantity × unit price.
func checkQuote(t *testing.T, q pricing.Quote) {
	t.Helper()
	total := decimal.Zero
	for _, l := range q.Lines {
		if l.Amount.IsNegative() || l.Quantity.IsNegative() || l.UnitPrice.IsNegative() {
			t.Fatalf("negative line %+v", l)
		}
		if !l.Quantity.Mul(l.UnitPrice).Equal(l.Amount) {
			t.Fatalf("%s: %s x %s != %s", l.Item, l.Quantity, l.UnitPrice, l.Amount)
		}
		total = total.Add(l.Amount)
	}
	if !total.Equal(q.Total) {
		t.Fatalf("total %s != sum of lines %s", q.Total, total)
	}
	if len(q.Lines) == 0 || q.Lines[0].Item != pricing.ItemBaseExport {
		t.Fatalf("first line is not base_export: %+v", q.Lines)
	}
}
