package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/asticode/go-astiav"
)

// progressInterval is the least wall time between two progress reports.
const progressInterval = 100 * time.Millisecond

// aacRates lists the sample rates the AAC encoder accepts.
var aacRates = map[int]bool{
	96000: true, 88200: true, 64000: true, 48000: true, 44100: true, 32000: true,
	24000: true, 22050: true, 16000: true, 12000: true, 11025: true, 8000: true, 7350: true,
}

// Reframe renders the video at src into an H.264/AAC MP4 at dst, sized and framed
// as opts say, and describes the written file.
//
// Options are checked before any media is read. The output is written to a
// temporary file beside dst and renamed to dst only when complete, so a failed or
// cancelled render leaves nothing at dst. Cancelling ctx stops the render within one
// frame; the error then wraps ctx.Err(). Every other error is an *Error with a
// stable Code.
func Reframe(ctx context.Context, src, dst string, opts Options) (*Result, error) {
	// Fill in defaults and refuse bad options before touching any media.
	o := opts.withDefaults()
	if err := o.validate("reframe", src, dst); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reframe: %w", err)
	}
	start := time.Now()
	j := newJob("reframe", o.Logger)
	defer j.close()

	// Open the input and work out what to do with it.
	in, err := openInput(j.op, src, j.sink)
	if err != nil {
		return nil, err
	}
	j.onClose(in.close)
	par := in.pixelAspect()
	w, h := o.Width, o.Height
	if w == 0 {
		// Keep the size the picture is displayed at, rounded down to even for 4:2:0.
		dw, dh := displaySize(in.info, par.Num(), par.Den())
		w, h = max(dw&^1, 2), max(dh&^1, 2)
	}
	lay := newLayout(in.info, par.Num(), par.Den(), w, h, o)
	j.log.Debug("render planned", logKeySrc, src, logKeyDst, dst, logKeyPlan, lay.plan,
		logKeyWidth, w, logKeyHeight, h, logKeyRotation, in.info.Rotation,
		logKeyGraph, lay.filter)

	// Render into a temporary file beside dst, removed again unless renamed.
	tmp, err := tempPath(dst)
	if err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot create the output file")
	}
	done := false
	j.onClose(func() {
		if !done {
			os.Remove(tmp)
		}
	})
	r := &renderer{job: j, in: in, opts: o, layout: lay}
	if err := r.run(ctx, tmp); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, fmt.Errorf("reframe: %w", err)
		}
		return nil, err
	}

	// Publish the finished file.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot write the output file")
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot write the output file")
	}
	done = true

	// Describe the file as written.
	res, err := describeOutput(dst, lay.plan != planRemux)
	if err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "the output file cannot be read back")
	}
	j.log.Info("render finished", logKeyDst, dst, logKeyPlan, lay.plan, logKeyWidth, res.Width,
		logKeyHeight, res.Height, logKeyFrames, res.Frames, logKeyElapsed, time.Since(start))
	return res, nil
}

// describeOutput reads back a written file into a Result.
func describeOutput(path string, reencoded bool) (*Result, error) {
	info, err := Probe(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &Result{
		Width:     info.Width,
		Height:    info.Height,
		Duration:  info.Duration,
		Frames:    info.Frames,
		Bytes:     fi.Size(),
		Reencoded: reencoded,
	}, nil
}

// tempPath creates an empty, hidden temporary file beside dst and returns its path.
func tempPath(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// renderer holds the state of one Reframe between opening the input and renaming
// the output.
type renderer struct {
	*job
	in     *input
	opts   Options
	layout layout

	mux   *muxer
	vt    *transcoder    // nil when the video is copied
	vOut  *astiav.Stream // output video stream
	at    *transcoder    // nil when the audio is copied or absent
	aOut  *astiav.Stream // output audio stream, nil without audio
	prog  *progressReporter
	reads int64 // video packets read
}

// run renders into the file at path.
func (r *renderer) run(ctx context.Context, path string) error {
	// Create the muxer and its streams: video first, then audio.
	fc, err := astiav.AllocOutputFormatContext(nil, "mp4", path)
	if err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot create the output file")
	}
	r.onClose(fc.Free)
	r.sink.own(fc)
	r.mux = &muxer{fc: fc}
	if err := r.setupVideo(ctx); err != nil {
		return err
	}
	if err := r.setupAudio(ctx); err != nil {
		return err
	}

	// Open the file and write the header, with the index moved to the front at the
	// end (faststart).
	pb, err := astiav.OpenIOContext(path, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot create the output file")
	}
	r.mux.pb = pb
	r.onClose(func() { pb.Close() })
	fc.SetPb(pb)
	hdr := astiav.NewDictionary()
	defer hdr.Free()
	if err := hdr.Set("movflags", "+faststart", 0); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot write the output file")
	}
	if err := fc.WriteHeader(hdr); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot write the output file")
	}

	// Copy or transcode every packet, then drain the pipelines.
	r.prog = newProgressReporter(r.opts.Progress, r.in.info.Duration, r.in.video)
	if err := r.loop(ctx); err != nil {
		return r.classify(ctx, err)
	}
	for _, t := range []*transcoder{r.vt, r.at} {
		if t == nil {
			continue
		}
		if err := t.flush(); err != nil {
			return r.classify(ctx, err)
		}
	}

	// Refuse inputs that ended early or held no picture.
	if err := r.checkComplete(); err != nil {
		return err
	}

	// Finish the file: the trailer writes the index, then closing flushes to disk.
	if err := fc.WriteTrailer(); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot write the output file")
	}
	if err := pb.Close(); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot write the output file")
	}
	r.prog.finish()
	return nil
}

