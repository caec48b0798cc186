package pricing_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// dec parses a decimal written as a string, the way amounts are written in these tables.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestQuoteTotals(t *testing.T) {
	t.Parallel()
	premium := func(visible string) *pricing.Avatar {
		return &pricing.Avatar{ModelsAvailable: []string{"standard", "premium"},
			VisibleSeconds: decimal.NewNullDecimal(dec(visible))}
	}
	tests := []struct {
		name string
		req  pricing.Request
		want string // total
	}{
		{"spec premium 40 s", pricing.Request{Format: "vertical", AvatarModel: "premium",
			Video: pricing.Video{Origin: "api", Duration: dec("40"), Avatar: premium("40")}}, "32"},
		{"spec 4k dashboard 90 s", pricing.Request{Format: "custom", Width: 3840, Height: 2160,
			AvatarModel: "premium",
			Video:       pricing.Video{Origin: "dashboard", Duration: dec("90"), Avatar: premium("60")}},
			"70.5"},

		{"per-second billing is exact", pricing.Request{Format: "square", AvatarModel: "premium",
			Video: pricing.Video{Origin: "api", Duration: dec("41"), Avatar: premium("40.2")}}, "32.16"},
		{"nanosecond precision", pricing.Request{Format: "square", AvatarModel: "premium",
			Video: pricing.Video{Origin: "api", Duration: dec("2"), Avatar: premium("0.000000001")}},
			"0.0000000008"},

		{"30 s is one block", pricing.Request{Format: "square",
			Video: pricing.Video{Origin: "dashboard", Duration: dec("30")}}, "5"},
		{"30.000000001 s is two blocks", pricing.Request{Format: "square",
			Video: pricing.Video{Origin: "dashboard", Duration: dec("30.000000001")}}, "10"},
		{"a day", pricing.Request{Format: "custom", Width: 5000, Height: 5000,
			Video: pricing.Video{Origin: "dashboard", Duration: dec("86400")}}, "21600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := pricing.DefaultRateCard().Quote(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !q.Total.Equal(dec(tt.want)) {
				t.Errorf("total = %s, want %s", q.Total, tt.want)
			}
		})
	}
}

func TestQuoteErrorsAreCodedSentinels(t *testing.T) {
	t.Parallel()
	req := pricing.Request{Format: "vertical", AvatarModel: "ultra", Plan: "pro",
		Video: pricing.Video{Origin: "api", Duration: dec("10"),
			Avatar: &pricing.Avatar{ModelsAvailable: []string{"ultra"}}}}
	_, err := pricing.DefaultRateCard().Quote(req)

	// errors.Is matches the code, errors.As gives the details.
	if !errors.Is(err, pricing.ErrPlanRequired) {
		t.Fatalf("err = %v, want PLAN_REQUIRED", err)
	}
	if errors.Is(err, pricing.ErrInvalidFormat) {
		t.Error("a PLAN_REQUIRED error also matched INVALID_FORMAT")
	}
	var pe *pricing.Error
	if !errors.As(err, &pe) || pe.Field != "avatar_model" || !strings.Contains(pe.Message, "enterprise") {
		t.Errorf("error = %#v, want field avatar_model and a message naming the enterprise plan", pe)
	}

	// The envelope is the API's.
	b, _ := pe.MarshalJSON()
	var env map[string]map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env["error"]["code"] != "PLAN_REQUIRED" {
		t.Errorf("envelope = %s", b)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"video":{"origin":"dashboard","duration":"90.5","width":1920,"height":1080,` +
		`"avatar":{"models_available":["standard","premium"],"default_model":"premium",` +
		`"visible_seconds":"60","segments":3}},"format":"custom","width":2560,"height":1440,` +
		`"avatar_model":"premium","plan":"start"}`
	req, err := pricing.DecodeRequest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := req.MarshalJSON()
	if diff := cmp.Diff(in, string(out)); diff != "" {
		t.Errorf("MarshalJSON(DecodeRequest(x)) != x (-want +got):\n%s", diff)
	}

	// encoding/json callers get the same codec.
	var viaStd pricing.Request
	if err := json.Unmarshal([]byte(in), &viaStd); err != nil {
		t.Fatal(err)
	}
	if !viaStd.Video.Duration.Equal(dec("90.5")) || viaStd.Video.Avatar.Segments != 3 {
		t.Errorf("json.Unmarshal gave %+v", viaStd)
	}
}

func TestQuoteBoundaries(t *testing.T) {
	t.Parallel()
	req := pricing.Request{Format: "square",
		Video: pricing.Video{Origin: "dashboard", Duration: dec("60.5")}}
	q, err := pricing.DefaultRateCard().Quote(req)
	if err != nil {
		t.Fatal(err)
	}
	base := q.Lines[0]

	// Trimming to 60 s saves a block; going past 90 s adds one.
	prev, next := base.Previous(), base.Next()
	if prev == nil || !prev.Seconds.Equal(dec("60")) || !prev.Amount.Equal(dec("10")) {
		t.Errorf("Previous() = %+v, want 10 credits at 60 s or less", prev)
	}
	if next == nil || !next.Seconds.Equal(dec("90")) || !next.Amount.Equal(dec("20")) {
		t.Errorf("Next() = %+v, want 20 credits above 90 s", next)
	}
	if want := "60.5 s is 3 started blocks of 30 s at 5 credits each"; base.Explain() != want {
		t.Errorf("Explain() = %q, want %q", base.Explain(), want)
	}
}

func TestOutputSize(t *testing.T) {
	t.Parallel()
	card := pricing.DefaultRateCard()
	tests := []struct {
		format        string
		width, height int
		wantW, wantH  int
		wantErr       error
	}{
		{"vertical", 0, 0, 1080, 1920, nil},
		{"ads", 0, 0, 1080, 1350, nil},
		{"square", 0, 0, 1080, 1080, nil},
		{"horizontal", 0, 0, 1920, 1080, nil},
		{"custom", 0, 0, 1080, 1920, nil},
		{"custom", 640, 360, 640, 360, nil},
		{"", 0, 0, 1280, 720, nil},

		{"custom", 641, 360, 0, 0, pricing.ErrInvalidParameter},
		{"custom", 640, 5002, 0, 0, pricing.ErrInvalidParameter},
		{"portrait", 0, 0, 0, 0, pricing.ErrInvalidFormat},
	}
	for _, tt := range tests {
		w, h, err := card.OutputSize(tt.format, tt.width, tt.height, 1280, 720)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("OutputSize(%q, %d, %d) error = %v, want %v", tt.format, tt.width, tt.height,
				err, tt.wantErr)
		}
		if w != tt.wantW || h != tt.wantH {
			t.Errorf("OutputSize(%q, %d, %d) = %dx%d, want %dx%d", tt.format, tt.width, tt.height,
				w, h, tt.wantW, tt.wantH)
		}
	}
}
