package render

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Mode says how a picture of one aspect ratio is placed in a frame of another.
type Mode string

// The reframing modes.
const (
	// ModeFill scales the picture to cover the frame and crops what sticks out. The
	// focus point decides which part of the picture stays in frame.
	ModeFill Mode = "fill"

	// ModeFit scales the picture to fit inside the frame and pads the rest with
	// Options.PadColor (letterbox or pillarbox).
	ModeFit Mode = "fit"

	// ModeBlur fits the picture like ModeFit, but fills the bars with a blurred copy
	// of the video scaled to cover the frame.
	ModeBlur Mode = "blur"
)

// Size limits for a target frame. Each dimension must be even (H.264 with 4:2:0
// chroma needs even sizes) and within these bounds.
const (
	MinSize = 16
	MaxSize = 5000
)

// Encoder defaults.
const (
	DefaultPreset = "veryfast"
	DefaultCRF    = 23
)

// presets lists the libx264 speed presets, the only values Options.Preset accepts.
var presets = map[string]bool{
	"ultrafast": true, "superfast": true, "veryfast": true, "faster": true, "fast": true,
	"medium": true, "slow": true, "slower": true, "veryslow": true, "placebo": true,
}

// colorPattern accepts libav colour names ("black", "DarkBlue") and hex forms
// ("#1a2b3c", "0x1a2b3c", with an optional "@alpha"). Anything else is refused before
// it can reach a filter graph string.
var colorPattern = regexp.MustCompile(`^(#|0x)?[0-9A-Za-z]{1,32}(@[0-9.]{1,6})?$`)

// Point is a position in a picture, with X and Y each from 0 (left, top) to 1
// (right, bottom).
type Point struct {
	X, Y float64
}

// Progress reports how far a render has come, in media time.
type Progress struct {
	// Done is the media time encoded so far.
	Done time.Duration

	// Total is the media time of the whole input.
	Total time.Duration
}

// Options configure Reframe. The zero value keeps the source size and re-encodes
// only when needed.
type Options struct {
	// Width and Height are the size of the output frame in pixels. Both must be even
	// and within MinSize..MaxSize, and they must be set together. Defaults to the
	// source's upright display size, rounded down to even numbers.
	Width, Height int

	// Mode says how the picture is placed when the aspect ratios differ. It is ignored
	// when they match. Defaults to ModeFill.
	Mode Mode

	// Focus is the point of the picture ModeFill keeps in frame: the crop window is
	// placed so that it covers the same relative position. Defaults to the centre
	// (0.5, 0.5).
	Focus *Point

	// PadColor is the colour of the bars in ModeFit, as a libav colour name or hex
	// value ("black", "#202020"). Defaults to "black".
	PadColor string

	// Preset is the libx264 speed preset. Defaults to DefaultPreset ("veryfast").
	Preset string

	// CRF is the libx264 constant rate factor, 1 (best) to 51 (smallest). Lossless
	// (0) is not offered because the output is H.264 High profile. Defaults to
	// DefaultCRF (23).
	CRF int

	// Threads is the number of threads for decoding, filtering and encoding each.
	// Defaults to 0, which lets libav pick one per core, as the ffmpeg CLI does.
	Threads int

	// Progress, if set, is called from the rendering goroutine several times a
	// second and once at the end. It must return quickly. Defaults to nil (no
	// reports).
	Progress func(Progress)

	// Logger receives render's lifecycle events and libav's own warnings and errors.
	// Defaults to a logger that discards everything.
	Logger *slog.Logger
}

// withDefaults returns a copy of o with every zero field set to its default. The
// target size is left alone: it depends on the source.
func (o Options) withDefaults() Options {
	if o.Mode == "" {
		o.Mode = ModeFill
	}
	if o.Focus == nil {
		o.Focus = &Point{X: 0.5, Y: 0.5}
	}
	if o.PadColor == "" {
		o.PadColor = "black"
	}
	if o.Preset == "" {
		o.Preset = DefaultPreset
	}
	if o.CRF == 0 {
		o.CRF = DefaultCRF
	}
	if o.Logger == nil {
		o.Logger = discardLogger
	}
	return o
}

// validate checks options (after withDefaults) and the destination path, and
// returns an ErrInvalidParameter error naming the first bad field.
func (o Options) validate(op, src, dst string) error {
	bad := func(format string, args ...any) error {
		return newError(op, ErrInvalidParameter, nil, format, args...)
	}

	// Target size: both or neither, even, in range.
	if (o.Width == 0) != (o.Height == 0) {
		return bad("width and height must be given together")
	}
	if o.Width != 0 {
		for _, d := range []struct {
			name string
			v    int
		}{{"width", o.Width}, {"height", o.Height}} {
			if d.v < MinSize || d.v > MaxSize || d.v%2 != 0 {
				return bad("%s must be an even number from %d to %d, got %d",
					d.name, MinSize, MaxSize, d.v)
			}
		}
	}

	// Placement and look.
	switch o.Mode {
	case ModeFill, ModeFit, ModeBlur:
	default:
		return bad("mode must be fill, fit or blur, got %q", o.Mode)
	}
	if o.Focus.X < 0 || o.Focus.X > 1 || o.Focus.Y < 0 || o.Focus.Y > 1 {
		return bad("focus point must have x and y from 0 to 1, got %g,%g", o.Focus.X, o.Focus.Y)
	}
	if !colorPattern.MatchString(o.PadColor) {
		return bad("pad colour must be a colour name or hex value, got %q", o.PadColor)
	}

	// Encoder settings.
	if !presets[o.Preset] {
		return bad("preset must be one of ultrafast, superfast, veryfast, faster, fast, "+
			"medium, slow, slower, veryslow, placebo; got %q", o.Preset)
	}
	if o.CRF < 1 || o.CRF > 51 {
		return bad("crf must be from 1 to 51, got %d", o.CRF)
	}
	if o.Threads < 0 || o.Threads > 64 {
		return bad("threads must be from 0 (automatic) to 64, got %d", o.Threads)
	}

	// Paths: the destination directory must exist, and the output must not
	// overwrite the input.
	return checkPaths(op, src, dst)
}

// checkPaths refuses a destination in a missing directory or equal to the source.
func checkPaths(op, src, dst string) error {
	if dst == "" {
		return newError(op, ErrInvalidParameter, nil, "no output file given")
	}
	if fi, err := os.Stat(filepath.Dir(dst)); err != nil || !fi.IsDir() {
		return newError(op, ErrInvalidParameter, err, "output folder does not exist")
	}
	as, err1 := filepath.Abs(src)
	ad, err2 := filepath.Abs(dst)
	if err1 == nil && err2 == nil && as == ad {
		return newError(op, ErrInvalidParameter, nil, "output file must differ from input file")
	}
	return nil
}

// discardLogger is the logger used when none is injected.
var discardLogger = slog.New(slog.DiscardHandler)

// Result describes a finished output file, as read back from the file itself.
type Result struct {
	// Width and Height are the output frame size in pixels.
	Width, Height int

	// Duration is the output video duration.
	Duration time.Duration

	// Frames is the number of video frames in the output.
	Frames int64

	// Bytes is the size of the output file.
	Bytes int64

	// Reencoded reports whether the video was re-encoded. False means the video
	// stream was copied unchanged (a remux).
	Reencoded bool
}
