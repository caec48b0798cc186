package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/exportkit/exportkit/render"
)

// probeJSON is the JSON form of render.Info. Durations are decimal strings of
// seconds, like every duration exportkit prints.
type probeJSON struct {
	Duration     string `json:"duration"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	StoredWidth  int    `json:"stored_width"`
	StoredHeight int    `json:"stored_height"`
	Rotation     int    `json:"rotation"`
	FrameRate    string `json:"frame_rate"`
	Frames       int64  `json:"frames"`
	VideoCodec   string `json:"video_codec"`
	PixelFormat  string `json:"pixel_format"`
	HasAudio     bool   `json:"has_audio"`
	AudioCodec   string `json:"audio_codec,omitempty"`
}

// runProbe implements `exportkit probe [-o text|json] FILE`.
func runProbe(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "probe", "[-o text|json] FILE\n\n"+
		"Describes a video file: duration, size, rotation, frame rate, codecs, audio.")
	output := fs.String("o", "text", "output `format`: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkOutput(fs, *output); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef(fs, "want one video file, got %d arguments", fs.NArg())
	}

	// Probe; a media error is reported with its code.
	info, err := render.Probe(fs.Arg(0))
	if err != nil {
		return reportRenderError(env, *output, err)
	}
	if *output == "json" {
		return writeJSON(env.Stdout, probeJSON{
			Duration: seconds(info.Duration), Width: info.Width, Height: info.Height,
			StoredWidth: info.StoredWidth, StoredHeight: info.StoredHeight,
			Rotation: info.Rotation, FrameRate: info.FrameRate.String(), Frames: info.Frames,
			VideoCodec: info.VideoCodec, PixelFormat: info.PixelFormat,
			HasAudio: info.HasAudio, AudioCodec: info.AudioCodec,
		})
	}

	// Text: one property a line.
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "duration\t%s s\n", seconds(info.Duration))
	fmt.Fprintf(w, "size\t%dx%d\n", info.Width, info.Height)
	if info.Rotation != 0 {
		fmt.Fprintf(w, "rotation\t%d degrees (stored %dx%d)\n", info.Rotation,
			info.StoredWidth, info.StoredHeight)
	}
	fmt.Fprintf(w, "frame rate\t%s (%.3f fps)\n", info.FrameRate, info.FrameRate.Float64())
	fmt.Fprintf(w, "frames\t%d\n", info.Frames)
	fmt.Fprintf(w, "video\t%s, %s\n", info.VideoCodec, info.PixelFormat)
	audio := "none"
	if info.HasAudio {
		audio = info.AudioCodec
	}
	fmt.Fprintf(w, "audio\t%s\n", audio)
	return w.Flush()
}

// reportRenderError prints a coded render error (as JSON on stdout with -o json,
// else as "CODE: message" on stderr) and marks it reported. Other errors, such as
// cancellation, are returned for Run to print.
func reportRenderError(env *Env, output string, err error) error {
	var re *render.Error
	if !errors.As(err, &re) {
		return err
	}
	if output == "json" {
		writeJSON(env.Stdout, struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}{string(re.Code), re.Message})
	} else {
		fmt.Fprintf(env.Stderr, "%s: %s\n", re.Code, re.Message)
	}
	return reported{err}
}

// seconds formats d as a decimal number of seconds with at most four decimals and
// no trailing zeros: "20.0333", "1.5", "10".
func seconds(d time.Duration) string {
	if d < 0 {
		return "-" + seconds(-d)
	}
	tenths := (d + 50*time.Microsecond) / (100 * time.Microsecond) // in units of 0.1 ms
	s := strconv.FormatInt(int64(tenths/10000), 10)
	frac := int64(tenths % 10000)
	if frac == 0 {
		return s
	}
	f := fmt.Sprintf("%04d", frac)
	for f[len(f)-1] == '0' {
		f = f[:len(f)-1]
	}
	return s + "." + f
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
