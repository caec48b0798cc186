package pricing

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// A RateCard is a versioned, validated set of cost rules. It is immutable and safe for
// concurrent use. Obtain one from DefaultRateCard, BuiltinRateCard or ParseRateCard; a
// zero RateCard is not usable.
//
// Every card has a content hash (see Hash) that each quote reports, so a past quote can
// be replayed exactly with the card it was made with.
type RateCard struct {
	id          string
	effective   string
	description string

	formats      []Format
	custom       CustomSize
	maxDuration  decimal.Decimal
	blocks       BlockRule
	baseExport   []OriginRate
	highRes      HighResRule
	avatarStep   decimal.Decimal
	models       []Model
	defaultOrder []string
	plans        []string

	// Derived at validation, for the hot path.
	hash          string
	blockUnit     string // e.g. "block_30s"
	maxNs         int64
	blockNs       int64
	graceNs       int64
	stepNs        int64
	highResFixed  fixed
	highResPrice  decimal.Decimal
	modelIndex    map[string]*Model
	planRank      map[string]int
	formatByName  map[string]Format
	originByName  map[string]*OriginRate
	canonicalJSON []byte
}

// Format is a named export size, such as vertical 1080x1920.
type Format struct {
	Name   string
	Width  int
	Height int
}

// CustomSize bounds the custom format. Width and height must each be a multiple of
// Multiple from MinSide to MaxSide; when the request leaves them out they default to
// DefaultWidth and DefaultHeight.
type CustomSize struct {
	DefaultWidth, DefaultHeight int
	MinSide, MaxSide            int
	Multiple                    int
}

// BlockRule says how a duration becomes billable blocks: blocks = ⌈(duration − Grace) /
// Seconds⌉, and never fewer than Minimum.
type BlockRule struct {
	Seconds decimal.Decimal
	Grace   decimal.Decimal
	Minimum int
}

// OriginRate is the base export price per block for videos of one origin.
type OriginRate struct {
	Origin   string
	PerBlock decimal.Decimal
	perBlock fixed
}

// The high-resolution rules a card can choose.
const (
	// HighResLongShort: the output's long side is over LongSide or its short side is over
	// ShortSide. Vertical 1080x1920 is therefore not high resolution.
	HighResLongShort = "long_short"
	// HighResLiteral: width over LongSide or height over ShortSide, read literally, so
	// vertical 1080x1920 pays the surcharge.
	HighResLiteral = "literal"
	// HighResCustomOnly: only the custom format can pay, by the literal test.
	HighResCustomOnly = "custom_only"
)

// HighResRule is the surcharge per block for outputs above 1080p.
type HighResRule struct {
	Rule      string // HighResLongShort, HighResLiteral or HighResCustomOnly
	LongSide  int
	ShortSide int
	PerBlock  decimal.Decimal
}

// The ways an avatar model bills.
const (
	BillingFree       = "free"        // no charge
	BillingPerSecond  = "per_second"  // Rate per second of avatar visibility
	BillingPerSegment = "per_segment" // Rate per second, whole segments of SegmentSeconds
)

// Model is one avatar model and how it bills.
type Model struct {
	Name           string
	Billing        string          // BillingFree, BillingPerSecond or BillingPerSegment
	Rate           decimal.Decimal // credits per second; zero for free models
	SegmentSeconds decimal.Decimal // per_segment only
	MinPlan        string          // lowest plan that may use it; "" for every plan

	rate         fixed
	segmentNs    int64
	segmentPrice decimal.Decimal // SegmentSeconds × Rate
	segmentFixed fixed
	unit         string // "second" or e.g. "segment_8s"
}

// ID returns the card's identifier, for example "exportkit-2026-12".
func (c *RateCard) ID() string { return c.id }

// Effective returns the date (YYYY-MM-DD) from which the card applies.
func (c *RateCard) Effective() string { return c.effective }

// Description returns the card's free-text description.
func (c *RateCard) Description() string { return c.description }

