package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/exportkit/exportkit/pricing"
	"github.com/exportkit/exportkit/render"
)

// renderJSON is the result `exportkit render -o json` prints.
type renderJSON struct {
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Duration  string `json:"duration"`
	Frames    int64  `json:"frames"`
	Bytes     int64  `json:"bytes"`
	Reencoded bool   `json:"reencoded"`
}

// progressJSON is one line of `-progress-json` on stderr.
type progressJSON struct {
	Done  string `json:"done"`
	Total string `json:"total"`
}

// runRender implements `exportkit render ... IN OUT`.
func runRender(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "render", "[-format F] [-width W -height H] [-mode fill|fit|blur] "+
		"[-focus X,Y] [-crf N] [-preset P] [-thumbnail FILE] [-o text|json] [-progress-json] "+
		"IN OUT\n\n"+
		"Renders the video IN as an H.264/AAC MP4 at OUT in the given export format.")
	format := fs.String("format", "", "export `format`: vertical, ads, square, horizontal, "+
		"custom; defaults to the video's own size")
	width := fs.Int("width", 0, "frame `width` for -format custom (default 1080)")
	height := fs.Int("height", 0, "frame `height` for -format custom (default 1920)")
	mode := fs.String("mode", "fill", "`mode` when the aspect ratio changes: fill (crop), "+
		"fit (bars) or blur (blurred bars)")
	focus := fs.String("focus", "0.5,0.5", "point `X,Y` (each 0..1) that fill keeps in frame")
	crf := fs.Int("crf", render.DefaultCRF, "H.264 constant rate `factor`, 1 (best) to 51")
	preset := fs.String("preset", render.DefaultPreset, "libx264 speed `preset`")
	thumb := fs.String("thumbnail", "", "also write a JPEG of the output's middle frame to `FILE`")
	output := fs.String("o", "text", "output `format`: text or json")
	progJSON := fs.Bool("progress-json", false, "write progress to stderr as one JSON "+
		`object a line: {"done":"1.5","total":"10"}`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkOutput(fs, *output); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef(fs, "want an input and an output file, got %d arguments", fs.NArg())
	}
	src, dst := fs.Arg(0), fs.Arg(1)

	// Flags that do not parse are usage mistakes; range checks are render's.
	opts := render.Options{Mode: render.Mode(*mode), CRF: *crf, Preset: *preset}
	switch opts.Mode {
	case render.ModeFill, render.ModeFit, render.ModeBlur:
	default:
		return usagef(fs, "-mode must be fill, fit or blur, not %q", *mode)
	}
	fx, fy, ok := parseFocus(*focus)
	if !ok {
		return usagef(fs, "-focus must be X,Y with numbers from 0 to 1, not %q", *focus)
	}
	opts.Focus = &render.Point{X: fx, Y: fy}
	if *format != pricing.FormatCustom && (*width != 0 || *height != 0) {
		return usagef(fs, "-width and -height need -format custom")
	}

	// Resolve the frame size as the pricing package does; the video's own size needs
	// no numbers (render keeps it, rounded down to even).
	info, err := render.Probe(src)
	if err != nil {
		return reportRenderError(env, *output, err)
	}
	if *format != "" {
		w, h, err := pricing.DefaultRateCard().OutputSize(*format, *width, *height,
			info.Width, info.Height)
		if err != nil {
			return reportRuleError(env, *output, err)
		}
		opts.Width, opts.Height = w, h
	}

	// Progress: JSON lines for a parent process, a bar on a terminal, else nothing.
	var bar *progressBar
	switch {
	case *progJSON:
		enc := json.NewEncoder(env.Stderr)
		opts.Progress = func(p render.Progress) {
			enc.Encode(progressJSON{Done: seconds(p.Done), Total: seconds(p.Total)})
		}
	case isTerminal(env.Stderr):
		bar = &progressBar{w: env.Stderr, start: time.Now()}
		opts.Progress = bar.update
	}

	// Render, then the thumbnail.
	res, err := render.Reframe(ctx, src, dst, opts)
	bar.clear()
	if err != nil {
		return reportRenderError(env, *output, err)
	}
	if *thumb != "" {
		err := render.Thumbnail(ctx, dst, *thumb, res.Duration/2, render.ThumbnailOptions{})
		if err != nil {
			return reportRenderError(env, *output, err)
		}
	}

	// Report.
	if *output == "json" {
		return writeJSON(env.Stdout, renderJSON{Width: res.Width, Height: res.Height,
			Duration: seconds(res.Duration), Frames: res.Frames, Bytes: res.Bytes,
			Reencoded: res.Reencoded})
	}
	how := "re-encoded"
	if !res.Reencoded {
		how = "video copied without re-encoding"
	}
	fmt.Fprintf(env.Stdout, "%s: %dx%d, %s s, %d frames, %s bytes, %s\n", dst, res.Width,
		res.Height, seconds(res.Duration), res.Frames, strconv.FormatInt(res.Bytes, 10), how)
	return nil
}

// parseFocus parses "X,Y" with both numbers in 0..1.
func parseFocus(s string) (x, y float64, ok bool) {
	xs, ys, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if errX != nil || errY != nil || x < 0 || x > 1 || y < 0 || y > 1 {
		return 0, 0, false
	}
	return x, y, true
}

// progressBar draws a one-line progress bar with the time left, redrawn in place.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

// update redraws the bar for p.
func (b *progressBar) update(p render.Progress) {
	const width = 30
	frac := 0.0
	if p.Total > 0 {
		frac = min(float64(p.Done)/float64(p.Total), 1)
	}
	filled := int(frac * width)
	left := "--:--"
	if frac > 0.02 {
		elapsed := time.Since(b.start)
		rest := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
		left = fmt.Sprintf("%d:%02d", int(rest.Minutes()), int(rest.Seconds())%60)
	}
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  %s left ", strings.Repeat("#", filled),
		strings.Repeat("-", width-filled), frac*100, left)
	b.drawn = true
}

// clear erases the bar, if one was drawn. It accepts a nil bar.
func (b *progressBar) clear() {
	if b != nil && b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
