package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testClip makes a 1 s 320x180 H.264/AAC clip with the ffmpeg CLI (installed by
// `make deps` beside the libav development packages).
func testClip(t *testing.T) string {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg CLI not installed; run make deps")
	}
	path := filepath.Join(t.TempDir(), "in.mp4")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi",
		"-i", "testsrc2=size=320x180:rate=30:duration=1", "-f", "lavfi",
		"-i", "sine=duration=1", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
		path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

func TestProbeCommand(t *testing.T) {
	t.Parallel()
	src := testClip(t)
	stdout, stderr, code := run(t, "", "probe", "-o", "json", src)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var got probeJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	want := probeJSON{Duration: "1", Width: 320, Height: 180, StoredWidth: 320,
		StoredHeight: 180, FrameRate: "30/1", Frames: 30, VideoCodec: "h264",
		PixelFormat: "yuv420p", HasAudio: true, AudioCodec: "aac"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probe JSON (-want +got):\n%s", diff)
	}
}

func TestRenderCommand(t *testing.T) {
	t.Parallel()
	src := testClip(t)
	dir := t.TempDir()
	dst, thumb := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "out.jpg")

	// JSON mode prints the result alone on stdout, progress as JSON lines on stderr.
	stdout, stderr, code := run(t, "", "render", "-format", "custom", "-width", "180",
		"-height", "320", "-mode", "blur", "-o", "json", "-progress-json", "-thumbnail", thumb,
		src, dst)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var got renderJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil || dec.More() {
		t.Fatalf("stdout is not one result object: %v\n%s", err, stdout)
	}
	want := renderJSON{Width: 180, Height: 320, Duration: "1", Frames: 30, Reencoded: true}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
		return p.String() == "Bytes"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var p progressJSON
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil || p.Total != "1" {
			t.Errorf("stderr line %q is not a progress object", sc.Text())
		}
		lines++
	}
	if lines < 2 {
		t.Errorf("%d progress lines, want at least 2", lines)
	}
	if fi, err := os.Stat(thumb); err != nil || fi.Size() == 0 {
		t.Errorf("thumbnail not written: %v", err)
	}
}

func TestRenderCommandErrors(t *testing.T) {
	t.Parallel()
	notVideo := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(notVideo, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mp4")

	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"not a video", []string{"render", notVideo, out}, 1, "INVALID_MEDIA"},
		{"probe not a video", []string{"probe", notVideo}, 1, "INVALID_MEDIA"},
		{"missing output", []string{"render", notVideo}, 2, "want an input and an output"},
		{"bad mode", []string{"render", "-mode", "stretch", notVideo, out}, 2, "-mode"},
		{"bad focus", []string{"render", "-focus", "2,0", notVideo, out}, 2, "-focus"},
		{"size without custom", []string{"render", "-width", "100", notVideo, out}, 2,
			"-format custom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := run(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code,
					tt.inStderr)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output exists after failures: %v", err)
	}
}

func TestSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{10 * time.Second, "10"},
		{1500 * time.Millisecond, "1.5"},
		{20*time.Second + 33333333, "20.0333"},
		{20*time.Second + 33366667, "20.0334"},
		{999990 * time.Microsecond, "1"},
	}
	for _, tt := range tests {
		if got := seconds(tt.d); got != tt.want {
			t.Errorf("seconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
