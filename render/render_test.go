package render

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// frame is one frame at the test clips' 30 fps.
const frame = time.Second / 30

func TestProbe(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		clip clip
		want Info
	}{
		{"h264 with aac", clip{video: testsrc(320, 180, 1), audio: "aac", seconds: 1}, Info{
			Duration: time.Second, Width: 320, Height: 180, StoredWidth: 320, StoredHeight: 180,
			FrameRate: Rate{30, 1}, Frames: 30, VideoCodec: "h264", PixelFormat: "yuv420p",
			HasAudio: true, AudioCodec: "aac",
		}},
		{"stored sideways", clip{video: testsrc(160, 90, 0.5), rotation: 90}, Info{
			Duration: 500 * time.Millisecond, Width: 90, Height: 160, StoredWidth: 160,
			StoredHeight: 90, Rotation: 90, FrameRate: Rate{30, 1}, Frames: 15,
			VideoCodec: "h264", PixelFormat: "yuv420p",
		}},
		{"upside down", clip{video: testsrc(160, 90, 0.5), rotation: 180}, Info{
			Duration: 500 * time.Millisecond, Width: 160, Height: 90, StoredWidth: 160,
			StoredHeight: 90, Rotation: 180, FrameRate: Rate{30, 1}, Frames: 15,
			VideoCodec: "h264", PixelFormat: "yuv420p",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Probe(makeClip(t, "in.mp4", tt.clip))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("Probe (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReframeOutput(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: testsrc(320, 180, 1), audio: "aac", seconds: 1})

	tests := []struct {
		name string
		opts Options
		want Result
	}{
		{"vertical fill", Options{Width: 180, Height: 320}, Result{Width: 180, Height: 320}},
		{"vertical fit", Options{Width: 180, Height: 320, Mode: ModeFit},
			Result{Width: 180, Height: 320}},
		{"vertical blur", Options{Width: 180, Height: 320, Mode: ModeBlur},
			Result{Width: 180, Height: 320}},
		{"ads fit", Options{Width: 144, Height: 180, Mode: ModeFit},
			Result{Width: 144, Height: 180}},
		{"square fill", Options{Width: 180, Height: 180, Preset: "faster", CRF: 30},
			Result{Width: 180, Height: 180}},
		{"same aspect scales", Options{Width: 160, Height: 90, Mode: ModeBlur},
			Result{Width: 160, Height: 90}},
		{"source size remuxes", Options{}, Result{Width: 320, Height: 180}},
		{"explicit source size remuxes", Options{Width: 320, Height: 180, Mode: ModeFit},
			Result{Width: 320, Height: 180}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "out.mp4")
			got, err := Reframe(context.Background(), src, dst, tt.opts)
			if err != nil {
				t.Fatal(err)
			}

			// Every frame present, the full duration, re-encoded only when needed.
			want := tt.want
			want.Duration, want.Frames = time.Second, 30
			want.Reencoded = tt.want.Width != 320
			if diff := cmp.Diff(want, *got, cmpopts.IgnoreFields(Result{}, "Bytes")); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			if fi, err := os.Stat(dst); err != nil || fi.Size() != got.Bytes {
				t.Errorf("Bytes = %d, file: %v %v", got.Bytes, fi, err)
			}

			// H.264 High yuv420p, AAC, index first, audio spanning the video.
			m := inspect(t, dst)
			wantMedia := media{
				VideoCodec: "h264", HighProfile: true, PixelFormat: "yuv420p",
				Width: want.Width, Height: want.Height, Frames: 30,
				VideoStart: 0, VideoEnd: time.Second, AudioCodec: "aac", IndexFirst: true,
			}
			if diff := cmp.Diff(wantMedia, m,
				cmpopts.IgnoreFields(media{}, "AudioStart", "AudioEnd")); diff != "" {
				t.Errorf("media (-want +got):\n%s", diff)
			}
			if d := (m.AudioStart - m.VideoStart).Abs(); d >= frame {
				t.Errorf("audio starts %v after video, want in sync", d)
			}
			if d := (m.AudioEnd - m.VideoEnd).Abs(); d >= frame {
				t.Errorf("audio ends at %v, video at %v: want within one frame", m.AudioEnd,
					m.VideoEnd)
			}

			// Nothing else left beside the output.
			if diff := cmp.Diff([]string{"out.mp4"}, listDir(t, filepath.Dir(dst))); diff != "" {
				t.Errorf("files beside output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReframeReencodesOtherAudio(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mkv", clip{video: testsrc(160, 90, 1), audio: "pcm", seconds: 1,
		format: "matroska"})
	dst := filepath.Join(t.TempDir(), "out.mp4")
	if _, err := Reframe(context.Background(), src, dst, Options{Width: 90, Height: 160}); err != nil {
		t.Fatal(err)
	}
	m := inspect(t, dst)
	if m.AudioCodec != "aac" || m.Frames != 30 {
		t.Fatalf("audio %q, %d frames; want aac and 30 frames", m.AudioCodec, m.Frames)
	}
	if d := (m.AudioEnd - m.VideoEnd).Abs(); d >= frame {
		t.Errorf("audio ends at %v, video at %v: want within one frame", m.AudioEnd, m.VideoEnd)
	}
	if d := (m.AudioStart - m.VideoStart).Abs(); d >= frame {
		t.Errorf("audio starts at %v, video at %v: want in sync", m.AudioStart, m.VideoStart)
	}
}

func TestReframeWithoutAudio(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: testsrc(160, 90, 0.5)})
	dst := filepath.Join(t.TempDir(), "out.mp4")
	if _, err := Reframe(context.Background(), src, dst, Options{Width: 90, Height: 160}); err != nil {
		t.Fatal(err)
	}
	if m := inspect(t, dst); m.AudioCodec != "" || m.Frames != 15 {
		t.Errorf("audio %q, %d frames; want no audio and 15 frames", m.AudioCodec, m.Frames)
	}
}

func TestFitPadsWithColour(t *testing.T) {
	t.Parallel()
	green := "color=c=0x00ff00:s=320x180:r=30:d=0.2"
	src := makeClip(t, "in.mp4", clip{video: green})

	// A 16:9 picture fitted into 180x320 is 180x102 at rows 108..209.
	tests := []struct {
		name  string
		color string
		pad   [3]uint8
	}{
		{"default black", "", [3]uint8{0, 0, 0}},
		{"blue", "#0000ff", [3]uint8{0, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "out.mp4")
			opts := Options{Width: 180, Height: 320, Mode: ModeFit, PadColor: tt.color}
			if _, err := Reframe(context.Background(), src, dst, opts); err != nil {
				t.Fatal(err)
			}
			img := grab(t, dst, 0)
			for _, y := range []int{0, 50, 104, 214, 260, 319} {
				for _, x := range []int{0, 90, 179} {
					if c := rgb(img, x, y); !near(c, tt.pad, 24) {
						t.Errorf("bar pixel (%d,%d) = %v, want pad colour %v", x, y, c, tt.pad)
					}
				}
			}
			for _, y := range []int{112, 160, 205} {
				for _, x := range []int{0, 90, 179} {
					if c := rgb(img, x, y); !near(c, [3]uint8{0, 255, 0}, 24) {
						t.Errorf("picture pixel (%d,%d) = %v, want green", x, y, c)
					}
				}
			}
		})
	}
}

func TestNonSquarePixelsKeepTheirShape(t *testing.T) {
	t.Parallel()
	// 160x90 stored with pixels twice as wide as high is displayed 320x90: it fits a
	// 320x90 frame exactly, with no bars.
	green := "color=c=0x00ff00:s=160x90:r=30:d=0.2"
	src := makeClip(t, "in.mp4", clip{video: green, pixelAspect: [2]int{2, 1}})
	dst := filepath.Join(t.TempDir(), "out.mp4")
	if _, err := Reframe(context.Background(), src, dst,
		Options{Width: 320, Height: 90, Mode: ModeFit}); err != nil {
		t.Fatal(err)
	}
	img := grab(t, dst, 0)
	for _, x := range []int{2, 60, 160, 260, 317} {
		if c := rgb(img, x, 45); !near(c, [3]uint8{0, 255, 0}, 24) {
			t.Errorf("pixel (%d,45) = %v, want green: the picture was laid out by its stored "+
				"shape", x, c)
		}
	}

	// Keeping the source's size keeps the size it is displayed at.
	res, err := Reframe(context.Background(), src, filepath.Join(t.TempDir(), "keep.mp4"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 320 || res.Height != 90 {
		t.Errorf("kept size = %dx%d, want the displayed 320x90", res.Width, res.Height)
	}
}

func TestBlurFillsBarsWithPicture(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: "color=c=0x00ff00:s=320x180:r=30:d=0.2"})
	dst := filepath.Join(t.TempDir(), "out.mp4")
	opts := Options{Width: 180, Height: 320, Mode: ModeBlur}
	if _, err := Reframe(context.Background(), src, dst, opts); err != nil {
		t.Fatal(err)
	}

	// Where fit would leave black bars, blur shows the (green) picture.
	img := grab(t, dst, 0)
	for _, y := range []int{10, 160, 310} {
		if c := rgb(img, 90, y); !near(c, [3]uint8{0, 255, 0}, 40) {
			t.Errorf("pixel (90,%d) = %v, want green picture or its blurred copy", y, c)
		}
	}
}

func TestFillFocusKeepsMarker(t *testing.T) {
	t.Parallel()
	// A red marker near the right edge of a grey 16:9 picture, at x 290..309.
	src := makeClip(t, "in.mp4", clip{video: "color=c=gray:s=320x180:r=30:d=0.2," +
		"drawbox=x=290:y=80:w=20:h=20:color=red:t=fill"})

	tests := []struct {
		name    string
		focus   *Point
		wantRed bool
	}{
		{"right focus keeps marker", &Point{X: 1, Y: 0.5}, true},
		{"centre crop loses marker", nil, false},
		{"left focus loses marker", &Point{X: 0, Y: 0.5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "out.mp4")
			opts := Options{Width: 90, Height: 160, Mode: ModeFill, Focus: tt.focus}
			if _, err := Reframe(context.Background(), src, dst, opts); err != nil {
				t.Fatal(err)
			}
			img := grab(t, dst, 0)
			red := 0
			for y := range 160 {
				for x := range 90 {
					if isRed(rgb(img, x, y)) {
						red++
					}
				}
			}
			// The marker scales to about 18x18 = 324 pixels.
			if got := red > 200; got != tt.wantRed {
				t.Errorf("%d red pixels in frame; want marker visible = %v", red, tt.wantRed)
			}
		})
	}
}

func TestRotationComesOutUpright(t *testing.T) {
	t.Parallel()
	// Stored 160x90 with a marker at the top left, to be shown turned 90 degrees
	// clockwise: upright, the marker is at the top right of a 90x160 picture.
	src := makeClip(t, "in.mp4", clip{video: "color=c=gray:s=160x90:r=30:d=0.2," +
		"drawbox=x=0:y=0:w=20:h=20:color=red:t=fill", rotation: 90})

	tests := []struct {
		name string
		opts Options
		w, h int
	}{
		{"keep size", Options{}, 90, 160},
		{"fill to same aspect", Options{Width: 180, Height: 320}, 180, 320},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "out.mp4")
			res, err := Reframe(context.Background(), src, dst, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Width != tt.w || res.Height != tt.h || !res.Reencoded {
				t.Fatalf("result %+v, want %dx%d re-encoded", res, tt.w, tt.h)
			}
			if m := inspect(t, dst); m.Rotation != 0 {
				t.Errorf("output keeps rotation %d, want 0", m.Rotation)
			}
			img := grab(t, dst, 0)
			s := tt.w / 90
			if c := rgb(img, tt.w-5*s, 5*s); !isRed(c) {
				t.Errorf("top right = %v, want the red marker", c)
			}
			for _, p := range [][2]int{{5 * s, 5 * s}, {5 * s, tt.h - 5*s}, {tt.w - 5*s, tt.h - 5*s}} {
				if c := rgb(img, p[0], p[1]); isRed(c) {
					t.Errorf("corner %v is red, want grey", p)
				}
			}
		})
	}
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	good := makeClip(t, "good.mp4", clip{video: testsrc(160, 90, 1)})
	indexLast := makeClip(t, "late.mp4", clip{video: testsrc(160, 90, 1), noFaststart: true})
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}

	tests := []struct {
		name      string
		src       string
		want      Code
		probeWant Code // "" when Probe cannot tell from the header
	}{
		{"text file named mp4", writeFile(t, "notes.mp4", []byte("hello, not a video\n")),
			ErrInvalidMedia, ErrInvalidMedia},
		{"empty file", writeFile(t, "empty.mp4", nil), ErrInvalidMedia, ErrInvalidMedia},
		{"directory", t.TempDir(), ErrInvalidMedia, ErrInvalidMedia},
		{"missing file", filepath.Join(t.TempDir(), "nope.mp4"), ErrInvalidMedia,
			ErrInvalidMedia},
		{"truncated, index first", copyPrefix(t, good, size(good)*2/3, "cut.mp4"),
			ErrInvalidMedia, ""},
		{"truncated, index last", copyPrefix(t, indexLast, size(indexLast)/2, "cut.mp4"),
			ErrInvalidMedia, ErrInvalidMedia},
		{"audio only", makeClip(t, "audio.mp4", clip{audio: "aac", seconds: 0.5}),
			ErrNoVideoStream, ErrNoVideoStream},
		{"zero-length video", makeClip(t, "zero.mp4", clip{video: testsrc(160, 90, 1),
			noFrames: true}), ErrInvalidMedia, ErrInvalidMedia},
		{"unknown codec", relabel(t, good, "avc1", "zzzz"), ErrUnsupportedCodec,
			ErrUnsupportedCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.mp4")
			res, err := Reframe(context.Background(), tt.src, dst, Options{Width: 90, Height: 160})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Reframe = %+v, %v; want code %s", res, err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Message == "" || strings.Contains(e.Message, tt.src) {
				t.Errorf("error %#v: want an *Error with a message that hides the path", err)
			}
			if names := listDir(t, dir); len(names) != 0 {
				t.Errorf("files left behind: %v", names)
			}
			if tt.probeWant != "" {
				if _, err := Probe(tt.src); CodeOf(err) != tt.probeWant {
					t.Errorf("Probe = %v, want code %s", err, tt.probeWant)
				}
			}
		})
	}
}

