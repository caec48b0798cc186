package render

import (
	"fmt"
	"math"
)

// plan names what a render does to the video.
type plan string

// The plans, from cheapest to dearest.
const (
	planRemux plan = "remux" // copy the video stream unchanged
	planScale plan = "scale" // same aspect ratio: scale only
	planFill  plan = "fill"
	planFit   plan = "fit"
	planBlur  plan = "blur"
)

// blurScale is how much smaller than the output the blurred background of ModeBlur
// is built. Blurring an eighth-size picture and scaling it up bilinearly looks the
// same as blurring at full size with an eight times larger radius, for a fraction of
// the CPU.
const blurScale = 8

// blurRadius is the box blur radius at the reduced size, applied twice (power 2).
const blurRadius = 4

// layout is the geometry of one render: the upright source size, the target size
// and the filter chain that maps one to the other.
type layout struct {
	plan   plan
	srcW   int // upright source width
	srcH   int // upright source height
	w, h   int // target size
	filter string
}

// sameAspect reports whether a source of sw x sh covers a w x h frame with less than
// one pixel cut off, so that a plain scale (stretching by under a pixel) is right.
func sameAspect(sw, sh, w, h int) bool {
	d := int64(w)*int64(sh) - int64(h)*int64(sw)
	if d >= 0 {
		return d < int64(sw)
	}
	return -d < int64(sh)
}

// coverSize returns the smallest size of aspect sw:sh that covers w x h.
func coverSize(sw, sh, w, h int) (int, int) {
	if int64(w)*int64(sh) >= int64(h)*int64(sw) {
		return w, int(ceilDiv(int64(sh)*int64(w), int64(sw)))
	}
	return int(ceilDiv(int64(sw)*int64(h), int64(sh))), h
}

// containSize returns the largest size of aspect sw:sh, with even dimensions, that
// fits inside w x h.
func containSize(sw, sh, w, h int) (int, int) {
	if int64(w)*int64(sh) >= int64(h)*int64(sw) {
		return even(float64(sw) * float64(h) / float64(sh)), h
	}
	return w, even(float64(sh) * float64(w) / float64(sw))
}

// even rounds v to the nearest even integer, at least 2.
func even(v float64) int {
	n := int(math.Round(v/2)) * 2
	return max(n, 2)
}

// ceilDiv divides rounding up; a and b are positive.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// rotateFilter returns the filters that turn a picture stored with the given
// clockwise display rotation upright, with a trailing comma, or "".
func rotateFilter(rotation int) string {
	switch rotation {
	case 90:
		return "transpose=clock,"
	case 180:
		return "hflip,vflip,"
	case 270:
		return "transpose=cclock,"
	}
	return ""
}

// displaySize returns the upright size at which a picture is meant to be seen: non-square
// pixels (parNum:parDen, 0:0 meaning square) stretch the stored width, which is the
// upright height when the picture is turned a quarter.
func displaySize(info *Info, parNum, parDen int) (w, h int) {
	w, h = info.Width, info.Height
	if parNum <= 0 || parDen <= 0 || parNum == parDen {
		return w, h
	}
	stretch := func(v int) int {
		return max(int(math.Round(float64(v)*float64(parNum)/float64(parDen))), 1)
	}
	if info.Rotation%180 == 0 {
		return stretch(w), h
	}
	return w, stretch(h)
}

// newLayout works out the plan and the filter graph description for a source
// described by info, whose pixels are parNum:parDen as wide as they are high (0:0 or
// 1:1 for square pixels), rendered to w x h (already validated) with the given options.
// The description reads from the label [in] and writes to [out].
func newLayout(info *Info, parNum, parDen int, w, h int, o Options) layout {
	l := layout{srcW: info.Width, srcH: info.Height, w: w, h: h}
	sw, sh := displaySize(info, parNum, parDen)
	square := sw == info.Width && sh == info.Height

	// Same size, no rotation and already H.264 yuv420p: nothing to do to the video.
	if info.Rotation == 0 && sw == w && sh == h && info.VideoCodec == "h264" &&
		info.PixelFormat == "yuv420p" && square {
		l.plan = planRemux
		return l
	}

	// Same aspect ratio: whatever the mode, a plain scale gives the same picture.
	var core string
	switch {
	case sameAspect(sw, sh, w, h):
		l.plan = planScale
		core = fmt.Sprintf("scale=%d:%d", w, h)

	case o.Mode == ModeFill:
		l.plan = planFill
		cw, ch := coverSize(sw, sh, w, h)
		x := int(math.Round(float64(cw-w) * o.Focus.X))
		y := int(math.Round(float64(ch-h) * o.Focus.Y))
		core = fmt.Sprintf("scale=%d:%d,crop=%d:%d:%d:%d", cw, ch, w, h, x, y)

	case o.Mode == ModeFit:
		l.plan = planFit
		fw, fh := containSize(sw, sh, w, h)
		core = fmt.Sprintf("scale=%d:%d,pad=%d:%d:%d:%d:color=%s",
			fw, fh, w, h, (w-fw)/2&^1, (h-fh)/2&^1, o.PadColor)

	default:
		l.plan = planBlur
		core = blurFilter(sw, sh, w, h)
	}
	l.filter = "[in]" + rotateFilter(info.Rotation) + core + ",setsar=1,format=yuv420p[out]"
	return l
}

// blurFilter builds ModeBlur's graph: the picture fitted over a blurred, covering
// copy of itself. The background is cropped and blurred at 1/blurScale of the
// output size and scaled up bilinearly.
func blurFilter(sw, sh, w, h int) string {
	// Background size and blur radius. Box blur needs the radius to fit in half the
	// smaller chroma dimension (chroma is half size in 4:2:0).
	bw, bh := max(w/blurScale&^1, 8), max(h/blurScale&^1, 8)
	cw, ch := coverSize(sw, sh, bw, bh)
	r := min(blurRadius, min(bw, bh)/4)
	fw, fh := containSize(sw, sh, w, h)

	return fmt.Sprintf("format=yuv420p,split=2[bg][fg];"+
		"[bg]scale=%d:%d:flags=fast_bilinear,crop=%d:%d,boxblur=%d:2,"+
		"scale=%d:%d:flags=bilinear[bgb];"+
		"[fg]scale=%d:%d[fgs];"+
		"[bgb][fgs]overlay=%d:%d",
		cw, ch, bw, bh, r, w, h, fw, fh, (w-fw)/2&^1, (h-fh)/2&^1)
}
