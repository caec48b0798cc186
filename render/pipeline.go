package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/asticode/go-astiav"
)

// job owns the libav objects of one operation and frees each exactly once, in
// reverse order of creation.
type job struct {
	op      string
	log     *slog.Logger
	sink    *logSink
	closers []func()
}

// newJob starts a job whose libav messages go to logger.
func newJob(op string, logger *slog.Logger) *job {
	return &job{op: op, log: logger, sink: newLogSink(logger)}
}

// onClose registers f to run when the job closes, before everything registered
// earlier.
func (j *job) onClose(f func()) { j.closers = append(j.closers, f) }

// close frees everything the job created.
func (j *job) close() {
	for i := len(j.closers) - 1; i >= 0; i-- {
		j.closers[i]()
	}
	j.closers = nil
	j.sink.release()
}

// fail returns a coded error for this job's operation.
func (j *job) fail(code Code, cause error, format string, args ...any) error {
	return newError(j.op, code, cause, format, args...)
}

// frame allocates a frame owned by the job.
func (j *job) frame() *astiav.Frame {
	f := astiav.AllocFrame()
	j.onClose(f.Free)
	return f
}

// packet allocates a packet owned by the job.
func (j *job) packet() *astiav.Packet {
	p := astiav.AllocPacket()
	j.onClose(p.Free)
	return p
}

// threadsValue formats a thread count for an options dictionary: 0 is "auto".
func threadsValue(n int) string {
	if n == 0 {
		return "auto"
	}
	return strconv.Itoa(n)
}

// openCodec opens cc with the options in opts and fails if any option was not
// recognised, so a misspelt option is an error rather than silently ignored.
func openCodec(cc *astiav.CodecContext, c *astiav.Codec, opts map[string]string) error {
	d := astiav.NewDictionary()
	defer d.Free()
	for k, v := range opts {
		if err := d.Set(k, v, 0); err != nil {
			return fmt.Errorf("set option %s: %w", k, err)
		}
	}
	if err := cc.Open(c, d); err != nil {
		return fmt.Errorf("open %s: %w", c.Name(), err)
	}
	if e := d.Get("", nil, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); e != nil {
		return fmt.Errorf("open %s: option %s=%s not recognised", c.Name(), e.Key(), e.Value())
	}
	return nil
}

// openDecoder opens a decoder for stream s with the given thread count.
func (j *job) openDecoder(s *astiav.Stream, fc *astiav.FormatContext,
	threads int) (*astiav.CodecContext, error) {
	// Find the decoder and copy the stream's parameters into a fresh context.
	cp := s.CodecParameters()
	codec := astiav.FindDecoder(cp.CodecID())
	if codec == nil {
		return nil, j.fail(ErrUnsupportedCodec, fmt.Errorf("no decoder for %s", cp.CodecID()),
			"%s codec %q is not supported", cp.MediaType(), cp.CodecID().Name())
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, j.fail(ErrEncodingFailed, nil, "out of memory")
	}
	j.onClose(cc.Free)
	j.sink.own(cc)
	if err := cp.ToCodecContext(cc); err != nil {
		return nil, j.fail(ErrInvalidMedia, err, "%s stream parameters are invalid",
			cp.MediaType())
	}

	// Open it; libavcodec defaults to one thread, so set the count explicitly.
	opts := map[string]string{}
	if cp.MediaType() == astiav.MediaTypeVideo {
		cc.SetFramerate(fc.GuessFrameRate(s, nil))
		opts["threads"] = threadsValue(threads)
	}
	if err := openCodec(cc, codec, opts); err != nil {
		return nil, j.fail(ErrUnsupportedCodec, err, "%s codec %q cannot be decoded",
			cp.MediaType(), cp.CodecID().Name())
	}
	return cc, nil
}

// newGraph builds and configures a filter graph from desc, which reads from [in]
// (a buffer or abuffer source created with srcArgs) and writes to [out].
func (j *job) newGraph(video bool, srcArgs astiav.FilterArgs, desc string,
	threads int) (*astiav.FilterGraph, *astiav.FilterContext, *astiav.FilterContext, error) {
	// Allocate the graph with an explicit thread count.
	g := astiav.AllocFilterGraph()
	if g == nil {
		return nil, nil, nil, j.fail(ErrEncodingFailed, nil, "out of memory")
	}
	j.onClose(g.Free)
	j.sink.own(g)
	g.SetThreadCount(threads)

	// Create the source and sink. The graph owns them: they are never freed here.
	srcName, sinkName := "buffer", "buffersink"
	if !video {
		srcName, sinkName = "abuffer", "abuffersink"
	}
	src, err := g.NewFilterContext(astiav.FindFilterByName(srcName), "in", srcArgs)
	if err != nil {
		return nil, nil, nil, j.fail(ErrEncodingFailed, err, "cannot set up the filters")
	}
	sink, err := g.NewFilterContext(astiav.FindFilterByName(sinkName), "out", nil)
	if err != nil {
		return nil, nil, nil, j.fail(ErrEncodingFailed, err, "cannot set up the filters")
	}

	// Link them through the parsed description and configure.
	outs, ins := astiav.AllocFilterInOut(), astiav.AllocFilterInOut()
	defer outs.Free()
	defer ins.Free()
	outs.SetName("in")
	outs.SetFilterContext(src)
	outs.SetPadIdx(0)
	ins.SetName("out")
	ins.SetFilterContext(sink)
	ins.SetPadIdx(0)
	if err := g.Parse(desc, ins, outs); err != nil {
		return nil, nil, nil, j.fail(ErrEncodingFailed, fmt.Errorf("parse %q: %w", desc, err),
			"cannot set up the filters")
	}
	if err := g.Configure(); err != nil {
		return nil, nil, nil, j.fail(ErrEncodingFailed,
			fmt.Errorf("configure %q: %w", desc, err), "cannot set up the filters")
	}
	return g, src, sink, nil
}

