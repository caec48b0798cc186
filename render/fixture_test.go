package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/asticode/go-astiav"
)

// clip describes a test input that makeClip synthesises with libavfilter sources
// and this package's own encoder setup. Nothing is downloaded or committed.
type clip struct {
	// video is a libavfilter source chain for the picture, or "" for no video.
	video string
	// rate is the video frame rate, frames per second.
	rate int
	// audio is "aac", "pcm" or "" for none; seconds is the audio length.
	audio   string
	seconds float64
	// rotation is the clockwise display rotation to store, in degrees.
	rotation int
	// format is the container: "mp4" (default) or "matroska".
	format string
	// noFaststart leaves the index at the end of an MP4.
	noFaststart bool
	// noFrames writes the video stream header but no frames.
	noFrames bool
	// pixelAspect, when set, is the stored pixel aspect ratio (width:height of a pixel).
	pixelAspect [2]int
}

// testsrc returns a testsrc2 chain of w x h at 30 fps lasting seconds.
func testsrc(w, h int, seconds float64) string {
	return fmt.Sprintf("testsrc2=size=%dx%d:rate=30:duration=%g", w, h, seconds)
}

// makeClip writes the clip c to a new file in t's temp dir and returns its path.
func makeClip(t testing.TB, name string, c clip) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := writeClip(path, c); err != nil {
		t.Fatalf("make clip %s: %v", name, err)
	}
	return path
}

// writeClip encodes c into path.
func writeClip(path string, c clip) error {
	j := newJob("fixture", discardLogger)
	defer j.close()
	if c.format == "" {
		c.format = "mp4"
	}
	if c.rate == 0 {
		c.rate = 30
	}

	// Output file.
	fc, err := astiav.AllocOutputFormatContext(nil, c.format, path)
	if err != nil {
		return err
	}
	j.onClose(fc.Free)
	gh := fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader)
	type source struct {
		sink          *astiav.FilterContext
		enc           *astiav.CodecContext
		out           *astiav.Stream
		frameDuration int64
	}
	var sources []source

	// Video: the source chain into libx264 (High profile, like real inputs).
	if c.video != "" {
		sink, err := sourceGraph(j, true, c.video+",format=yuv420p")
		if err != nil {
			return err
		}
		tb := sink.Inputs()[0].TimeBase()
		frameW, frameH := 0, 0
		if _, err := fmt.Sscanf(sizeOf(c.video), "%dx%d", &frameW, &frameH); err != nil {
			return fmt.Errorf("video chain must contain size=WxH: %w", err)
		}
		enc, err := j.openX264(frameW, frameH, tb, astiav.NewRational(c.rate, 1), gh,
			"veryfast", 23, 2)
		if err != nil {
			return err
		}
		out := fc.NewStream(nil)
		if err := enc.ToCodecParameters(out.CodecParameters()); err != nil {
			return err
		}
		out.SetTimeBase(tb)
		if c.pixelAspect[0] > 0 {
			par := astiav.NewRational(c.pixelAspect[0], c.pixelAspect[1])
			out.CodecParameters().SetSampleAspectRatio(par)
			out.SetSampleAspectRatio(par)
		}
		if c.rotation != 0 {
			m := astiav.NewDisplayMatrixFromRotation(float64(c.rotation))
			if err := out.AddSideData(astiav.PacketSideDataTypeDisplaymatrix, m.Bytes()); err != nil {
				return err
			}
		}
		if !c.noFrames {
			fd := astiav.RescaleQ(1, astiav.NewRational(1, c.rate), tb)
			sources = append(sources, source{sink, enc, out, fd})
		}
	}

	// Audio: a 440 Hz sine, as AAC or as 16-bit PCM.
	if c.audio != "" {
		chain := fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%g", c.seconds)
		var enc *astiav.CodecContext
		switch c.audio {
		case "aac":
			chain += ",aformat=sample_fmts=fltp:channel_layouts=mono,asetnsamples=n=1024:p=0"
		case "pcm":
			chain += ",aformat=sample_fmts=s16:channel_layouts=mono,asetnsamples=n=1024:p=0"
		}
		sink, err := sourceGraph(j, false, chain)
		if err != nil {
			return err
		}
		tb := sink.Inputs()[0].TimeBase()
		if c.audio == "aac" {
			enc, err = j.openAAC(48000, true, tb, gh)
		} else {
			enc, err = openPCM(j, tb)
		}
		if err != nil {
			return err
		}
		out := fc.NewStream(nil)
		if err := enc.ToCodecParameters(out.CodecParameters()); err != nil {
			return err
		}
		out.SetTimeBase(tb)
		sources = append(sources, source{sink, enc, out, 0})
	}

	// Write the header, every stream in turn (the muxer interleaves), the trailer.
	pb, err := astiav.OpenIOContext(path, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		return err
	}
	j.onClose(func() { pb.Close() })
	fc.SetPb(pb)
	hdr := astiav.NewDictionary()
	defer hdr.Free()
	if c.format == "mp4" && !c.noFaststart {
		hdr.Set("movflags", "+faststart", 0)
	}
	if err := fc.WriteHeader(hdr); err != nil {
		return err
	}
	mux := &muxer{fc: fc}
	frame, pkt := j.frame(), j.packet()
	for _, s := range sources {
		for {
			err := s.sink.BuffersinkGetFrame(frame, astiav.NewBuffersinkFlags())
			if errors.Is(err, astiav.ErrEof) {
				break
			}
			if err != nil {
				return err
			}
			err = encodeAll(s.enc, frame, pkt, mux, s.out, s.frameDuration)
			frame.Unref()
			if err != nil {
				return err
			}
		}
		if err := encodeAll(s.enc, nil, pkt, mux, s.out, s.frameDuration); err != nil {
			return err
		}
	}
	if err := fc.WriteTrailer(); err != nil {
		return err
	}
	return pb.Close()
}

