package pricing

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// The items a quote line can bill.
const (
	ItemBaseExport     = "base_export"     // the export itself, per block of duration
	ItemHighResolution = "high_resolution" // the surcharge above 1080p, per block
	ItemAvatar         = "avatar"          // the avatar model, per second or per segment
)

// Quote is an itemised price. Total is exactly the sum of the lines' amounts.
type Quote struct {
	RateCard    CardRef // the card the quote was made with
	Format      string  // the requested format, or "" for the video's own size
	Width       int     // the export's width in pixels
	Height      int     // the export's height in pixels
	AvatarModel string  // the model billed, or "" when the video has no avatar
	Lines       []Line  // base_export always, then high_resolution and avatar when they apply
	Total       decimal.Decimal
}

// CardRef identifies a rate card by id and content hash.
type CardRef struct {
	ID   string
	Hash string
}

// Line is one item of a quote: Quantity units at UnitPrice make Amount.
type Line struct {
	Item      string          // ItemBaseExport, ItemHighResolution or ItemAvatar
	Quantity  decimal.Decimal // blocks, seconds or segments
	Unit      string          // e.g. "block_30s", "second", "segment_8s"
	UnitPrice decimal.Decimal // credits per unit
	Amount    decimal.Decimal // Quantity × UnitPrice, exact

	basis basis // what Explain, Next and Previous are derived from
}

// basis keeps what a line was computed from. Explanations and price boundaries are
// derived from it only when asked for, which keeps Quote itself free of string building.
type basis struct {
	card    *RateCard
	measure decimal.Decimal // the duration, or the avatar's visible seconds, as given
	count   int64           // blocks or segments; billed nanoseconds for per-second lines
	model   *Model          // avatar lines only
	derived bool            // segments were derived from the visible seconds
	origin  string          // base export only
	format  string          // high resolution only
	w, h    int             // high resolution only
}

// Quote prices req on this card. Checks run in this order and the first failure is
// returned as an *Error:
//
//  1. ErrInvalidFormat: Format is not a card format, "custom" or "".
//  2. ErrInvalidParameter: a custom Width or Height is out of bounds or odd.
//  3. ErrInvalidAvatarModel: AvatarModel is not a model of the card.
//  4. ErrInvalidParameter: the video's own fields (origin, duration, size, avatar) or
//     the plan name are missing or invalid.
//  5. ErrInvalidParameter: AvatarModel is given but the video has no avatar.
//  6. ErrIncompatibleAvatarModel: the avatar does not offer AvatarModel.
//  7. ErrPlanRequired: Plan is given and does not include the model.
//
// When AvatarModel is "", the avatar's DefaultModel is billed if it has one, else the
// first model in the card's default order that the avatar offers and the plan allows.
func (c *RateCard) Quote(req Request) (Quote, error) {
	// Resolve the export's size (checks 1 and 2).
	w, h, err := c.OutputSize(req.Format, req.Width, req.Height, req.Video.Width, req.Video.Height)
	if err != nil {
		return Quote{}, err
	}

	// Check the avatar model's name (3), then the video and plan (4).
	var model *Model
	if req.AvatarModel != "" {
		if model = c.modelIndex[req.AvatarModel]; model == nil {
			return Quote{}, &Error{Code: ErrInvalidAvatarModel, Field: "avatar_model",
				Message: "avatar_model must be one of " + c.modelList() +
					", not " + strconv.Quote(clip(req.AvatarModel))}
		}
	}
	v, err := c.checkVideo(&req)
	if err != nil {
		return Quote{}, err
	}

	// Choose the avatar model (5, 6, 7).
	if model, err = c.chooseModel(&req, model); err != nil {
		return Quote{}, err
	}

	// Price the lines.
	q := Quote{
		RateCard: CardRef{ID: c.id, Hash: c.hash},
		Format:   req.Format, Width: w, Height: h,
		Lines: make([]Line, 0, 3),
	}
	blocks := c.blockCount(v.durationNs)
	origin := c.originByName[req.Video.Origin]
	q.Lines = append(q.Lines, Line{
		Item: ItemBaseExport, Quantity: intDecimal(blocks), Unit: c.blockUnit,
		UnitPrice: origin.PerBlock, Amount: origin.perBlock.mulInt(blocks),
		basis: basis{card: c, measure: req.Video.Duration, count: blocks, origin: origin.Origin},
	})
	if c.isHighRes(req.Format, w, h) {
		q.Lines = append(q.Lines, Line{
			Item: ItemHighResolution, Quantity: intDecimal(blocks), Unit: c.blockUnit,
			UnitPrice: c.highResPrice, Amount: c.highResFixed.mulInt(blocks),
			basis: basis{card: c, measure: req.Video.Duration, count: blocks,
				format: req.Format, w: w, h: h},
		})
	}
	if model != nil {
		q.AvatarModel = model.Name
		q.Lines = append(q.Lines, c.avatarLine(model, req.Video.Avatar, v))
	}

	// Add them up.
	switch len(q.Lines) {
	case 1:
		q.Total = q.Lines[0].Amount
	case 2:
		q.Total = sum(q.Lines[0].Amount, q.Lines[1].Amount)
	default:
		q.Total = sum(q.Lines[0].Amount, q.Lines[1].Amount, q.Lines[2].Amount)
	}
	return q, nil
}

