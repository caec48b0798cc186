package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
)

// media is what a viewer would notice about a file, read packet by packet.
type media struct {
	VideoCodec  string
	HighProfile bool
	PixelFormat string
	Width       int
	Height      int
	Rotation    int
	Frames      int

	// VideoStart and VideoEnd span the video packets' presentation times, the end
	// including the last frame's duration; likewise for audio.
	VideoStart, VideoEnd time.Duration
	AudioCodec           string
	AudioStart, AudioEnd time.Duration

	// IndexFirst reports whether the MP4 index (moov) comes before the media data.
	IndexFirst bool
}

// inspect reads every packet of the file at path.
func inspect(t testing.TB, path string) media {
	t.Helper()
	in, err := openInput("inspect", path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer in.close()
	cp := in.video.CodecParameters()
	m := media{
		VideoCodec:  cp.CodecID().Name(),
		HighProfile: cp.Profile() == astiav.ProfileH264High,
		PixelFormat: cp.PixelFormat().Name(),
		Width:       cp.Width(),
		Height:      cp.Height(),
		Rotation:    in.info.Rotation,
		IndexFirst:  indexFirst(t, path),
		VideoStart:  time.Duration(1 << 62),
		AudioStart:  time.Duration(1 << 62),
	}
	if in.audio != nil {
		m.AudioCodec = in.audio.CodecParameters().CodecID().Name()
	}

	// Span the presentation times of each stream.
	aIdx := -1
	if in.audio != nil {
		aIdx = in.audio.Index()
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	for {
		if err := in.fc.ReadFrame(pkt); err != nil {
			if !errors.Is(err, astiav.ErrEof) {
				t.Fatalf("read %s: %v", path, err)
			}
			break
		}
		var s *astiav.Stream
		start, end := &m.VideoStart, &m.VideoEnd
		switch pkt.StreamIndex() {
		case in.video.Index():
			s = in.video
			m.Frames++
		case aIdx:
			s = in.audio
			start, end = &m.AudioStart, &m.AudioEnd
		}
		if s != nil {
			*start = min(*start, toDuration(pkt.Pts(), s.TimeBase()))
			*end = max(*end, toDuration(pkt.Pts()+pkt.Duration(), s.TimeBase()))
		}
		pkt.Unref()
	}
	if in.audio == nil {
		m.AudioStart = 0
	}
	return m
}

// indexFirst reports whether the top-level "moov" box of an MP4 precedes "mdat".
func indexFirst(t testing.TB, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var off int64
	hdr := make([]byte, 16)
	for {
		if _, err := f.ReadAt(hdr[:8], off); err != nil {
			return false
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		if size == 1 {
			if _, err := f.ReadAt(hdr[8:16], off+8); err != nil {
				return false
			}
			size = int64(binary.BigEndian.Uint64(hdr[8:16]))
		}
		switch string(hdr[4:8]) {
		case "moov":
			return true
		case "mdat":
			return false
		}
		if size < 8 {
			return false
		}
		off += size
	}
}

// grab returns the picture of the video at path at time at, through Thumbnail.
func grab(t testing.TB, path string, at time.Duration) image.Image {
	t.Helper()
	jpg := filepath.Join(t.TempDir(), "frame.jpg")
	err := Thumbnail(context.Background(), path, jpg, at, ThumbnailOptions{Quality: 100})
	if err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
	f, err := os.Open(jpg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("decode thumbnail: %v", err)
	}
	return img
}

// rgb returns the 8-bit colour of img at x, y.
func rgb(img image.Image, x, y int) [3]uint8 {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return [3]uint8{c.R, c.G, c.B}
}

// near reports whether two colours differ by at most tol in every channel.
func near(a, b [3]uint8, tol int) bool {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < -tol || d > tol {
			return false
		}
	}
	return true
}

// isRed reports whether c is clearly red.
func isRed(c [3]uint8) bool { return c[0] > 180 && c[1] < 80 && c[2] < 80 }

// listDir returns the names in dir.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// copyPrefix writes the first n bytes of src to a new file and returns its path.
// relabel copies src with every occurrence of the four-character code from replaced by
// to: relabelling "avc1" gives an MP4 whose video codec libav does not know.
func relabel(t testing.TB, src, from, to string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(from)) {
		t.Fatalf("%s holds no %q", src, from)
	}
	return writeFile(t, "relabelled.mp4", bytes.ReplaceAll(b, []byte(from), []byte(to)))
}

func copyPrefix(t testing.TB, src string, n int64, name string) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, b)
}