// transcoder decodes one input stream, filters it and encodes it into one output
// stream. Video and audio use the same loop.
type transcoder struct {
	ctx   context.Context
	video bool
	in    *astiav.Stream
	dec   *astiav.CodecContext
	src   *astiav.FilterContext
	sink  *astiav.FilterContext
	enc   *astiav.CodecContext
	out   *astiav.Stream
	mux   *muxer

	decoded, filtered *astiav.Frame
	pkt               *astiav.Packet

	// frameDuration is one frame in the encoder's time base, given to packets the
	// encoder leaves without a duration (libx264 does), so that the muxer counts
	// the last frame's display time; 0 for audio.
	frameDuration int64

	// badPackets counts packets the decoder refused; frames counts encoded frames.
	badPackets int
	frames     int64

	// onFrame, if set, is called with each filtered frame's pts in the sink's
	// time base.
	onFrame func(pts int64)
}

// isDone reports whether err from a receive call only means "nothing more now".
func isDone(err error) bool {
	return errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof)
}

// decode sends p (nil to drain at end of input) to the decoder and passes every
// frame it returns on to the filters.
func (t *transcoder) decode(p *astiav.Packet) error {
	// Send. A damaged packet is skipped, as the ffmpeg CLI does; the caller
	// compares frame counts at the end.
	if err := t.dec.SendPacket(p); err != nil && !errors.Is(err, astiav.ErrEof) {
		if p != nil && errors.Is(err, astiav.ErrInvaliddata) {
			t.badPackets++
			return nil
		}
		return decodeError(err)
	}

	// Receive every frame now available.
	for {
		if err := t.dec.ReceiveFrame(t.decoded); err != nil {
			if isDone(err) {
				return nil
			}
			if errors.Is(err, astiav.ErrInvaliddata) {
				t.badPackets++
				continue
			}
			return decodeError(err)
		}
		err := t.filter(t.decoded)
		t.decoded.Unref()
		if err != nil {
			return err
		}
	}
}

// inputError marks an error as the input's fault rather than the encoder's.
type inputError struct{ err error }

func (e inputError) Error() string { return "decode: " + e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// decodeError wraps a decoder error as an inputError.
func decodeError(err error) error { return inputError{err} }

// filter pushes f (nil at end of input) into the graph and encodes every frame that
// comes out.
func (t *transcoder) filter(f *astiav.Frame) error {
	// Push. Flags 0 moves the frame's reference into the graph.
	if err := t.src.BuffersrcAddFrame(f, astiav.NewBuffersrcFlags()); err != nil {
		return fmt.Errorf("filter: %w", err)
	}

	// Pull and encode every frame now available, checking for cancellation
	// between frames.
	for {
		if err := t.sink.BuffersinkGetFrame(t.filtered, astiav.NewBuffersinkFlags()); err != nil {
			if isDone(err) {
				return nil
			}
			return fmt.Errorf("filter: %w", err)
		}
		if err := t.ctx.Err(); err != nil {
			t.filtered.Unref()
			return err
		}
		if t.video {
			t.filtered.SetPictureType(astiav.PictureTypeNone)
		}
		if t.onFrame != nil {
			t.onFrame(t.filtered.Pts())
		}
		err := t.encode(t.filtered)
		t.filtered.Unref()
		if err != nil {
			return err
		}
	}
}

// encode sends f (nil to drain) to the encoder and writes every packet it returns.
func (t *transcoder) encode(f *astiav.Frame) error {
	if err := t.enc.SendFrame(f); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	for {
		if err := t.enc.ReceivePacket(t.pkt); err != nil {
			if isDone(err) {
				return nil
			}
			return fmt.Errorf("encode: %w", err)
		}
		if t.video {
			t.frames++
			if t.pkt.Duration() == 0 {
				t.pkt.SetDuration(t.frameDuration)
			}
		}
		if err := t.mux.write(t.pkt, t.enc.TimeBase(), t.out); err != nil {
			return err
		}
		if err := t.ctx.Err(); err != nil {
			return err
		}
	}
}

// flush drains the decoder, the filter graph and the encoder, in that order. Each
// holds frames back (reordering, threads, lookahead) that would otherwise be lost.
func (t *transcoder) flush() error {
	if err := t.decode(nil); err != nil {
		return err
	}
	if err := t.filter(nil); err != nil {
		return err
	}
	return t.encode(nil)
}

// muxer writes packets to the output file.
type muxer struct {
	fc *astiav.FormatContext
	pb *astiav.IOContext
}

// write rescales p from time base tb to the output stream's and writes it. The
// muxer takes p's reference.
func (m *muxer) write(p *astiav.Packet, tb astiav.Rational, out *astiav.Stream) error {
	p.SetStreamIndex(out.Index())
	p.RescaleTs(tb, out.TimeBase())
	p.SetPos(-1)
	if err := m.fc.WriteInterleavedFrame(p); err != nil {
		return fmt.Errorf("write packet: %w", err)
	}
	return nil
}
