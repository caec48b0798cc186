package render

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/asticode/go-astiav"
)

// Rate is an exact frame rate, Num/Den frames per second.
type Rate struct {
	Num, Den int
}

// Float64 returns the rate as a float, or 0 if it is unknown.
func (r Rate) Float64() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// String formats the rate as "30000/1001".
func (r Rate) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// Info describes a media file, as Probe reads it.
type Info struct {
	// Duration is the video stream's duration, computed exactly from its time base.
	Duration time.Duration

	// Width and Height are the upright display size: the stored size with Rotation
	// applied (a 1920x1080 picture stored with a 90 degree rotation is 1080x1920).
	Width, Height int

	// StoredWidth and StoredHeight are the size of the pictures as encoded.
	StoredWidth, StoredHeight int

	// Rotation is the clockwise rotation in degrees (0, 90, 180 or 270) a player
	// applies to show the picture upright.
	Rotation int

	// FrameRate is the video frame rate.
	FrameRate Rate

	// Frames is the number of video frames the container declares, or 0 if it does
	// not say.
	Frames int64

	// VideoCodec and PixelFormat name the video codec ("h264") and pixel format
	// ("yuv420p").
	VideoCodec, PixelFormat string

	// HasAudio reports whether there is an audio stream; AudioCodec names its codec.
	HasAudio   bool
	AudioCodec string
}

// Probe reads the header of the media file at path and describes it. It returns an
// *Error with code ErrInvalidMedia, ErrNoVideoStream or ErrUnsupportedCodec if the
// file is not a video render can read.
func Probe(path string) (*Info, error) {
	in, err := openInput("probe", path, nil)
	if err != nil {
		return nil, err
	}
	defer in.close()
	return in.info, nil
}

// input is an opened media file with its chosen video and audio streams.
type input struct {
	fc    *astiav.FormatContext
	video *astiav.Stream
	audio *astiav.Stream // nil without audio
	info  *Info
}

// pixelAspect returns the video's pixel aspect ratio as libav judges it from the
// container (an MP4 'pasp' box) and the bitstream together; 0:1 means unknown, taken
// as square.
func (in *input) pixelAspect() astiav.Rational {
	return in.fc.GuessSampleAspectRatio(in.video, nil)
}

// close releases the demuxer.
func (in *input) close() {
	in.fc.CloseInput()
	in.fc.Free()
}

// openInput opens path, reads its stream information and picks the first video and
// audio streams. sink, if set, receives the demuxer's libav log messages.
func openInput(op, path string, sink *logSink) (*input, error) {
	installLibavLog()
	invalid := func(cause error, msg string) error {
		return newError(op, ErrInvalidMedia, cause, "%s", msg)
	}

	// Refuse what is plainly not a media file before libav sees it.
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, invalid(err, "input file does not exist")
	case err != nil:
		return nil, invalid(err, "input file cannot be read")
	case fi.IsDir():
		return nil, invalid(fmt.Errorf("%s is a directory", path),
			"input is a folder, not a video file")
	case fi.Size() == 0:
		return nil, invalid(fmt.Errorf("%s is empty", path), "input file is empty")
	}

	// Open the demuxer and read stream information. On failure, OpenInput has
	// already freed the context.
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, newError(op, ErrEncodingFailed, nil, "out of memory")
	}
	if sink != nil {
		sink.own(fc)
	}
	if err := fc.OpenInput(path, nil, nil); err != nil {
		fc.Free()
		return nil, invalid(fmt.Errorf("open %s: %w", path, err),
			"input is not a readable video file")
	}
	in := &input{fc: fc}
	if err := fc.FindStreamInfo(nil); err != nil {
		in.close()
		return nil, invalid(fmt.Errorf("read stream info of %s: %w", path, err),
			"input is not a readable video file")
	}

	// A file with no streams at all (an MP4 whose only track had no frames, for
	// example) is empty rather than audio-only.
	if fc.NbStreams() == 0 {
		in.close()
		return nil, invalid(fmt.Errorf("%s has no streams", path), "video is empty (zero length)")
	}

	// Pick the first video and first audio stream.
	for _, s := range fc.Streams() {
		switch s.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			if in.video == nil {
				in.video = s
			}
		case astiav.MediaTypeAudio:
			if in.audio == nil {
				in.audio = s
			}
		}
	}
	if in.video == nil {
		in.close()
		return nil, newError(op, ErrNoVideoStream, fmt.Errorf("%s has no video stream", path),
			"file has no video")
	}

	// Describe the video and check that it can be decoded.
	in.info = describe(fc, in.video, in.audio)
	if err := in.check(op); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