// loop reads every packet of the input and hands it to its stream's pipeline.
func (r *renderer) loop(ctx context.Context) error {
	pkt := r.packet()
	vIdx, aIdx := r.in.video.Index(), -1
	if r.in.audio != nil && r.aOut != nil {
		aIdx = r.in.audio.Index()
	}
	for {
		// Stop between packets when cancelled: each packet is at most one frame.
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.in.fc.ReadFrame(pkt); err != nil {
			if errors.Is(err, astiav.ErrEof) {
				return nil
			}
			return inputError{fmt.Errorf("read: %w", err)}
		}

		// Route the packet.
		var err error
		switch pkt.StreamIndex() {
		case vIdx:
			r.reads++
			if r.vt != nil {
				err = r.vt.decode(pkt)
			} else {
				r.prog.frame(pkt.Pts())
				err = r.mux.write(pkt, r.in.video.TimeBase(), r.vOut)
			}
		case aIdx:
			if r.at != nil {
				err = r.at.decode(pkt)
			} else {
				err = r.mux.write(pkt, r.in.audio.TimeBase(), r.aOut)
			}
		}
		pkt.Unref()
		if err != nil {
			return err
		}
	}
}

// classify turns a pipeline error into the error Reframe returns: cancellation as
// is, decode failures as ErrInvalidMedia, anything else as ErrEncodingFailed.
func (r *renderer) classify(ctx context.Context, err error) error {
	var ie inputError
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	case errors.As(err, &ie):
		return r.fail(ErrInvalidMedia, err, "input video is damaged")
	default:
		return r.fail(ErrEncodingFailed, err, "encoding the video failed")
	}
}

// checkComplete refuses a render whose input had no frames or was cut short.
func (r *renderer) checkComplete() error {
	frames := r.reads
	if r.vt != nil {
		frames = r.vt.frames
		if r.vt.badPackets > 0 {
			r.log.Warn("input had damaged video packets", "count", r.vt.badPackets)
		}
	}
	if frames == 0 {
		return r.fail(ErrInvalidMedia, errors.New("no video frames decoded"),
			"video is empty (zero length)")
	}
	if want := r.in.info.Frames; want > 0 && r.reads < want {
		return r.fail(ErrInvalidMedia,
			fmt.Errorf("read %d of %d video packets", r.reads, want),
			"input file is truncated")
	}
	return nil
}