func TestInvalidParameters(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: testsrc(160, 90, 0.2)})

	tests := []struct {
		name string
		opts Options
		want string // a word the message must contain
	}{
		{"odd width", Options{Width: 1081, Height: 1920}, "width"},
		{"odd height", Options{Width: 1080, Height: 1921}, "height"},
		{"too small", Options{Width: 8, Height: 16}, "width"},
		{"too large", Options{Width: 5002, Height: 1080}, "width"},
		{"width alone", Options{Width: 1080}, "together"},
		{"unknown mode", Options{Mode: "stretch"}, "mode"},
		{"focus outside picture", Options{Focus: &Point{X: 1.5, Y: 0}}, "focus"},
		{"misspelt preset", Options{Preset: "veryfastt"}, "preset"},
		{"crf too high", Options{CRF: 52}, "crf"},
		{"negative crf", Options{CRF: -1}, "crf"},
		{"bad pad colour", Options{PadColor: "red:x=1"}, "colour"},
		{"negative threads", Options{Threads: -2}, "threads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := Reframe(context.Background(), src, filepath.Join(dir, "out.mp4"), tt.opts)
			var e *Error
			if !errors.As(err, &e) || e.Code != ErrInvalidParameter {
				t.Fatalf("err = %v, want code %s", err, ErrInvalidParameter)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message %q does not name %q", e.Message, tt.want)
			}
			if names := listDir(t, dir); len(names) != 0 {
				t.Errorf("files left behind: %v", names)
			}
		})
	}

	// The destination folder must exist, and the output must not replace the input.
	_, err := Reframe(context.Background(), src, "/nonexistent/dir/out.mp4", Options{})
	if !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("missing output folder: err = %v, want %s", err, ErrInvalidParameter)
	}
	if _, err := Reframe(context.Background(), src, src, Options{}); !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("output = input: err = %v, want %s", err, ErrInvalidParameter)
	}
}