// checkedVideo holds the video's durations in nanoseconds once checked.
type checkedVideo struct {
	durationNs int64
	visibleNs  int64 // the avatar's visible time; the whole duration when not given
}

// checkVideo runs check 4 of Quote: the video's own fields and the plan name.
func (c *RateCard) checkVideo(req *Request) (checkedVideo, error) {
	var v checkedVideo
	vid := &req.Video

	// Origin and duration.
	if c.originByName[vid.Origin] == nil {
		return v, invalidParam("video.origin", "video.origin must be one of "+
			strings.Join(c.Origins(), ", ")+", not "+strconv.Quote(clip(vid.Origin)))
	}
	ns, err := c.checkSeconds("video.duration", vid.Duration, c.maxNs)
	if err != nil {
		return v, err
	}
	if ns == 0 {
		return v, invalidParam("video.duration", "video.duration must be greater than 0 seconds")
	}
	v.durationNs, v.visibleNs = ns, ns

	// The video's own size: needed when the export keeps it.
	if err := checkVideoSide("video.width", vid.Width, req.Format == ""); err != nil {
		return v, err
	}
	if err := checkVideoSide("video.height", vid.Height, req.Format == ""); err != nil {
		return v, err
	}

	// The avatar.
	if a := vid.Avatar; a != nil {
		if err := c.checkAvatar(a, &v); err != nil {
			return v, err
		}
	}

	// The plan.
	if _, ok := c.planRank[req.Plan]; req.Plan != "" && !ok {
		return v, invalidParam("plan", "plan must be one of "+strings.Join(c.plans, ", ")+
			" or left out, not "+strconv.Quote(clip(req.Plan)))
	}
	return v, nil
}

// checkSeconds converts a number of seconds to nanoseconds, checking it is from 0 to
// limitNs with at most nine decimal places.
func (c *RateCard) checkSeconds(field string, d decimal.Decimal, limitNs int64) (int64, error) {
	ns, ok := nanos(d)
	switch {
	case d.IsNegative():
		return 0, invalidParam(field, field+" must not be negative, not "+clip(formatDecimal(d)))
	case !ok && d.Exponent() < -maxDecimals:
		return 0, invalidParam(field, field+" must have at most 9 decimal places (a nanosecond), not "+
			clip(formatDecimal(d)))
	case !ok || ns > limitNs:
		limit := formatDecimal(nanosDecimal(limitNs)) + " s"
		if limitNs < c.maxNs {
			limit += ", the video's duration"
		}
		return 0, invalidParam(field, field+" must be at most "+limit+", not "+clip(formatDecimal(d)))
	}
	return ns, nil
}

// maxVideoSide bounds a source video's width and height.
const maxVideoSide = 16384

func checkVideoSide(field string, n int, required bool) error {
	switch {
	case n == 0 && !required:
		return nil
	case n == 0:
		return invalidParam(field, field+" is required when no format is given: "+
			"the export keeps the video's own size")
	case n < 0 || n > maxVideoSide:
		return invalidParam(field, field+" must be from 1 to 16384 pixels, not "+strconv.Itoa(n))
	}
	return nil
}

func (c *RateCard) checkAvatar(a *Avatar, v *checkedVideo) error {
	// Models offered.
	if len(a.ModelsAvailable) == 0 {
		return invalidParam("video.avatar.models_available",
			"video.avatar.models_available must list at least one model")
	}
	for i, name := range a.ModelsAvailable {
		if c.modelIndex[name] == nil {
			return invalidParam(index("video.avatar.models_available", i),
				"video.avatar.models_available may list only "+c.modelList()+
					", not "+strconv.Quote(clip(name)))
		}
		if contains(a.ModelsAvailable[:i], name) {
			return invalidParam(index("video.avatar.models_available", i),
				"video.avatar.models_available lists "+strconv.Quote(name)+" twice")
		}
	}
	if a.DefaultModel != "" && !contains(a.ModelsAvailable, a.DefaultModel) {
		return invalidParam("video.avatar.default_model",
			"video.avatar.default_model must be one of the avatar's models_available ("+
				strings.Join(a.ModelsAvailable, ", ")+"), not "+strconv.Quote(clip(a.DefaultModel)))
	}

	// Visible time and segments.
	if a.VisibleSeconds.Valid {
		ns, err := c.checkSeconds("video.avatar.visible_seconds", a.VisibleSeconds.Decimal,
			v.durationNs)
		if err != nil {
			return err
		}
		v.visibleNs = ns
	}
	if a.Segments < 0 || a.Segments > 100_000 {
		return invalidParam("video.avatar.segments",
			"video.avatar.segments must be from 0 (derive from visible seconds) to 100000")
	}
	return nil
}