// setupVideo adds the output video stream: copied for a remux, else transcoded.
func (r *renderer) setupVideo(ctx context.Context) error {
	// Remux: copy the stream parameters and let the muxer choose the codec tag.
	in := r.in.video
	if r.layout.plan == planRemux {
		r.vOut = r.mux.fc.NewStream(nil)
		if err := in.CodecParameters().Copy(r.vOut.CodecParameters()); err != nil {
			return r.fail(ErrEncodingFailed, err, "cannot set up the output video")
		}
		r.vOut.CodecParameters().SetCodecTag(0)
		r.vOut.SetTimeBase(in.TimeBase())
		return nil
	}

	// Decoder, then a graph reading frames in the stream's time base.
	dec, err := r.openDecoder(in, r.in.fc, r.opts.Threads)
	if err != nil {
		return err
	}
	fr := r.in.fc.GuessFrameRate(in, nil)
	sar := dec.SampleAspectRatio()
	if sar.Num() <= 0 || sar.Den() <= 0 {
		sar = astiav.NewRational(1, 1)
	}
	args := astiav.FilterArgs{
		"video_size":   fmt.Sprintf("%dx%d", dec.Width(), dec.Height()),
		"pix_fmt":      strconv.Itoa(int(dec.PixelFormat())),
		"time_base":    in.TimeBase().String(),
		"pixel_aspect": sar.String(),
	}
	if fr.Num() > 0 && fr.Den() > 0 {
		args["frame_rate"] = fr.String()
	}
	_, src, sink, err := r.newGraph(true, args, r.layout.filter, r.opts.Threads)
	if err != nil {
		return err
	}

	// Encoder, in the time base the graph delivers frames in.
	tb := sink.Inputs()[0].TimeBase()
	enc, err := r.openX264(r.layout.w, r.layout.h, tb, fr, r.globalHeader(),
		r.opts.Preset, r.opts.CRF, r.opts.Threads)
	if err != nil {
		return err
	}
	r.vOut = r.mux.fc.NewStream(nil)
	if err := enc.ToCodecParameters(r.vOut.CodecParameters()); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot set up the output video")
	}
	r.vOut.SetTimeBase(tb)
	r.vt = &transcoder{ctx: ctx, video: true, in: in, dec: dec, src: src, sink: sink, enc: enc,
		out: r.vOut, mux: r.mux, decoded: r.frame(), filtered: r.frame(), pkt: r.packet()}
	if fr.Num() > 0 && fr.Den() > 0 {
		r.vt.frameDuration = astiav.RescaleQ(1, astiav.NewRational(fr.Den(), fr.Num()), tb)
	}
	r.vt.onFrame = func(pts int64) {
		if pts != astiav.NoPtsValue {
			r.prog.frame(astiav.RescaleQ(pts, tb, in.TimeBase()))
		}
	}
	return nil
}

// globalHeader reports whether the output format wants codec headers out of band.
func (r *renderer) globalHeader() bool {
	return r.mux.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader)
}

// openX264 opens libx264 for w x h yuv420p frames in time base tb (frame rate fr)
// with the given speed preset, CRF and thread count.
func (j *job) openX264(w, h int, tb, fr astiav.Rational, globalHeader bool,
	preset string, crf, threads int) (*astiav.CodecContext, error) {
	// Find the encoder and describe the frames it will get.
	codec := astiav.FindEncoderByName("libx264")
	if codec == nil {
		return nil, j.fail(ErrEncodingFailed, errors.New("libx264 not found"),
			"the H.264 encoder is not available")
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, j.fail(ErrEncodingFailed, nil, "out of memory")
	}
	j.onClose(cc.Free)
	j.sink.own(cc)
	cc.SetWidth(w)
	cc.SetHeight(h)
	cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	cc.SetSampleAspectRatio(astiav.NewRational(1, 1))
	cc.SetTimeBase(tb)
	if fr.Num() > 0 && fr.Den() > 0 {
		cc.SetFramerate(fr)
	}
	if globalHeader {
		cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}

	// Open it with the requested settings; every one must be recognised.
	err := openCodec(cc, codec, map[string]string{
		"preset":  preset,
		"crf":     strconv.Itoa(crf),
		"profile": "high",
		"threads": threadsValue(threads),
		// Timestamps pass through unchanged in the graph's fine time base; without
		// this, x264 would write that time base (not the frame rate) into the
		// stream's timing info, and readers would derive wrong frame durations.
		"x264-params": "force-cfr=1",
	})
	if err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot start the H.264 encoder")
	}
	return cc, nil
}

