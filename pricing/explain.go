package pricing

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// Boundary is a point where a line's price changes: for a Next boundary, any measure
// above Seconds costs Amount; for a Previous boundary, a measure of Seconds or less costs
// Amount. A user interface can say "trim 0.5 s to save 5 credits" from it.
type Boundary struct {
	// Measure is what Seconds measures: MeasureDuration or MeasureAvatarSeconds.
	Measure  string
	Seconds  decimal.Decimal
	Quantity decimal.Decimal // the line's quantity beyond the boundary
	Amount   decimal.Decimal // the line's amount beyond the boundary
	Explain  string          // one sentence, e.g. "above 90 s this becomes 4 blocks: 20 credits"
}

// What a Boundary's Seconds measure.
const (
	MeasureDuration      = "duration"       // the video's duration
	MeasureAvatarSeconds = "avatar_seconds" // the avatar's visible seconds
)

// Explain returns one sentence saying how the line's amount came about, for example
// "90 s is 3 started blocks of 30 s at 5 credits each".
func (l *Line) Explain() string {
	b := &l.basis
	if b.card == nil {
		return ""
	}
	c := b.card
	switch l.Item {
	case ItemBaseExport:
		if l.UnitPrice.IsZero() {
			return "the base export of " + b.origin + " videos is free: " +
				c.blocksPhrase(b.measure, b.count) + " at 0 credits"
		}
		return c.blocksPhrase(b.measure, b.count) + " at " + credits(l.UnitPrice) + " each"
	case ItemHighResolution:
		return strconv.Itoa(b.w) + "x" + strconv.Itoa(b.h) + " is above 1080p (" + c.highResWhy() +
			"): " + c.blocksPhrase(b.measure, b.count) + " at " + credits(l.UnitPrice) + " each"
	case ItemAvatar:
		return l.explainAvatar()
	}
	return ""
}

// blocksPhrase says how a duration became blocks: "90 s is 3 started blocks of 30 s".
func (c *RateCard) blocksPhrase(duration decimal.Decimal, blocks int64) string {
	s := seconds(duration)
	if c.graceNs > 0 {
		s += ", less " + seconds(c.blocks.Grace) + " of grace,"
	}
	return s + " is " + count(blocks, "started block") + " of " + seconds(c.blocks.Seconds)
}

func (c *RateCard) highResWhy() string {
	r := &c.highRes
	long, short := strconv.Itoa(r.LongSide), strconv.Itoa(r.ShortSide)
	switch r.Rule {
	case HighResLongShort:
		return "long side over " + long + " or short side over " + short
	case HighResCustomOnly:
		return "a custom size with width over " + long + " or height over " + short
	}
	return "width over " + long + " or height over " + short
}

func (l *Line) explainAvatar() string {
	b := &l.basis
	m := b.model
	visible := seconds(b.measure) + " of " + m.Name + " avatar visibility"
	switch m.Billing {
	case BillingFree:
		return "the " + m.Name + " avatar model is free: " + visible + " at 0 credits"
	case BillingPerSegment:
		each := " of " + seconds(m.SegmentSeconds) + ", each " + seconds(m.SegmentSeconds) +
			" x " + formatDecimal(m.Rate) + " = " + credits(m.segmentPrice)
		if b.derived {
			return visible + " is " + count(b.count, "started segment") + each
		}
		return count(b.count, m.Name+" avatar segment") + each
	}
	s := visible
	if billed := nanosDecimal(b.count); !billed.Equal(b.measure) {
		s += ", rounded up to " + seconds(billed) + ","
	}
	return s + " at " + credits(m.Rate) + " per second"
}

// Next returns where the line's price rises next, or nil when it rises continuously
// (exact per-second billing), never, or not with time (a given segment count, or a zero
// unit price).
func (l *Line) Next() *Boundary {
	at, n, ok := l.step(+1)
	if !ok {
		return nil
	}
	amount := mulDecimal(l.UnitPrice, intDecimal(n))
	qty := intDecimal(n)
	if l.isPerSecond() {
		qty = nanosDecimal(n)
		amount = mulDecimal(l.UnitPrice, qty)
	}
	return &Boundary{Measure: l.measureName(), Seconds: at, Quantity: qty, Amount: amount,
		Explain: "above " + seconds(at) + l.measureWords() + " this becomes " + l.quantityPhrase(n) +
			": " + credits(amount)}
}

// Previous returns the largest measure at which the line costs less, or nil when it
// cannot cost less by trimming.
func (l *Line) Previous() *Boundary {
	at, n, ok := l.step(-1)
	if !ok {
		return nil
	}
	qty := intDecimal(n)
	if l.isPerSecond() {
		qty = nanosDecimal(n)
	}
	amount := mulDecimal(l.UnitPrice, qty)
	return &Boundary{Measure: l.measureName(), Seconds: at, Quantity: qty, Amount: amount,
		Explain: "at " + seconds(at) + l.measureWords() + " or less this is " + l.quantityPhrase(n) +
			": " + credits(amount) + ", saving " + credits(l.Amount.Sub(amount))}
}