// chooseModel runs checks 5 to 7 of Quote and returns the model to bill, or nil when the
// video has no avatar.
func (c *RateCard) chooseModel(req *Request, model *Model) (*Model, error) {
	a := req.Video.Avatar

	// A model asked for must be one the avatar offers.
	switch {
	case model != nil && a == nil:
		return nil, invalidParam("avatar_model", "avatar_model cannot be used: the video has no avatar")
	case a == nil:
		return nil, nil
	case model != nil && !contains(a.ModelsAvailable, model.Name):
		return nil, &Error{Code: ErrIncompatibleAvatarModel, Field: "avatar_model",
			Message: "avatar_model " + strconv.Quote(model.Name) + " is not available for this " +
				"avatar; it offers " + strings.Join(a.ModelsAvailable, ", ")}
	}

	// Otherwise the avatar's own default, or the first offered model the plan allows.
	if model == nil && a.DefaultModel != "" {
		model = c.modelIndex[a.DefaultModel]
	}
	if model == nil {
		for _, name := range c.defaultOrder {
			m := c.modelIndex[name]
			if contains(a.ModelsAvailable, name) && c.planAllows(req.Plan, m) {
				model = m
				break
			}
		}
	}
	if model == nil {
		// Every offered model needs a higher plan: report the first of them.
		for _, name := range c.defaultOrder {
			if contains(a.ModelsAvailable, name) {
				model = c.modelIndex[name]
				break
			}
		}
	}

	// The plan must include it.
	if !c.planAllows(req.Plan, model) {
		return nil, &Error{Code: ErrPlanRequired, Field: "avatar_model",
			Message: "the " + model.Name + " avatar model needs the " + model.MinPlan +
				" plan or higher; the current plan is " + req.Plan}
	}
	return model, nil
}

// planAllows reports whether plan may use m. An empty plan skips the check.
func (c *RateCard) planAllows(plan string, m *Model) bool {
	return plan == "" || m.MinPlan == "" || c.planRank[plan] >= c.planRank[m.MinPlan]
}

// blockCount returns the billable blocks of a duration: ⌈(duration − grace) / block⌉,
// at least the card's minimum.
func (c *RateCard) blockCount(durationNs int64) int64 {
	b := ceilDiv(max(durationNs-c.graceNs, 0), c.blockNs)
	return max(b, int64(c.blocks.Minimum))
}

// isHighRes applies the card's high-resolution rule to an export of w x h.
func (c *RateCard) isHighRes(format string, w, h int) bool {
	r := &c.highRes
	switch r.Rule {
	case HighResLongShort:
		return max(w, h) > r.LongSide || min(w, h) > r.ShortSide
	case HighResCustomOnly:
		if format != FormatCustom {
			return false
		}
	}
	return w > r.LongSide || h > r.ShortSide
}

// avatarLine prices the avatar with model m.
func (c *RateCard) avatarLine(m *Model, a *Avatar, v checkedVideo) Line {
	l := Line{Item: ItemAvatar, Unit: m.unit, UnitPrice: m.Rate,
		basis: basis{card: c, measure: a.VisibleSeconds.Decimal, model: m}}
	if !a.VisibleSeconds.Valid {
		l.basis.measure = nanosDecimal(v.visibleNs)
	}

	// Segment billing counts whole segments.
	if m.Billing == BillingPerSegment {
		segs := int64(a.Segments)
		if segs == 0 {
			segs = ceilDiv(v.visibleNs, m.segmentNs)
			l.basis.derived = true
		}
		l.Quantity, l.UnitPrice = intDecimal(segs), m.segmentPrice
		l.Amount = m.segmentFixed.mulInt(segs)
		l.basis.count = segs
		return l
	}

	// Per-second billing (and free models) count seconds, rounded up to the card's step.
	billed := v.visibleNs
	if c.stepNs > 0 {
		billed = ceilDiv(billed, c.stepNs) * c.stepNs
	}
	l.Quantity = l.basis.measure
	if billed != v.visibleNs {
		l.Quantity = nanosDecimal(billed)
	}
	l.Amount = m.rate.mul(fixed{billed, -maxDecimals})
	l.basis.count = billed
	return l
}