// Hash returns "sha256:" and the hex SHA-256 of the card's canonical JSON (see
// MarshalJSON). Two cards with the same rules have the same hash, however their source
// files were laid out.
func (c *RateCard) Hash() string { return c.hash }

// Formats returns the named formats in card order; "custom" is not among them.
func (c *RateCard) Formats() []Format { return append([]Format(nil), c.formats...) }

// Custom returns the bounds of the custom format.
func (c *RateCard) Custom() CustomSize { return c.custom }

// Models returns the avatar models in card order.
func (c *RateCard) Models() []Model { return append([]Model(nil), c.models...) }

// Plans returns the plan names from lowest to highest.
func (c *RateCard) Plans() []string { return append([]string(nil), c.plans...) }

// Origins returns the video origins the card prices, such as "api" and "dashboard".
func (c *RateCard) Origins() []string {
	out := make([]string, len(c.baseExport))
	for i, o := range c.baseExport {
		out[i] = o.Origin
	}
	return out
}

// FormatCustom is the name of the format whose size the request chooses.
const FormatCustom = "custom"

// OutputSize resolves the size of an export: a named format's size; for FormatCustom,
// width and height (0 means the card's default) checked against the card's bounds; for
// "", the source size srcW x srcH unchanged. It returns ErrInvalidFormat for an unknown
// format and ErrInvalidParameter for a custom size out of bounds.
func (c *RateCard) OutputSize(format string, width, height, srcW, srcH int) (w, h int, err error) {
	switch format {
	case "":
		return srcW, srcH, nil
	case FormatCustom:
		if width == 0 {
			width = c.custom.DefaultWidth
		}
		if height == 0 {
			height = c.custom.DefaultHeight
		}
		if err := c.checkSide("width", width); err != nil {
			return 0, 0, err
		}
		if err := c.checkSide("height", height); err != nil {
			return 0, 0, err
		}
		return width, height, nil
	}
	f, ok := c.formatByName[format]
	if !ok {
		return 0, 0, &Error{Code: ErrInvalidFormat, Field: "format", Message: "format must be one of " +
			c.formatList() + " (or left out to keep the video's own size), not " +
			strconv.Quote(clip(format))}
	}
	return f.Width, f.Height, nil
}

func (c *RateCard) checkSide(field string, n int) *Error {
	cs := c.custom
	if n < cs.MinSide || n > cs.MaxSide || n%cs.Multiple != 0 {
		return invalidParam(field, field+" must be "+multipleWord(cs.Multiple)+" from "+
			strconv.Itoa(cs.MinSide)+" to "+strconv.Itoa(cs.MaxSide)+" for the custom format, not "+
			strconv.Itoa(n)+multipleWhy(cs.Multiple, n))
	}
	return nil
}

func multipleWord(m int) string {
	switch m {
	case 1:
		return "a whole number"
	case 2:
		return "an even number"
	}
	return "a multiple of " + strconv.Itoa(m)
}

// multipleWhy explains the even-size rule when an odd size broke it.
func multipleWhy(m, n int) string {
	if m == 2 && n%2 != 0 {
		return " (H.264 with 4:2:0 chroma cannot encode odd sizes)"
	}
	return ""
}

