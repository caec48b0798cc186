package pricing

// This file holds a small, strict JSON reader and writer. The package does not use
// encoding/json: in the WebAssembly build that package alone adds about 110 KB (brotli) of
// reflection code, and the calculator page must stay small. The reader also gives better
// errors for this contract than encoding/json can: every mistake names its field path.

import (
	"strconv"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// jsonKind is the type of a parsed JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// kindNames name each kind the way error messages use them.
var kindNames = [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}

// jsonValue is one parsed JSON value. Numbers keep their literal text, so that no digit is
// lost to float64 on the way to a decimal.
type jsonValue struct {
	kind  jsonKind
	text  string      // string contents, or a number's literal text
	b     bool        // a boolean's value
	keys  []string    // an object's keys, in document order
	items []jsonValue // an array's items, or an object's values parallel to keys
}

// get returns the value of key in an object, or nil.
func (v *jsonValue) get(key string) *jsonValue {
	for i, k := range v.keys {
		if k == key {
			return &v.items[i]
		}
	}
	return nil
}

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 32

// parseJSON parses data as exactly one JSON value. Duplicate object keys are an error:
// which of two prices counts must never depend on a parser's habits.
func parseJSON(data []byte) (jsonValue, error) {
	if !utf8.Valid(data) {
		return jsonValue{}, invalidParam("", "the body is not valid UTF-8 text")
	}
	p := jsonParser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return jsonValue{}, err
	}
	p.space()
	if p.pos != len(p.data) {
		return jsonValue{}, p.fail("unexpected text after the JSON value")
	}
	return v, nil
}

type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) fail(what string) error {
	return invalidParam("", "malformed JSON at byte "+strconv.Itoa(p.pos)+": "+what)
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, p.fail("nested too deeply")
	}
	if p.pos >= len(p.data) {
		return jsonValue{}, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		return jsonValue{kind: jsonBool, b: true}, nil
	case p.literal("false"):
		return jsonValue{kind: jsonBool}, nil
	case p.literal("null"):
		return jsonValue{kind: jsonNull}, nil
	}
	return jsonValue{}, p.fail("unexpected character " + strconv.QuoteRune(rune(p.data[p.pos])))
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (jsonValue, error) {
	v := jsonValue{kind: jsonObject, keys: make([]string, 0, 8), items: make([]jsonValue, 0, 8)}
	p.pos++ // '{'
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		// Read the key and its colon.
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return v, p.fail("expected a quoted object key")
		}
		key, err := p.str()
		if err != nil {
			return v, err
		}
		if v.get(key) != nil {
			return v, p.fail("duplicate key " + strconv.Quote(key))
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return v, p.fail("expected ':' after key " + strconv.Quote(key))
		}
		p.pos++

		// Read the value, then a comma or the end of the object.
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.keys = append(v.keys, key)
		v.items = append(v.items, item)
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		return v, p.fail("expected ',' or '}' in object")
	}
}

func (p *jsonParser) array(depth int) (jsonValue, error) {
	v := jsonValue{kind: jsonArray}
	p.pos++ // '['
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.items = append(v.items, item)
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return v, nil
		}
		return v, p.fail("expected ',' or ']' in array")
	}
}

// number scans a number with the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (jsonValue, error) {
	end, ok := scanNumber(p.data[p.pos:])
	if !ok {
		return jsonValue{}, p.fail("malformed number")
	}
	v := jsonValue{kind: jsonNumber, text: string(p.data[p.pos : p.pos+end])}
	p.pos += end
	return v, nil
}

// scanNumber returns the length of the JSON number at the start of b, and whether one is
// there. It is shared with decimal strings, which must follow the same grammar.
func scanNumber[T string | []byte](b T) (int, bool) {
	i := 0
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	return i, true
}

// str scans a quoted string and returns its unescaped contents.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote

	// Fast path: no escapes.
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.fail("control character in string")
		}
		p.pos++
	}

	// Slow path: decode escapes into a buffer.
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			break
		}
		p.pos += 2
		switch e := p.data[p.pos-1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("malformed \\u escape")
			}
			if r >= 0xD800 && r < 0xDC00 && p.literal(`\u`) {
				// A surrogate pair encodes one character above U+FFFF.
				lo, ok := p.hex4()
				if !ok {
					return "", p.fail("malformed \\u escape")
				}
				r = utf8.RuneError
				if lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail("unknown escape \\" + string(rune(e)))
		}
	}
	return "", p.fail("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

// jsonWriter builds compact JSON. Callers write keys and values in order; the writer adds
// the commas.
type jsonWriter struct {
	buf []byte
	// comma records, per open object or array, whether a value has been written yet.
	comma []bool
	// afterKey is set between a key and its value, which takes no comma.
	afterKey bool
}

func (w *jsonWriter) bytes() []byte { return w.buf }

// sep writes the comma before a value or key when one is due.
func (w *jsonWriter) sep() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if n := len(w.comma); n > 0 {
		if w.comma[n-1] {
			w.buf = append(w.buf, ',')
		}
		w.comma[n-1] = true
	}
}

func (w *jsonWriter) beginObject() {
	w.sep()
	w.buf = append(w.buf, '{')
	w.comma = append(w.comma, false)
}
func (w *jsonWriter) endObject() { w.buf = append(w.buf, '}'); w.comma = w.comma[:len(w.comma)-1] }
func (w *jsonWriter) beginArray() {
	w.sep()
	w.buf = append(w.buf, '[')
	w.comma = append(w.comma, false)
}
func (w *jsonWriter) endArray() { w.buf = append(w.buf, ']'); w.comma = w.comma[:len(w.comma)-1] }

// key writes an object key; the value written next belongs to it.
func (w *jsonWriter) key(k string) {
	w.sep()
	w.buf = appendJSONString(w.buf, k)
	w.buf = append(w.buf, ':')
	w.afterKey = true
}

func (w *jsonWriter) string(s string) {
	w.sep()
	w.buf = appendJSONString(w.buf, s)
}

func (w *jsonWriter) int(n int) {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
}

func (w *jsonWriter) bool(b bool) {
	w.sep()
	w.buf = strconv.AppendBool(w.buf, b)
}

func (w *jsonWriter) null() {
	w.sep()
	w.buf = append(w.buf, "null"...)
}

// appendJSONString appends s as a JSON string. It escapes only what JSON requires plus
// '<', '>' and '&', so the output is also safe to embed in HTML.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// decimal writes d as a decimal string, the form every amount takes in this contract.
func (w *jsonWriter) decimal(d decimal.Decimal) {
	w.sep()
	w.buf = append(w.buf, '"')
	w.buf = appendDecimal(w.buf, d)
	w.buf = append(w.buf, '"')
}

func (w *jsonWriter) strings(list []string) {
	w.beginArray()
	for _, s := range list {
		w.string(s)
	}
	w.endArray()
}