// step finds the neighbouring price step in direction dir (+1 up, -1 down): the
// threshold in seconds and the count (blocks, segments, or billed nanoseconds) beyond it.
func (l *Line) step(dir int64) (at decimal.Decimal, n int64, ok bool) {
	b := &l.basis
	if b.card == nil || l.UnitPrice.IsZero() {
		return decimal.Decimal{}, 0, false
	}
	c := b.card
	var size, offset, limit, floor int64
	switch {
	case l.Item != ItemAvatar:
		size, offset, limit, floor = c.blockNs, c.graceNs, c.maxNs, int64(c.blocks.Minimum)
	case b.model.Billing == BillingPerSegment && b.derived:
		size, limit = b.model.segmentNs, c.maxNs
	case b.model.Billing == BillingPerSecond && c.stepNs > 0:
		// Billed nanoseconds move in steps; count in steps, report in nanoseconds.
		steps := b.count / c.stepNs
		thr, next := c.stepNs*steps, steps+1
		if dir < 0 {
			thr, next = c.stepNs*(steps-1), steps-1
		}
		if thr <= 0 || thr >= c.maxNs {
			return decimal.Decimal{}, 0, false
		}
		return nanosDecimal(thr), next * c.stepNs, true
	default:
		return decimal.Decimal{}, 0, false
	}

	// Counted lines: the count k holds up to offset + k*size.
	thr, next := offset+b.count*size, b.count+1
	if dir < 0 {
		thr, next = offset+(b.count-1)*size, b.count-1
		if next < floor {
			return decimal.Decimal{}, 0, false
		}
	}
	if thr <= 0 || thr >= limit {
		return decimal.Decimal{}, 0, false
	}
	return nanosDecimal(thr), next, true
}

func (l *Line) isPerSecond() bool {
	return l.Item == ItemAvatar && l.basis.model.Billing == BillingPerSecond
}

func (l *Line) measureName() string {
	if l.Item == ItemAvatar {
		return MeasureAvatarSeconds
	}
	return MeasureDuration
}

func (l *Line) measureWords() string {
	if l.Item == ItemAvatar {
		return " of avatar visibility"
	}
	return ""
}

// quantityPhrase names n of the line's unit: "4 blocks", "3 segments", "41 s".
func (l *Line) quantityPhrase(n int64) string {
	switch {
	case l.Item != ItemAvatar:
		return count(n, "block")
	case l.isPerSecond():
		return seconds(nanosDecimal(n))
	}
	return count(n, "segment")
}

// count writes "1 block" or "3 blocks".
func count(n int64, noun string) string {
	s := strconv.FormatInt(n, 10) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

func seconds(d decimal.Decimal) string { return formatDecimal(d) + " s" }

func credits(d decimal.Decimal) string {
	if d.Equal(ints[1]) {
		return "1 credit"
	}
	return formatDecimal(d) + " credits"
}

// MarshalJSON encodes the quote as the contract's JSON, every amount a decimal string:
//
//	{"rate_card": {"id": "...", "hash": "sha256:..."}, "format": "custom",
//	 "width": 2560, "height": 1440, "avatar_model": "premium",
//	 "lines": [{"item": "base_export", "quantity": "3", "unit": "block_30s",
//	            "unit_price": "5", "amount": "15", "explain": "...",
//	            "next": {...}, "previous": {...}}, ...],
//	 "total": "70.5"}
//
// format and avatar_model are null when empty; next and previous appear when the line
// has such a boundary.
func (q Quote) MarshalJSON() ([]byte, error) {
	w := jsonWriter{buf: make([]byte, 0, 1024)}
	w.beginObject()
	w.key("rate_card")
	w.beginObject()
	w.key("id")
	w.string(q.RateCard.ID)
	w.key("hash")
	w.string(q.RateCard.Hash)
	w.endObject()
	w.key("format")
	nullableString(&w, q.Format)
	w.key("width")
	w.int(q.Width)
	w.key("height")
	w.int(q.Height)
	w.key("avatar_model")
	nullableString(&w, q.AvatarModel)

	// The lines, each with its explanation and boundaries.
	w.key("lines")
	w.beginArray()
	for i := range q.Lines {
		l := &q.Lines[i]
		w.beginObject()
		w.key("item")
		w.string(l.Item)
		w.key("quantity")
		w.decimal(l.Quantity)
		w.key("unit")
		w.string(l.Unit)
		w.key("unit_price")
		w.decimal(l.UnitPrice)
		w.key("amount")
		w.decimal(l.Amount)
		w.key("explain")
		w.string(l.Explain())
		writeBoundary(&w, "next", l.Next())
		writeBoundary(&w, "previous", l.Previous())
		w.endObject()
	}
	w.endArray()
	w.key("total")
	w.decimal(q.Total)
	w.endObject()
	return w.bytes(), nil
}

func nullableString(w *jsonWriter, s string) {
	if s == "" {
		w.null()
		return
	}
	w.string(s)
}

func writeBoundary(w *jsonWriter, key string, b *Boundary) {
	if b == nil {
		return
	}
	w.key(key)
	w.beginObject()
	w.key("measure")
	w.string(b.Measure)
	w.key("seconds")
	w.decimal(b.Seconds)
	w.key("quantity")
	w.decimal(b.Quantity)
	w.key("amount")
	w.decimal(b.Amount)
	w.key("explain")
	w.string(b.Explain)
	w.endObject()
}