// encodeAll sends f (nil to drain) and writes every packet that comes out, giving
// packets without a duration frameDuration.
func encodeAll(enc *astiav.CodecContext, f *astiav.Frame, pkt *astiav.Packet, mux *muxer,
	out *astiav.Stream, frameDuration int64) error {
	if err := enc.SendFrame(f); err != nil {
		return err
	}
	for {
		if err := enc.ReceivePacket(pkt); err != nil {
			if isDone(err) {
				return nil
			}
			return err
		}
		if pkt.Duration() == 0 {
			pkt.SetDuration(frameDuration)
		}
		if err := mux.write(pkt, enc.TimeBase(), out); err != nil {
			return err
		}
	}
}

// sourceGraph builds a graph from a source chain with no input and returns its sink.
func sourceGraph(j *job, video bool, chain string) (*astiav.FilterContext, error) {
	g := astiav.AllocFilterGraph()
	j.onClose(g.Free)
	sinkName := "buffersink"
	if !video {
		sinkName = "abuffersink"
	}
	sink, err := g.NewFilterContext(astiav.FindFilterByName(sinkName), "out", nil)
	if err != nil {
		return nil, err
	}
	ins := astiav.AllocFilterInOut()
	defer ins.Free()
	ins.SetName("out")
	ins.SetFilterContext(sink)
	ins.SetPadIdx(0)
	if err := g.Parse(chain+"[out]", ins, nil); err != nil {
		return nil, fmt.Errorf("parse %q: %w", chain, err)
	}
	if err := g.Configure(); err != nil {
		return nil, fmt.Errorf("configure %q: %w", chain, err)
	}
	return sink, nil
}

// openPCM opens a 16-bit little-endian PCM encoder for 48 kHz mono.
func openPCM(j *job, tb astiav.Rational) (*astiav.CodecContext, error) {
	codec := astiav.FindEncoder(astiav.CodecIDPcmS16Le)
	cc := astiav.AllocCodecContext(codec)
	j.onClose(cc.Free)
	cc.SetSampleFormat(astiav.SampleFormatS16)
	cc.SetSampleRate(48000)
	cc.SetChannelLayout(astiav.ChannelLayoutMono)
	cc.SetChannels(1)
	cc.SetTimeBase(tb)
	return cc, openCodec(cc, codec, nil)
}

// sizeOf extracts the "WxH" after "size=" or "s=" in a source chain.
func sizeOf(chain string) string {
	for _, key := range []string{"size=", "s="} {
		for i := 0; i+len(key) <= len(chain); i++ {
			if chain[i:i+len(key)] == key && (i == 0 || chain[i-1] == ':' || chain[i-1] == '=') {
				return chain[i+len(key):]
			}
		}
	}
	return ""
}

// writeFile writes b to a new file called name in a temp dir and returns its path.
func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