// setupAudio adds the output audio stream, if the input has audio: AAC is copied,
// anything else is re-encoded to AAC.
func (r *renderer) setupAudio(ctx context.Context) error {
	in := r.in.audio
	if in == nil {
		return nil
	}

	// Copy AAC as it is, letting the muxer choose the codec tag.
	if in.CodecParameters().CodecID() == astiav.CodecIDAac {
		r.aOut = r.mux.fc.NewStream(nil)
		if err := in.CodecParameters().Copy(r.aOut.CodecParameters()); err != nil {
			return r.fail(ErrEncodingFailed, err, "cannot set up the output audio")
		}
		r.aOut.CodecParameters().SetCodecTag(0)
		r.aOut.SetTimeBase(in.TimeBase())
		return nil
	}

	// Otherwise decode and convert to what AAC takes: planar float, a supported
	// rate, mono or stereo, in frames of exactly 1024 samples (the graph does the
	// resampling: go-astiav v0.16.0 has no swresample binding).
	dec, err := r.openDecoder(in, r.in.fc, r.opts.Threads)
	if err != nil {
		return err
	}
	rate := dec.SampleRate()
	if !aacRates[rate] {
		rate = 48000
	}
	layout := "stereo"
	if dec.ChannelLayout().NbChannels() == 1 {
		layout = "mono"
	}
	args := astiav.FilterArgs{
		"time_base":   in.TimeBase().String(),
		"sample_rate": strconv.Itoa(dec.SampleRate()),
		"sample_fmt":  dec.SampleFormat().Name(),
	}
	if desc := dec.ChannelLayout().String(); desc != "" && !strings.Contains(desc, " ") {
		args["channel_layout"] = desc
	} else {
		args["channels"] = strconv.Itoa(max(dec.ChannelLayout().NbChannels(), 1))
	}
	desc := fmt.Sprintf("[in]aresample=%d,aformat=sample_fmts=fltp:channel_layouts=%s,"+
		"asetnsamples=n=1024:p=0[out]", rate, layout)
	_, src, sink, err := r.newGraph(false, args, desc, 1)
	if err != nil {
		return err
	}

	// Encoder, in the graph's output time base.
	tb := sink.Inputs()[0].TimeBase()
	enc, err := r.openAAC(rate, layout == "mono", tb, r.globalHeader())
	if err != nil {
		return err
	}
	r.aOut = r.mux.fc.NewStream(nil)
	if err := enc.ToCodecParameters(r.aOut.CodecParameters()); err != nil {
		return r.fail(ErrEncodingFailed, err, "cannot set up the output audio")
	}
	r.aOut.SetTimeBase(tb)
	r.at = &transcoder{ctx: ctx, in: in, dec: dec, src: src, sink: sink, enc: enc,
		out: r.aOut, mux: r.mux, decoded: r.frame(), filtered: r.frame(), pkt: r.packet()}
	return nil
}

// openAAC opens the native AAC encoder for planar float audio.
func (j *job) openAAC(rate int, mono bool, tb astiav.Rational,
	globalHeader bool) (*astiav.CodecContext, error) {
	codec := astiav.FindEncoder(astiav.CodecIDAac)
	if codec == nil {
		return nil, j.fail(ErrEncodingFailed, errors.New("aac encoder not found"),
			"the AAC encoder is not available")
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, j.fail(ErrEncodingFailed, nil, "out of memory")
	}
	j.onClose(cc.Free)
	j.sink.own(cc)
	cc.SetSampleFormat(astiav.SampleFormatFltp)
	cc.SetSampleRate(rate)
	layout, bitRate := astiav.ChannelLayoutStereo, int64(128000)
	if mono {
		layout, bitRate = astiav.ChannelLayoutMono, 64000
	}
	cc.SetChannelLayout(layout)
	cc.SetChannels(layout.NbChannels())
	cc.SetBitRate(bitRate)
	cc.SetTimeBase(tb)
	if globalHeader {
		cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	if err := openCodec(cc, codec, nil); err != nil {
		return nil, j.fail(ErrEncodingFailed, err, "cannot start the AAC encoder")
	}
	return cc, nil
}

// progressReporter calls Options.Progress at most every progressInterval.
type progressReporter struct {
	fn    func(Progress)
	total time.Duration
	tb    astiav.Rational
	start int64
	last  time.Time
	done  time.Duration
}

// newProgressReporter reports against total; pts values are in s's time base.
func newProgressReporter(fn func(Progress), total time.Duration,
	s *astiav.Stream) *progressReporter {
	start := s.StartTime()
	if start == astiav.NoPtsValue {
		start = 0
	}
	return &progressReporter{fn: fn, total: total, tb: s.TimeBase(), start: start}
}

// frame records that the frame at pts has been processed.
func (p *progressReporter) frame(pts int64) {
	if p.fn == nil || pts == astiav.NoPtsValue {
		return
	}
	p.done = max(p.done, min(toDuration(pts-p.start, p.tb), p.total))
	if now := time.Now(); now.Sub(p.last) >= progressInterval {
		p.last = now
		p.fn(Progress{Done: p.done, Total: p.total})
	}
}

// finish reports completion.
func (p *progressReporter) finish() {
	if p.fn != nil {
		p.fn(Progress{Done: p.total, Total: p.total})
	}
}