// check refuses video streams render cannot decode or that hold no picture.
func (in *input) check(op string) error {
	cp := in.video.CodecParameters()
	if cp.CodecID() == astiav.CodecIDNone || astiav.FindDecoder(cp.CodecID()) == nil {
		name := cp.CodecID().Name()
		if cp.CodecID() == astiav.CodecIDNone {
			name = fourCC(uint32(cp.CodecTag())) // libav has no name for it
		}
		return newError(op, ErrUnsupportedCodec, fmt.Errorf("no decoder for codec %q", name),
			"video codec %q is not supported", name)
	}
	if cp.Width() <= 0 || cp.Height() <= 0 {
		return newError(op, ErrInvalidMedia, fmt.Errorf("video size %dx%d",
			cp.Width(), cp.Height()), "video has no picture size")
	}
	if in.info.Frames == 0 && in.info.Duration <= 0 {
		return newError(op, ErrInvalidMedia, errors.New("no frames and zero duration"),
			"video is empty (zero length)")
	}
	return nil
}

// describe fills an Info from the chosen streams.
func describe(fc *astiav.FormatContext, v, a *astiav.Stream) *Info {
	cp := v.CodecParameters()
	info := &Info{
		StoredWidth:  cp.Width(),
		StoredHeight: cp.Height(),
		Rotation:     rotationOf(v),
		Frames:       v.NbFrames(),
		VideoCodec:   cp.CodecID().Name(),
		PixelFormat:  cp.PixelFormat().Name(),
		HasAudio:     a != nil,
	}
	info.Width, info.Height = info.StoredWidth, info.StoredHeight
	if info.Rotation == 90 || info.Rotation == 270 {
		info.Width, info.Height = info.Height, info.Width
	}
	if fr := fc.GuessFrameRate(v, nil); fr.Den() > 0 {
		info.FrameRate = Rate{Num: fr.Num(), Den: fr.Den()}
	}
	if a != nil {
		info.AudioCodec = a.CodecParameters().CodecID().Name()
	}

	// Duration: the stream's own, exact in its time base; else the container's.
	switch {
	case v.Duration() > 0:
		info.Duration = toDuration(v.Duration(), v.TimeBase())
	case fc.Duration() > 0:
		info.Duration = toDuration(fc.Duration(), astiav.TimeBaseQ)
	}
	return info
}

// toDuration converts ts in time base tb to a time.Duration, rounding to the nearest
// nanosecond with 128-bit intermediate precision.
func toDuration(ts int64, tb astiav.Rational) time.Duration {
	return time.Duration(astiav.RescaleQ(ts, tb, astiav.NewRational(1, int(time.Second))))
}

// rotationOf returns the clockwise display rotation of s, rounded to a multiple of
// 90 degrees in 0..270.
func rotationOf(s *astiav.Stream) int {
	b := s.SideData(astiav.PacketSideDataTypeDisplaymatrix)
	if len(b) == 0 {
		return 0
	}
	m, err := astiav.NewDisplayMatrixFromBytes(b)
	if err != nil {
		return 0
	}
	r := m.Rotation()
	if math.IsNaN(r) {
		return 0
	}
	deg := int(math.Round(r/90)) * 90 % 360
	if deg < 0 {
		deg += 360
	}
	return deg
}

// fourCC spells a codec tag as its four characters ("avc1"), with '?' for any that is
// not printable.
func fourCC(tag uint32) string {
	b := make([]byte, 4)
	for i := range b {
		c := byte(tag >> (8 * i))
		if c < ' ' || c > '~' {
			c = '?'
		}
		b[i] = c
	}
	return string(b)
}
