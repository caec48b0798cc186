package pricing

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// This file holds the integer arithmetic behind the hot path of Quote. Every value a rate
// card or request carries has at most nine decimal places (validation enforces it), so
// durations are whole nanoseconds and prices are small integer coefficients with a
// decimal exponent. Multiplying and adding those as int64 is exact, allocates nothing, and
// falls back to decimal arithmetic (also exact) in the rare case a product would overflow.

// nanosPerSecond is the scale of durations on the hot path.
const nanosPerSecond = 1_000_000_000

// maxDecimals is the most decimal places a duration, rate or step may have.
const maxDecimals = 9

// pow10 holds 10^0 ... 10^18, every power of ten an int64 can hold.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// nanos converts seconds to whole nanoseconds. It fails when d has more than nine decimal
// places or does not fit; validation turns that into an error naming the field.
func nanos(d decimal.Decimal) (int64, bool) {
	exp := d.Exponent()
	if exp < -maxDecimals || exp > maxDecimals || d.NumDigits() > 18 {
		return 0, false
	}
	return scaleUp(d.CoefficientInt64(), int(exp)+maxDecimals)
}

// scaleUp returns c*10^n, or false on overflow.
func scaleUp(c int64, n int) (int64, bool) {
	if n < 0 || n >= len(pow10) {
		return 0, false
	}
	p := pow10[n]
	if c > math.MaxInt64/p || c < -math.MaxInt64/p {
		return 0, false
	}
	return c * p, true
}

// fixed is an exact decimal c × 10^exp held in integers.
type fixed struct {
	c   int64
	exp int32
}

// toFixed converts d, failing when its coefficient does not fit an int64.
func toFixed(d decimal.Decimal) (fixed, bool) {
	if d.NumDigits() > 18 {
		return fixed{}, false
	}
	return fixed{d.CoefficientInt64(), d.Exponent()}, true
}

func (f fixed) decimal() decimal.Decimal { return decimal.New(f.c, f.exp) }

// mul returns f × g exactly.
func (f fixed) mul(g fixed) decimal.Decimal {
	hi, lo := bits.Mul64(uabs(f.c), uabs(g.c))
	if hi != 0 || lo > math.MaxInt64 {
		return mulDecimal(f.decimal(), g.decimal())
	}
	c := int64(lo)
	if (f.c < 0) != (g.c < 0) {
		c = -c
	}
	return decimal.New(c, f.exp+g.exp)
}

// mulDecimal returns a × b exactly. It stands in for decimal.Decimal.Mul, whose overflow
// message links all of fmt (about 110 KB of WebAssembly); exponents here are bounded by
// validation, so the overflow it guards against cannot happen.
func mulDecimal(a, b decimal.Decimal) decimal.Decimal {
	fa, okA := toFixed(a)
	fb, okB := toFixed(b)
	if okA && okB {
		if hi, lo := bits.Mul64(uabs(fa.c), uabs(fb.c)); hi == 0 && lo <= math.MaxInt64 {
			return fa.mul(fb)
		}
	}
	product := new(big.Int).Mul(a.Coefficient(), b.Coefficient())
	return decimal.NewFromBigInt(product, a.Exponent()+b.Exponent())
}

// mulInt returns f × n exactly.
func (f fixed) mulInt(n int64) decimal.Decimal { return f.mul(fixed{n, 0}) }

func uabs(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// sum adds decimals exactly. It aligns small coefficients in integers and falls back to
// decimal addition when they do not fit.
func sum(ds ...decimal.Decimal) decimal.Decimal {
	// Find the smallest exponent and check every coefficient fits.
	minExp := int32(0)
	for _, d := range ds {
		if d.NumDigits() > 18 {
			return slowSum(ds)
		}
		minExp = min(minExp, d.Exponent())
	}

	// Align and add, watching for overflow.
	var total int64
	for _, d := range ds {
		c, ok := scaleUp(d.CoefficientInt64(), int(d.Exponent()-minExp))
		if !ok || (c > 0 && total > math.MaxInt64-c) || (c < 0 && total < math.MinInt64-c) {
			return slowSum(ds)
		}
		total += c
	}
	return decimal.New(total, minExp)
}

func slowSum(ds []decimal.Decimal) decimal.Decimal {
	var total decimal.Decimal
	for _, d := range ds {
		total = total.Add(d)
	}
	return total
}

// ceilDiv returns ⌈a/b⌉ for a ≥ 0 and b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// ints caches the decimals 0 to 255, so counting blocks and segments allocates nothing.
var ints = func() (t [256]decimal.Decimal) {
	for i := range t {
		t[i] = decimal.NewFromInt(int64(i))
	}
	return t
}()

// intDecimal returns n as a decimal, from the cache when it can.
func intDecimal(n int64) decimal.Decimal {
	if n >= 0 && n < int64(len(ints)) {
		return ints[n]
	}
	return decimal.NewFromInt(n)
}

// nanosDecimal returns a nanosecond count as seconds.
func nanosDecimal(ns int64) decimal.Decimal {
	if ns%nanosPerSecond == 0 {
		return intDecimal(ns / nanosPerSecond)
	}
	return decimal.New(ns, -maxDecimals)
}

// formatDecimal writes d in plain notation without trailing zeros ("55.2", "15"). It does
// not depend on decimal's package-level formatting settings, which a program embedding
// this package may have changed.
func formatDecimal(d decimal.Decimal) string {
	var buf [32]byte
	return string(appendDecimal(buf[:0], d))
}

// appendDecimal appends formatDecimal(d) to b. Small values are written from their int64
// coefficient without touching math/big.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if d.NumDigits() > 18 || exp > 0 || exp < -18 {
		return appendBigDecimal(b, d)
	}

	// Drop trailing zeros of the fraction, then write the digits with the point placed.
	c := d.CoefficientInt64()
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var digits [20]byte
	ds := strconv.AppendInt(digits[:0], c, 10)
	frac := int(-exp)
	if frac == 0 {
		return append(b, ds...)
	}
	if len(ds) > frac {
		b = append(b, ds[:len(ds)-frac]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, '.')
	for i := len(ds); i < frac; i++ {
		b = append(b, '0')
	}
	if len(ds) > frac {
		return append(b, ds[len(ds)-frac:]...)
	}
	return append(b, ds...)
}

// appendBigDecimal is appendDecimal for values beyond int64 coefficients.
func appendBigDecimal(b []byte, d decimal.Decimal) []byte {
	if d.Exponent() >= 0 {
		return append(b, d.StringFixed(0)...)
	}
	s := d.StringFixed(-d.Exponent())
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return append(b, s...)
}
