package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/asticode/go-astiav"
)

// ThumbnailOptions configure Thumbnail.
type ThumbnailOptions struct {
	// Quality is the JPEG quality, 1 to 100. Defaults to 85.
	Quality int

	// Logger receives libav's warnings and errors. Defaults to a logger that
	// discards everything.
	Logger *slog.Logger
}

// Thumbnail writes a JPEG of the video at src as it looks at media time at (from the
// start of the video), upright and at the video's display size. A time past the end
// gives the last frame. Like Reframe, it writes a temporary file beside dst and
// renames it when complete.
func Thumbnail(ctx context.Context, src, dst string, at time.Duration,
	opts ThumbnailOptions) error {
	// Check options before reading any media.
	if opts.Quality == 0 {
		opts.Quality = 85
	}
	if opts.Logger == nil {
		opts.Logger = discardLogger
	}
	if opts.Quality < 1 || opts.Quality > 100 {
		return newError("thumbnail", ErrInvalidParameter, nil,
			"quality must be from 1 to 100, got %d", opts.Quality)
	}
	if at < 0 {
		return newError("thumbnail", ErrInvalidParameter, nil,
			"thumbnail time must not be negative, got %s", at)
	}
	if err := checkPaths("thumbnail", src, dst); err != nil {
		return err
	}
	j := newJob("thumbnail", opts.Logger)
	defer j.close()

	// Decode the frame at the requested moment and turn it upright, as RGBA.
	img, err := j.grabFrame(ctx, src, at)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return fmt.Errorf("thumbnail: %w", err)
		}
		return err
	}

	// Encode the JPEG into a temporary file and rename it into place.
	tmp, err := tempPath(dst)
	if err != nil {
		return j.fail(ErrEncodingFailed, err, "cannot create the thumbnail file")
	}
	if err := writeJPEG(tmp, img, opts.Quality); err != nil {
		os.Remove(tmp)
		return j.fail(ErrEncodingFailed, err, "cannot write the thumbnail file")
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return j.fail(ErrEncodingFailed, err, "cannot write the thumbnail file")
	}
	return nil
}

// writeJPEG encodes img into the file at path, readable by everyone.
func writeJPEG(path string, img image.Image, quality int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: quality}); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// grabFrame decodes the first frame at or after media time at (or the last frame)
// and returns it upright as an image.
func (j *job) grabFrame(ctx context.Context, src string, at time.Duration) (image.Image, error) {
	// Open the input and its video decoder.
	in, err := openInput(j.op, src, j.sink)
	if err != nil {
		return nil, err
	}
	j.onClose(in.close)
	vs := in.video
	dec, err := j.openDecoder(vs, in.fc, 0)
	if err != nil {
		return nil, err
	}

	// Seek to the key frame before the target; decoding goes forward from there.
	start := vs.StartTime()
	if start == astiav.NoPtsValue {
		start = 0
	}
	target := start + astiav.RescaleQ(int64(at), astiav.NewRational(1, int(time.Second)),
		vs.TimeBase())
	if at > 0 {
		flags := astiav.NewSeekFlags(astiav.SeekFlagBackward)
		if err := in.fc.SeekFrame(vs.Index(), target, flags); err != nil {
			j.log.Warn("seek failed; decoding from the start", logKeyErr, err)
		}
	}

	// Decode until a frame reaches the target, keeping the latest one.
	pkt, frame, best := j.packet(), j.frame(), j.frame()
	have := false
	keep := func() {
		best.Unref()
		best.MoveRef(frame)
		have = true
	}
	reached := false
	for !reached {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		readErr := in.fc.ReadFrame(pkt)
		if readErr != nil && !errors.Is(readErr, astiav.ErrEof) {
			return nil, j.fail(ErrInvalidMedia, readErr, "input video is damaged")
		}
		var sendErr error
		if readErr != nil {
			sendErr = dec.SendPacket(nil)
		} else if pkt.StreamIndex() == vs.Index() {
			sendErr = dec.SendPacket(pkt)
		}
		pkt.Unref()
		if sendErr != nil && !errors.Is(sendErr, astiav.ErrEof) &&
			!errors.Is(sendErr, astiav.ErrInvaliddata) {
			return nil, j.fail(ErrInvalidMedia, sendErr, "input video is damaged")
		}
		for {
			err := dec.ReceiveFrame(frame)
			if err != nil {
				if isDone(err) {
					break
				}
				return nil, j.fail(ErrInvalidMedia, err, "input video is damaged")
			}
			reached = frame.Pts() != astiav.NoPtsValue && frame.Pts() >= target
			keep()
			if reached {
				break
			}
		}
		if readErr != nil {
			break
		}
	}
	if !have {
		return nil, j.fail(ErrInvalidMedia, errors.New("no frame decoded"),
			"video is empty (zero length)")
	}

	// Convert through a small graph: upright, RGBA.
	sar := best.SampleAspectRatio()
	if sar.Num() <= 0 || sar.Den() <= 0 {
		sar = astiav.NewRational(1, 1)
	}
	args := astiav.FilterArgs{
		"video_size":   fmt.Sprintf("%dx%d", best.Width(), best.Height()),
		"pix_fmt":      strconv.Itoa(int(best.PixelFormat())),
		"time_base":    vs.TimeBase().String(),
		"pixel_aspect": sar.String(),
	}
	desc := "[in]" + rotateFilter(in.info.Rotation) + "format=rgba[out]"
	_, bsrc, bsink, err := j.newGraph(true, args, desc, 1)
	if err != nil {
		return nil, err
	}
	if err := bsrc.BuffersrcAddFrame(best, astiav.NewBuffersrcFlags()); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot convert the frame")
	}
	if err := bsrc.BuffersrcAddFrame(nil, astiav.NewBuffersrcFlags()); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot convert the frame")
	}
	out := j.frame()
	if err := bsink.BuffersinkGetFrame(out, astiav.NewBuffersinkFlags()); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot convert the frame")
	}
	img := &image.NRGBA{}
	if err := out.Data().ToImage(img); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot convert the frame")
	}
	return img, nil
}