func TestCancelLeavesNothing(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: testsrc(320, 180, 2), audio: "aac", seconds: 2})

	// Cancel at the first progress report, which comes with the first frame.
	tests := []struct {
		name string
		opts Options
	}{
		{"transcode", Options{Width: 180, Height: 320}},
		{"remux", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var reports []Progress
			tt.opts.Progress = func(p Progress) {
				reports = append(reports, p)
				cancel()
			}
			_, err := Reframe(ctx, src, filepath.Join(dir, "out.mp4"), tt.opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if len(reports) != 1 || reports[0].Done > 2*frame {
				t.Errorf("progress after cancel: %v; want one report at the start", reports)
			}
			if names := listDir(t, dir); len(names) != 0 {
				t.Errorf("files left behind: %v", names)
			}
		})
	}

	// A context cancelled before the call does no work at all.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, err := Reframe(ctx, src, filepath.Join(dir, "out.mp4"), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestProgressReports(t *testing.T) {
	t.Parallel()
	src := makeClip(t, "in.mp4", clip{video: testsrc(320, 180, 2)})
	var reports []Progress
	opts := Options{Width: 180, Height: 320, Preset: "medium",
		Progress: func(p Progress) { reports = append(reports, p) }}
	if _, err := Reframe(context.Background(), src, filepath.Join(t.TempDir(), "o.mp4"), opts); err != nil {
		t.Fatal(err)
	}
	if len(reports) < 2 {
		t.Fatalf("got %d progress reports, want at least a start and an end", len(reports))
	}
	for i, p := range reports {
		if p.Total != 2*time.Second || p.Done < 0 || p.Done > p.Total ||
			(i > 0 && p.Done < reports[i-1].Done) {
			t.Errorf("report %d = %+v: want Done rising within Total = 2s", i, p)
		}
	}
	if last := reports[len(reports)-1]; last.Done != last.Total {
		t.Errorf("last report %+v, want Done = Total", last)
	}
}