// modelList names the card's models in card order, for messages.
func (c *RateCard) modelList() string {
	names := make([]string, len(c.models))
	for i, m := range c.models {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

func (c *RateCard) formatList() string {
	names := make([]string, 0, len(c.formats)+1)
	for _, f := range c.formats {
		names = append(names, f.Name)
	}
	return strings.Join(append(names, FormatCustom), ", ")
}

// builtinFS holds the rate cards compiled into the package.
//
//go:embed ratecards/*.json
var builtinFS embed.FS

// builtinNames lists the built-in cards; the first is the default.
var builtinNames = []string{"default", "hoox-observed"}

var builtins = func() map[string]*RateCard {
	m := make(map[string]*RateCard, len(builtinNames))
	for _, name := range builtinNames {
		data, err := builtinFS.ReadFile("ratecards/" + name + ".json")
		if err != nil {
			panic("pricing: built-in rate card " + name + " missing: " + err.Error())
		}
		card, err := parseRateCard(data)
		if err != nil {
			// A test parses every built-in card, so this cannot ship.
			panic("pricing: built-in rate card " + name + " is invalid: " + err.Error())
		}
		m[name] = card
	}
	return m
}()

// DefaultRateCard returns the built-in card that implements the export endpoint's
// published cost rules. See the package documentation for how it settles the rules'
// ambiguities.
func DefaultRateCard() *RateCard { return builtins[builtinNames[0]] }

// BuiltinRateCard returns a built-in card by name: "default", or "hoox-observed", which
// reproduces the behaviour observed in one production service (10 s of grace before the
// first block boundary, a surcharge on custom sizes only, premium at 0.5 credits per
// second) as a worked example of the card's policy switches.
func BuiltinRateCard(name string) (*RateCard, bool) {
	c, ok := builtins[name]
	return c, ok
}

// BuiltinRateCardNames returns the names BuiltinRateCard accepts.
func BuiltinRateCardNames() []string { return append([]string(nil), builtinNames...) }

// maxCardBytes bounds the size of a rate card document.
const maxCardBytes = 1 << 20

// ParseRateCard reads and fully validates a rate card document. Unknown fields, negative
// or missing prices, zero block or segment lengths, more than nine decimal places, models
// or plans referenced but not defined: each is refused with ErrInvalidRateCard and a
// message naming the field, so that no arithmetic on a parsed card can fail or divide by
// zero.
func ParseRateCard(r io.Reader) (*RateCard, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCardBytes+1))
	if err != nil {
		return nil, &Error{Code: ErrInvalidRateCard, Message: "rate card: cannot be read", Err: err}
	}
	if len(data) > maxCardBytes {
		return nil, invalidCard("", "larger than 1 MiB")
	}
	return parseRateCard(data)
}

func parseRateCard(data []byte) (*RateCard, error) {
	tree, err := parseJSON(data)
	if err != nil {
		e := AsError(err)
		return nil, invalidCard("", strings.TrimPrefix(e.Message, "rate card: "))
	}
	c, err := decodeRateCard(&tree)
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.canonicalJSON = c.encode()
	sum := sha256.Sum256(c.canonicalJSON)
	c.hash = "sha256:" + hex.EncodeToString(sum[:])
	return c, nil
}

// cardFields are the top-level fields of a rate card document.
var cardFields = []string{"id", "effective", "description", "formats", "custom",
	"max_duration", "blocks", "base_export", "high_resolution", "avatar", "plans"}

