package pricing_test

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// The fourth worked example of the export endpoint: a 90 s dashboard video exported in 4K
// with 60 s of premium avatar.
func ExampleRateCard_Quote() {
	req := pricing.Request{
		Video: pricing.Video{
			Origin:   "dashboard",
			Duration: decimal.RequireFromString("90"),
			Avatar: &pricing.Avatar{
				ModelsAvailable: []string{"standard", "premium"},
				VisibleSeconds:  decimal.NewNullDecimal(decimal.RequireFromString("60")),
			},
		},
		Format: "custom", Width: 3840, Height: 2160,
		AvatarModel: "premium",
	}
	q, err := pricing.DefaultRateCard().Quote(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range q.Lines {
		fmt.Printf("%-16s %6s  %s\n", l.Item, l.Amount, l.Explain())
	}
	fmt.Println("total", q.Total)
	// Output:
	// base_export          15  90 s is 3 started blocks of 30 s at 5 credits each
	// high_resolution     7.5  3840x2160 is above 1080p (long side over 1920 or short side over 1080): 90 s is 3 started blocks of 30 s at 2.5 credits each
	// avatar               48  60 s of premium avatar visibility at 0.8 credits per second
	// total 70.5
}

// Requests usually arrive as JSON; numbers may be JSON numbers or decimal strings.
func ExampleDecodeRequest() {
	req, err := pricing.DecodeRequest([]byte(`{
		"video": {"origin": "api", "duration": "24",
		          "avatar": {"models_available": ["veo-3-fast"], "segments": 3}},
		"format": "vertical", "avatar_model": "veo-3-fast"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	q, _ := pricing.DefaultRateCard().Quote(req)
	fmt.Println(q.Total, q.Lines[1].Explain())
	// Output:
	// 55.2 3 veo-3-fast avatar segments of 8 s, each 8 s x 2.3 = 18.4 credits
}

// Every error carries a stable code, the field at fault and a message for the user.
func ExampleError() {
	req, err := pricing.DecodeRequest([]byte(`{"video": {"origin": "api", "duration": 10},
		"format": "portrait"}`))
	if err == nil {
		_, err = pricing.DefaultRateCard().Quote(req)
	}
	var pe *pricing.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, pe.Field)
		fmt.Println(pe.Message)
	}
	fmt.Println(errors.Is(err, pricing.ErrInvalidFormat))
	// Output:
	// INVALID_FORMAT format
	// format must be one of vertical, ads, square, horizontal, custom (or left out to keep the video's own size), not "portrait"
	// true
}

// Each line says where its price changes, so a user interface can suggest a trim.
func ExampleLine_Previous() {
	req := pricing.Request{Format: "square",
		Video: pricing.Video{Origin: "dashboard", Duration: decimal.RequireFromString("60.5")}}
	q, _ := pricing.DefaultRateCard().Quote(req)
	fmt.Println(q.Lines[0].Previous().Explain)
	fmt.Println(q.Lines[0].Next().Explain)
	// Output:
	// at 60 s or less this is 2 blocks: 10 credits, saving 5 credits
	// above 90 s this becomes 4 blocks: 20 credits
}
