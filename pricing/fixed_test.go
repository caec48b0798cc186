package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0", "0"}, {"0.000", "0"}, {"15", "15"}, {"15.000", "15"}, {"55.20", "55.2"},
		{"-5", "-5"}, {"-0.50", "-0.5"}, {"0.0000000008", "0.0000000008"},
		{"1e3", "1000"}, {"120e-1", "12"}, {"123456789012345678.9", "123456789012345678.9"},
		{"12345678901234567890123", "12345678901234567890123"}, {"-0.00", "0"},
	}
	for _, tt := range tests {
		if got := formatDecimal(decimal.RequireFromString(tt.in)); got != tt.want {
			t.Errorf("formatDecimal(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFixedArithmeticFallsBackExactly(t *testing.T) {
	t.Parallel()
	// A product too large for int64 still comes out exact, through decimal.
	big := fixed{c: 9_000_000_000_000_000_000 / 10, exp: -2}
	if got, want := big.mulInt(1000), decimal.RequireFromString("9000000000000000000"); !got.Equal(want) {
		t.Errorf("overflowing product = %s, want %s", got, want)
	}
	a := decimal.RequireFromString("9223372036854775807")
	if got := sum(a, decimal.RequireFromString("1.5")); !got.Equal(a.Add(decimal.RequireFromString("1.5"))) {
		t.Errorf("overflowing sum = %s", got)
	}
	if got := sum(decimal.RequireFromString("15"), decimal.RequireFromString("7.5"),
		decimal.RequireFromString("48")); got.String() != "70.5" {
		t.Errorf("sum = %s, want 70.5", got)
	}
}
