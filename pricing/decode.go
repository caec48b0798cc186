package pricing

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// decoder reads typed fields out of a parsed JSON tree, tracking the path of each field so
// that every error names it. The first error sticks: later reads become no-ops, so decoding
// code reads straight through and checks d.err once at the end.
type decoder struct {
	code Code   // the code of every error this decoder reports
	err  *Error // the first error, if any
}

func (d *decoder) fail(path, message string) {
	if d.err == nil {
		d.err = &Error{Code: d.code, Message: message, Field: path}
		if d.code == ErrInvalidRateCard {
			d.err.Message = "rate card: " + message
		}
	}
}

// join appends key to a JSON path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends an array index to a JSON path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// object checks that v is an object whose keys are all in allowed. It returns false (and
// records an error) otherwise.
func (d *decoder) object(v *jsonValue, path string, allowed ...string) bool {
	if d.err != nil {
		return false
	}
	if v.kind != jsonObject {
		d.fail(path, describe(path)+" must be an object, not "+kindNames[v.kind])
		return false
	}
	for _, k := range v.keys {
		if !contains(allowed, k) {
			d.fail(join(path, k), "unknown field "+strconv.Quote(join(path, k))+
				"; allowed fields are "+strings.Join(allowed, ", "))
			return false
		}
	}
	return true
}

// describe names the place a path points at in a message.
func describe(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

// field returns the value of key in object v, or nil when it is absent or null.
func field(v *jsonValue, key string) *jsonValue {
	f := v.get(key)
	if f == nil || f.kind == jsonNull {
		return nil
	}
	return f
}

func (d *decoder) str(v *jsonValue, path string) string {
	if d.err != nil || v == nil {
		return ""
	}
	if v.kind != jsonString {
		d.fail(path, path+" must be a string, not "+kindNames[v.kind])
		return ""
	}
	return v.text
}

func (d *decoder) strs(v *jsonValue, path string) []string {
	if d.err != nil || v == nil {
		return nil
	}
	if v.kind != jsonArray {
		d.fail(path, path+" must be an array of strings, not "+kindNames[v.kind])
		return nil
	}
	out := make([]string, len(v.items))
	for i := range v.items {
		if v.items[i].kind != jsonString {
			d.fail(index(path, i), index(path, i)+" must be a string, not "+kindNames[v.items[i].kind])
			return nil
		}
		out[i] = v.items[i].text
	}
	return out
}

// maxNumberText bounds the length of a number's text. It keeps hostile input such as
// "1e999999999" or a thousand digits away from decimal arithmetic, which would otherwise
// allocate without bound.
const maxNumberText = 40

// dec reads a decimal given as a JSON number or as a string in JSON number syntax.
func (d *decoder) dec(v *jsonValue, path string) decimal.Decimal {
	if d.err != nil || v == nil {
		return decimal.Decimal{}
	}
	if v.kind != jsonNumber && v.kind != jsonString {
		d.fail(path, path+" must be a number or a decimal string, not "+kindNames[v.kind])
		return decimal.Decimal{}
	}
	x, ok := parseDecimal(v.text)
	if !ok {
		d.fail(path, path+" must be a decimal number such as \"12.5\", not "+
			strconv.Quote(clip(v.text)))
	}
	return x
}

// parseDecimal parses text in JSON number syntax with at most maxNumberText characters
// and an exponent of at most 18 in size, the range every amount and duration lives in.
func parseDecimal(text string) (decimal.Decimal, bool) {
	if n, ok := scanNumber(text); !ok || n != len(text) || len(text) > maxNumberText {
		return decimal.Decimal{}, false
	}
	// Split off the exponent, then gather the digits around the point.
	mantissa, exp := text, int64(0)
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		var err error
		if exp, err = strconv.ParseInt(text[i+1:], 10, 32); err != nil {
			return decimal.Decimal{}, false
		}
		mantissa = text[:i]
	}
	if i := strings.IndexByte(mantissa, '.'); i >= 0 {
		exp -= int64(len(mantissa) - i - 1)
		mantissa = mantissa[:i] + mantissa[i+1:]
	}
	if exp < -18 || exp > 18 {
		return decimal.Decimal{}, false
	}

	// Build the decimal from its coefficient. decimal.NewFromString would do the same,
	// but its error path links all of fmt into the WebAssembly build.
	if c, err := strconv.ParseInt(mantissa, 10, 64); err == nil {
		return decimal.New(c, int32(exp)), true
	}
	c, ok := new(big.Int).SetString(mantissa, 10)
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromBigInt(c, int32(exp)), true
}

// maxInt bounds integer fields; no pixel size or segment count comes near it.
const maxInt = 1_000_000_000

// int reads an integer given as a JSON number or a decimal string ("1080" or 1080).
func (d *decoder) int(v *jsonValue, path string) int {
	x := d.dec(v, path)
	if d.err != nil || v == nil {
		return 0
	}
	if !x.IsInteger() || x.Abs().GreaterThan(decimal.NewFromInt(maxInt)) {
		d.fail(path, path+" must be a whole number, not "+strconv.Quote(clip(v.text)))
		return 0
	}
	return int(x.IntPart())
}

// clip shortens text quoted back in a message.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