func decodeRateCard(v *jsonValue) (*RateCard, error) {
	d := &decoder{code: ErrInvalidRateCard}
	c := &RateCard{}

	// Identity.
	if !d.object(v, "", cardFields...) {
		return nil, d.err
	}
	c.id = d.str(field(v, "id"), "id")
	c.effective = d.str(field(v, "effective"), "effective")
	c.description = d.str(field(v, "description"), "description")
	c.plans = d.strs(field(v, "plans"), "plans")
	c.maxDuration = d.dec(field(v, "max_duration"), "max_duration")

	// Formats and the custom size.
	if f := field(v, "formats"); f != nil && d.err == nil {
		if f.kind != jsonArray {
			d.fail("formats", "formats must be an array, not "+kindNames[f.kind])
		}
		for i := range f.items {
			it, path := &f.items[i], index("formats", i)
			if d.object(it, path, "name", "width", "height") {
				c.formats = append(c.formats, Format{
					Name:   d.str(field(it, "name"), join(path, "name")),
					Width:  d.int(field(it, "width"), join(path, "width")),
					Height: d.int(field(it, "height"), join(path, "height")),
				})
			}
		}
	}
	if cs := field(v, "custom"); cs != nil && d.object(cs, "custom",
		"default_width", "default_height", "min_side", "max_side", "multiple") {
		c.custom = CustomSize{
			DefaultWidth:  d.int(field(cs, "default_width"), "custom.default_width"),
			DefaultHeight: d.int(field(cs, "default_height"), "custom.default_height"),
			MinSide:       d.int(field(cs, "min_side"), "custom.min_side"),
			MaxSide:       d.int(field(cs, "max_side"), "custom.max_side"),
			Multiple:      d.int(field(cs, "multiple"), "custom.multiple"),
		}
	}

	// Blocks, base export and the high-resolution surcharge.
	if b := field(v, "blocks"); b != nil && d.object(b, "blocks", "seconds", "grace", "minimum") {
		c.blocks = BlockRule{
			Seconds: d.dec(field(b, "seconds"), "blocks.seconds"),
			Grace:   d.dec(field(b, "grace"), "blocks.grace"),
			Minimum: d.int(field(b, "minimum"), "blocks.minimum"),
		}
	}
	if b := field(v, "base_export"); b != nil && d.err == nil {
		if b.kind != jsonObject {
			d.fail("base_export", "base_export must be an object of origin: price per block")
		}
		for i, origin := range b.keys {
			c.baseExport = append(c.baseExport, OriginRate{Origin: origin,
				PerBlock: d.dec(&b.items[i], join("base_export", origin))})
		}
	}
	if h := field(v, "high_resolution"); h != nil && d.object(h, "high_resolution",
		"rule", "long_side", "short_side", "per_block") {
		c.highRes = HighResRule{
			Rule:      d.str(field(h, "rule"), "high_resolution.rule"),
			LongSide:  d.int(field(h, "long_side"), "high_resolution.long_side"),
			ShortSide: d.int(field(h, "short_side"), "high_resolution.short_side"),
			PerBlock:  d.dec(field(h, "per_block"), "high_resolution.per_block"),
		}
	}

	// Avatar models.
	if a := field(v, "avatar"); a != nil && d.object(a, "avatar", "seconds_step", "default_order", "models") {
		c.avatarStep = d.dec(field(a, "seconds_step"), "avatar.seconds_step")
		c.defaultOrder = d.strs(field(a, "default_order"), "avatar.default_order")
		if ms := field(a, "models"); ms != nil && d.err == nil {
			if ms.kind != jsonArray {
				d.fail("avatar.models", "avatar.models must be an array, not "+kindNames[ms.kind])
			}
			for i := range ms.items {
				it, path := &ms.items[i], index("avatar.models", i)
				if d.object(it, path, "name", "billing", "rate", "segment_seconds", "min_plan") {
					c.models = append(c.models, Model{
						Name:           d.str(field(it, "name"), join(path, "name")),
						Billing:        d.str(field(it, "billing"), join(path, "billing")),
						Rate:           d.dec(field(it, "rate"), join(path, "rate")),
						SegmentSeconds: d.dec(field(it, "segment_seconds"), join(path, "segment_seconds")),
						MinPlan:        d.str(field(it, "min_plan"), join(path, "min_plan")),
					})
				}
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

// spelledWith reports whether s is 1 to maxLen bytes, starts with a lowercase letter, an
// uppercase letter when upper is set, or a digit, and continues with those or the bytes
// in punct. It checks names and ids without the regexp package, which would add to the
// WebAssembly build.
func spelledWith(s string, maxLen int, upper bool, punct string) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z')
		if !ok && (i == 0 || strings.IndexByte(punct, c) < 0) {
			return false
		}
	}
	return true
}

// isName reports whether s is a valid format, model, plan or origin name.
func isName(s string) bool { return spelledWith(s, 32, false, "-_") }

// isDate reports whether s is written YYYY-MM-DD.
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxRate bounds every price, so that no product of a price and a count can grow large
// enough to matter for the integer fast path.
var maxRate = decimal.NewFromInt(1_000_000)

// validate checks every rule a quote relies on and derives the hot-path fields. After it
// succeeds, no arithmetic on the card can divide by zero or lose precision.
func (c *RateCard) validate() error {
	// Identity and plans.
	if !spelledWith(c.id, 64, true, "._-") {
		return invalidCard("id", "id must be 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if !isDate(c.effective) {
		return invalidCard("effective", "effective must be a date written YYYY-MM-DD")
	}
	if len(c.plans) == 0 {
		return invalidCard("plans", "plans must list at least one plan, lowest first")
	}
	c.planRank = make(map[string]int, len(c.plans))
	for i, p := range c.plans {
		if err := checkName(index("plans", i), p, c.planRank); err != nil {
			return err
		}
		c.planRank[p] = i
	}

	// Formats and custom sizes.
	if len(c.formats) == 0 {
		return invalidCard("formats", "formats must list at least one format")
	}
	c.formatByName = make(map[string]Format, len(c.formats))
	for i, f := range c.formats {
		path := index("formats", i)
		if f.Name == FormatCustom {
			return invalidCard(path+".name", "formats must not define \"custom\"; use the custom field")
		}
		if err := checkName(path+".name", f.Name, c.formatByName); err != nil {
			return err
		}
		if f.Width < 1 || f.Height < 1 {
			return invalidCard(path, path+" must have a positive width and height")
		}
		c.formatByName[f.Name] = f
	}
	cs := c.custom
	switch {
	case cs.Multiple < 1:
		return invalidCard("custom.multiple", "custom.multiple must be at least 1")
	case cs.MinSide < 1 || cs.MaxSide < cs.MinSide:
		return invalidCard("custom", "custom needs 1 <= min_side <= max_side")
	case cs.DefaultWidth < cs.MinSide || cs.DefaultWidth > cs.MaxSide || cs.DefaultWidth%cs.Multiple != 0:
		return invalidCard("custom.default_width", "custom.default_width must itself be a valid custom size")
	case cs.DefaultHeight < cs.MinSide || cs.DefaultHeight > cs.MaxSide || cs.DefaultHeight%cs.Multiple != 0:
		return invalidCard("custom.default_height", "custom.default_height must itself be a valid custom size")
	}

	// Durations and blocks.
	var ok bool
	if c.maxNs, ok = nanos(c.maxDuration); !ok || c.maxNs <= 0 || c.maxNs > 7*24*3600*nanosPerSecond {
		return invalidCard("max_duration", "max_duration must be a positive number of seconds, "+
			"at most a week, with at most 9 decimal places")
	}
	if c.blockNs, ok = nanos(c.blocks.Seconds); !ok || c.blockNs <= 0 {
		return invalidCard("blocks.seconds", "blocks.seconds must be a positive number of seconds "+
			"with at most 9 decimal places")
	}
	if c.graceNs, ok = nanos(c.blocks.Grace); !ok || c.graceNs < 0 {
		return invalidCard("blocks.grace", "blocks.grace must be zero or a positive number of seconds "+
			"with at most 9 decimal places")
	}
	if c.blocks.Minimum < 0 || c.blocks.Minimum > 1000 {
		return invalidCard("blocks.minimum", "blocks.minimum must be from 0 to 1000")
	}
	c.blockUnit = "block_" + formatDecimal(c.blocks.Seconds) + "s"

	// Base export prices per origin.
	if len(c.baseExport) == 0 {
		return invalidCard("base_export", "base_export must price at least one origin")
	}
	slices.SortFunc(c.baseExport, func(a, b OriginRate) int { return strings.Compare(a.Origin, b.Origin) })
	c.originByName = make(map[string]*OriginRate, len(c.baseExport))
	for i := range c.baseExport {
		o := &c.baseExport[i]
		path := join("base_export", o.Origin)
		if err := checkName(path, o.Origin, c.originByName); err != nil {
			return err
		}
		if o.perBlock, ok = checkPrice(o.PerBlock); !ok {
			return invalidCard(path, path+priceRule)
		}
		c.originByName[o.Origin] = o
	}

	// High resolution.
	switch c.highRes.Rule {
	case HighResLongShort, HighResLiteral, HighResCustomOnly:
	default:
		return invalidCard("high_resolution.rule", "high_resolution.rule must be one of "+
			HighResLongShort+", "+HighResLiteral+", "+HighResCustomOnly)
	}
	if c.highRes.LongSide < 1 || c.highRes.ShortSide < 1 {
		return invalidCard("high_resolution", "high_resolution.long_side and short_side must be positive")
	}
	if c.highResFixed, ok = checkPrice(c.highRes.PerBlock); !ok {
		return invalidCard("high_resolution.per_block", "high_resolution.per_block"+priceRule)
	}
	c.highResPrice = c.highRes.PerBlock

	// Avatar models.
	if c.stepNs, ok = nanos(c.avatarStep); !ok || c.stepNs < 0 {
		return invalidCard("avatar.seconds_step", "avatar.seconds_step must be 0 (exact seconds) or a "+
			"positive number of seconds with at most 9 decimal places")
	}
	if len(c.models) == 0 {
		return invalidCard("avatar.models", "avatar.models must define at least one model")
	}
	c.modelIndex = make(map[string]*Model, len(c.models))
	for i := range c.models {
		if err := c.validateModel(i); err != nil {
			return err
		}
	}
	if len(c.defaultOrder) != len(c.models) {
		return invalidCard("avatar.default_order", "avatar.default_order must list every model exactly once")
	}
	seen := map[string]bool{}
	for i, name := range c.defaultOrder {
		if c.modelIndex[name] == nil || seen[name] {
			return invalidCard(index("avatar.default_order", i), "avatar.default_order must list every "+
				"model exactly once; "+strconv.Quote(name)+" is unknown or repeated")
		}
		seen[name] = true
	}
	return nil
}

// priceRule is the tail of every message about a bad price.
const priceRule = " must be a price from 0 to 1000000 credits with at most 9 decimal places"

// checkPrice checks a price is in range and returns its fixed form.
func checkPrice(p decimal.Decimal) (fixed, bool) {
	if p.IsNegative() || p.GreaterThan(maxRate) || p.Exponent() < -maxDecimals {
		return fixed{}, false
	}
	return toFixed(p)
}

// checkName checks a name's spelling and that it is not already in seen.
func checkName[V any](path, name string, seen map[string]V) error {
	if !isName(name) {
		return invalidCard(path, path+" must be a name of lowercase letters, digits, '-' or '_', not "+
			strconv.Quote(clip(name)))
	}
	if _, dup := seen[name]; dup {
		return invalidCard(path, strconv.Quote(name)+" is defined twice")
	}
	return nil
}

func (c *RateCard) validateModel(i int) error {
	m := &c.models[i]
	path := index("avatar.models", i)
	if err := checkName(path+".name", m.Name, c.modelIndex); err != nil {
		return err
	}
	if _, ok := c.planRank[m.MinPlan]; m.MinPlan != "" && !ok {
		return invalidCard(path+".min_plan", path+".min_plan must be one of the card's plans ("+
			strings.Join(c.plans, ", ")+") or left out, not "+strconv.Quote(clip(m.MinPlan)))
	}
	var ok bool
	if m.rate, ok = checkPrice(m.Rate); !ok {
		return invalidCard(path+".rate", path+".rate"+priceRule)
	}
	switch m.Billing {
	case BillingFree:
		if !m.Rate.IsZero() || !m.SegmentSeconds.IsZero() {
			return invalidCard(path, path+" bills free, so it takes no rate or segment_seconds")
		}
		m.unit = "second"
	case BillingPerSecond:
		if !m.SegmentSeconds.IsZero() {
			return invalidCard(path+".segment_seconds", path+" bills per second; segment_seconds "+
				"applies to per_segment billing only")
		}
		m.unit = "second"
	case BillingPerSegment:
		if m.segmentNs, ok = nanos(m.SegmentSeconds); !ok || m.segmentNs <= 0 {
			return invalidCard(path+".segment_seconds", path+".segment_seconds must be a positive "+
				"number of seconds with at most 9 decimal places")
		}
		m.segmentPrice = mulDecimal(m.SegmentSeconds, m.Rate)
		if m.segmentFixed, ok = toFixed(m.segmentPrice); !ok {
			return invalidCard(path, path+" segment price is too large")
		}
		m.unit = "segment_" + formatDecimal(m.SegmentSeconds) + "s"
	default:
		return invalidCard(path+".billing", path+".billing must be one of "+BillingFree+", "+
			BillingPerSecond+", "+BillingPerSegment+", not "+strconv.Quote(clip(m.Billing)))
	}
	c.modelIndex[m.Name] = m
	return nil
}

// MarshalJSON returns the card's canonical JSON: fields in a fixed order, origins sorted,
// decimals as plain strings without trailing zeros, no insignificant space. Its SHA-256
// is the card's Hash. ParseRateCard accepts it back.
func (c *RateCard) MarshalJSON() ([]byte, error) {
	return append([]byte(nil), c.canonicalJSON...), nil
}

// encode writes the canonical JSON described at MarshalJSON.
func (c *RateCard) encode() []byte {
	var w jsonWriter
	w.beginObject()
	w.key("id")
	w.string(c.id)
	w.key("effective")
	w.string(c.effective)
	w.key("description")
	w.string(c.description)

	// Formats and sizes.
	w.key("formats")
	w.beginArray()
	for _, f := range c.formats {
		w.beginObject()
		w.key("name")
		w.string(f.Name)
		w.key("width")
		w.int(f.Width)
		w.key("height")
		w.int(f.Height)
		w.endObject()
	}
	w.endArray()
	w.key("custom")
	w.beginObject()
	w.key("default_width")
	w.int(c.custom.DefaultWidth)
	w.key("default_height")
	w.int(c.custom.DefaultHeight)
	w.key("min_side")
	w.int(c.custom.MinSide)
	w.key("max_side")
	w.int(c.custom.MaxSide)
	w.key("multiple")
	w.int(c.custom.Multiple)
	w.endObject()
	w.key("max_duration")
	w.decimal(c.maxDuration)

	// Blocks and the prices per block.
	w.key("blocks")
	w.beginObject()
	w.key("seconds")
	w.decimal(c.blocks.Seconds)
	w.key("grace")
	w.decimal(c.blocks.Grace)
	w.key("minimum")
	w.int(c.blocks.Minimum)
	w.endObject()
	w.key("base_export")
	w.beginObject()
	for _, o := range c.baseExport {
		w.key(o.Origin)
		w.decimal(o.PerBlock)
	}
	w.endObject()
	w.key("high_resolution")
	w.beginObject()
	w.key("rule")
	w.string(c.highRes.Rule)
	w.key("long_side")
	w.int(c.highRes.LongSide)
	w.key("short_side")
	w.int(c.highRes.ShortSide)
	w.key("per_block")
	w.decimal(c.highRes.PerBlock)
	w.endObject()

	// Avatar models and plans.
	w.key("avatar")
	w.beginObject()
	w.key("seconds_step")
	w.decimal(c.avatarStep)
	w.key("default_order")
	w.strings(c.defaultOrder)
	w.key("models")
	w.beginArray()
	for _, m := range c.models {
		w.beginObject()
		w.key("name")
		w.string(m.Name)
		w.key("billing")
		w.string(m.Billing)
		if m.Billing != BillingFree {
			w.key("rate")
			w.decimal(m.Rate)
		}
		if m.Billing == BillingPerSegment {
			w.key("segment_seconds")
			w.decimal(m.SegmentSeconds)
		}
		if m.MinPlan != "" {
			w.key("min_plan")
			w.string(m.MinPlan)
		}
		w.endObject()
	}
	w.endArray()
	w.endObject()
	w.key("plans")
	w.strings(c.plans)
	w.endObject()
	return w.bytes()
}