func TestLibavLogGoesToLogger(t *testing.T) {
	t.Parallel()
	// A file whose index is missing makes libav's MP4 demuxer log an error.
	late := makeClip(t, "late.mp4", clip{video: testsrc(160, 90, 0.5), noFaststart: true})
	fi, err := os.Stat(late)
	if err != nil {
		t.Fatal(err)
	}
	src := copyPrefix(t, late, fi.Size()/2, "cut.mp4")

	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	_, err = Reframe(context.Background(), src, filepath.Join(t.TempDir(), "o.mp4"),
		Options{Logger: logger})
	if !errors.Is(err, ErrInvalidMedia) {
		t.Fatalf("err = %v, want %s", err, ErrInvalidMedia)
	}
	if !strings.Contains(buf.String(), "moov atom not found") {
		t.Errorf("logger got %q, want libav's message about the missing index", buf.String())
	}
}

func TestThumbnail(t *testing.T) {
	t.Parallel()
	// Red for the first half second, blue after.
	src := makeClip(t, "in.mp4", clip{video: "color=c=red:s=160x90:r=30:d=1," +
		"drawbox=enable='gte(t,0.5)':x=0:y=0:w=160:h=90:color=blue:t=fill"})

	tests := []struct {
		name string
		at   time.Duration
		want [3]uint8
	}{
		{"start", 0, [3]uint8{255, 0, 0}},
		{"later", 700 * time.Millisecond, [3]uint8{0, 0, 255}},
		{"past the end gives the last frame", time.Hour, [3]uint8{0, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := grab(t, src, tt.at)
			if b := img.Bounds(); b.Dx() != 160 || b.Dy() != 90 {
				t.Errorf("size %v, want 160x90", b)
			}
			if c := rgb(img, 80, 45); !near(c, tt.want, 40) {
				t.Errorf("centre = %v, want %v", c, tt.want)
			}
		})
	}

	// Bad requests are refused, and leave nothing.
	dir := t.TempDir()
	err := Thumbnail(context.Background(), src, filepath.Join(dir, "t.jpg"), -time.Second,
		ThumbnailOptions{})
	if !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("negative time: err = %v, want %s", err, ErrInvalidParameter)
	}
	err = Thumbnail(context.Background(), dir, filepath.Join(dir, "t.jpg"), 0, ThumbnailOptions{})
	if !errors.Is(err, ErrInvalidMedia) {
		t.Errorf("directory: err = %v, want %s", err, ErrInvalidMedia)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("files left behind: %v", names)
	}
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	err := error(newError("reframe", ErrEncodingFailed, cause, "disk is full"))

	if !errors.Is(err, ErrEncodingFailed) || errors.Is(err, ErrInvalidMedia) {
		t.Errorf("errors.Is does not match on the code: %v", err)
	}
	if !errors.Is(err, cause) {
		t.Errorf("cause is not wrapped: %v", err)
	}
	want := "reframe: ENCODING_FAILED: disk is full: boom"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if CodeOf(err) != ErrEncodingFailed || CodeOf(cause) != "" {
		t.Errorf("CodeOf = %q, %q", CodeOf(err), CodeOf(cause))
	}
}
