package pricing

import (
	"github.com/shopspring/decimal"
)

// Request asks what exporting one video in one format would cost. It mirrors the JSON
// request of the export endpoint; see DecodeRequest for the JSON form.
type Request struct {
	// Video describes the finished video to export. Required.
	Video Video
	// Format is a format name of the rate card ("vertical", "ads", "square",
	// "horizontal"), FormatCustom, or "" to keep the video's own size.
	Format string
	// Width and Height are the custom format's size in pixels; 0 means the card's
	// default (1080x1920 on the default card). Ignored for other formats.
	Width, Height int
	// AvatarModel is the avatar model to bill, or "" for the avatar's default (see Quote).
	AvatarModel string
	// Plan is the caller's plan, such as "start". "" skips the plan check, for callers
	// such as a public calculator that do not know it.
	Plan string
}

// Video is what pricing needs to know about the video being exported.
type Video struct {
	// Origin is how the video was made: "api" or "dashboard" on the default card.
	Origin string
	// Duration is the video's length in seconds, at most 9 decimal places. Required.
	Duration decimal.Decimal
	// Width and Height are the video's own size. Required only when Request.Format is "".
	Width, Height int
	// Avatar describes the video's avatar; nil when the video has none.
	Avatar *Avatar
}

// Avatar describes the avatar shown in a video.
type Avatar struct {
	// ModelsAvailable lists the models this avatar can be rendered with. Required.
	ModelsAvailable []string
	// DefaultModel is the avatar's own default model, or "".
	DefaultModel string
	// VisibleSeconds is how long the avatar is on screen. When not Valid, the avatar is
	// taken to be visible for the whole video.
	VisibleSeconds decimal.NullDecimal
	// Segments is the number of generated avatar segments, which segment-billed models
	// charge for. 0 means it is derived: ⌈visible seconds / segment length⌉.
	Segments int
}

// maxRequestBytes bounds a request document.
const maxRequestBytes = 64 << 10

// requestFields are the top-level fields of a request document.
var requestFields = []string{"video", "format", "width", "height", "avatar_model", "plan"}

// DecodeRequest parses a request document:
//
//	{"video": {"origin": "dashboard", "duration": 90, "width": 1920, "height": 1080,
//	           "avatar": {"models_available": ["standard", "premium"],
//	                      "default_model": "premium", "visible_seconds": 60, "segments": 3}},
//	 "format": "custom", "width": 2560, "height": 1440,
//	 "avatar_model": "premium", "plan": "start"}
//
// Numbers may be JSON numbers or decimal strings ("90.5"). null is the same as leaving a
// field out. Unknown fields, wrong types and malformed JSON are ErrInvalidParameter errors
// naming the field. Decoding checks shape only; the rules are checked by Quote.
func DecodeRequest(data []byte) (Request, error) {
	if len(data) > maxRequestBytes {
		return Request{}, invalidParam("", "the request is larger than 64 KiB")
	}
	tree, err := parseJSON(data)
	if err != nil {
		return Request{}, err
	}
	return decodeRequest(&tree)
}

// UnmarshalJSON implements json.Unmarshaler with DecodeRequest.
func (r *Request) UnmarshalJSON(data []byte) error {
	req, err := DecodeRequest(data)
	if err != nil {
		return err
	}
	*r = req
	return nil
}

func decodeRequest(v *jsonValue) (Request, error) {
	d := &decoder{code: ErrInvalidParameter}
	var r Request

	// The request's own fields.
	if !d.object(v, "", requestFields...) {
		return r, d.err
	}
	r.Format = d.str(field(v, "format"), "format")
	r.Width = d.int(field(v, "width"), "width")
	r.Height = d.int(field(v, "height"), "height")
	r.AvatarModel = d.str(field(v, "avatar_model"), "avatar_model")
	r.Plan = d.str(field(v, "plan"), "plan")

	// The video.
	vid := field(v, "video")
	if vid == nil {
		if d.err == nil {
			d.fail("video", "video is required")
		}
		return r, d.err
	}
	if d.object(vid, "video", "origin", "duration", "width", "height", "avatar") {
		r.Video.Origin = d.str(field(vid, "origin"), "video.origin")
		r.Video.Duration = d.dec(field(vid, "duration"), "video.duration")
		r.Video.Width = d.int(field(vid, "width"), "video.width")
		r.Video.Height = d.int(field(vid, "height"), "video.height")
	}

	// The avatar, if any.
	if av := field(vid, "avatar"); av != nil && d.object(av, "video.avatar",
		"models_available", "default_model", "visible_seconds", "segments") {
		a := &Avatar{
			ModelsAvailable: d.strs(field(av, "models_available"), "video.avatar.models_available"),
			DefaultModel:    d.str(field(av, "default_model"), "video.avatar.default_model"),
			Segments:        d.int(field(av, "segments"), "video.avatar.segments"),
		}
		if vs := field(av, "visible_seconds"); vs != nil {
			a.VisibleSeconds = decimal.NewNullDecimal(d.dec(vs, "video.avatar.visible_seconds"))
		}
		r.Video.Avatar = a
	}
	if d.err != nil {
		return Request{}, d.err
	}
	return r, nil
}

// MarshalJSON encodes the request in the form DecodeRequest reads, leaving out empty
// optional fields. Stored with a quote, it lets the quote be replayed exactly.
func (r Request) MarshalJSON() ([]byte, error) {
	var w jsonWriter
	w.beginObject()

	// The video.
	w.key("video")
	w.beginObject()
	w.key("origin")
	w.string(r.Video.Origin)
	w.key("duration")
	w.decimal(r.Video.Duration)
	optionalInt(&w, "width", r.Video.Width)
	optionalInt(&w, "height", r.Video.Height)
	if a := r.Video.Avatar; a != nil {
		w.key("avatar")
		w.beginObject()
		w.key("models_available")
		w.strings(a.ModelsAvailable)
		optionalString(&w, "default_model", a.DefaultModel)
		if a.VisibleSeconds.Valid {
			w.key("visible_seconds")
			w.decimal(a.VisibleSeconds.Decimal)
		}
		optionalInt(&w, "segments", a.Segments)
		w.endObject()
	}
	w.endObject()

	// The export asked for.
	optionalString(&w, "format", r.Format)
	optionalInt(&w, "width", r.Width)
	optionalInt(&w, "height", r.Height)
	optionalString(&w, "avatar_model", r.AvatarModel)
	optionalString(&w, "plan", r.Plan)
	w.endObject()
	return w.bytes(), nil
}

func optionalInt(w *jsonWriter, key string, n int) {
	if n != 0 {
		w.key(key)
		w.int(n)
	}
}

func optionalString(w *jsonWriter, key, s string) {
	if s != "" {
		w.key(key)
		w.string(s)
	}
}
