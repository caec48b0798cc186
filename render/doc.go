// Package render probes videos and renders export MP4s in-process through libav
// (FFmpeg 5.1, bound by github.com/asticode/go-astiav v0.16.0). It is the only
// package of exportkit that uses cgo.
//
// [Probe] describes a file; [Reframe] turns a finished video into the export a user
// asked for (vertical, square, a custom size...) in one of three modes, [ModeFill],
// [ModeFit] and [ModeBlur]; [Thumbnail] writes a JPEG of one moment of a video.
// Errors are [*Error] values with a stable [Code] such as [ErrInvalidMedia].
//
// # Pipeline
//
// Reframe runs one pass over the input:
//
//	demux -> decode -> filter graph -> libx264 -> mux (MP4, +faststart)
//	      \-> AAC packets copied as they are ----/
//
// The filter graph does everything to the picture: it turns a sideways phone video
// upright (rotation metadata is applied, as players do), scales, crops, pads or
// blurs, and converts to yuv420p. Its description is built from integers render
// computes itself, so the output geometry never depends on a filter's own rounding:
// target sizes must be even, and odd ones are refused before any work starts.
//
// Work is skipped where it would change nothing. When source and target share the
// aspect ratio, the graph is a plain scale whatever the mode. When the size already
// matches, the video is H.264 yuv420p and is stored upright, the video stream is
// copied without decoding (a remux), which takes milliseconds instead of seconds.
// Audio is copied when it is AAC; anything else is decoded and re-encoded to AAC
// through an abuffer, aresample, aformat, asetnsamples=n=1024 graph (go-astiav
// v0.16.0 has no swresample binding, and AAC takes frames of exactly 1024 samples).
//
// # Threads
//
// libavcodec defaults to one thread per codec, the ffmpeg CLI to one per core.
// Render sets the thread count of the decoder, the filter graph and the encoder
// explicitly ([Options.Threads], 0 meaning one per core), so that it runs as fast
// as the CLI at the same settings.
//
// # Time bases
//
// Frames keep the input stream's timestamps from demuxer to encoder: the filter
// graph reads them in the stream's time base, the encoder's time base is the one the
// graph delivers, and packets are rescaled once, at the muxer, into the output
// stream's time base (which the MP4 muxer picks when the header is written). Since
// libx264 would otherwise write that fine time base into the stream's timing
// information, it runs with force-cfr, which takes timing information from the
// frame rate, as the CLI's output has it; timestamps still pass through unchanged.
// Each encoded video packet is given one frame's duration, so that the last frame
// counts towards the duration: output and input durations match.
//
// # Draining
//
// Decoder, filter graph and encoder each hold frames back (B-frame reordering,
// frame threads, x264's lookahead). At the end of input render drains all three, in
// that order, so every source frame reaches the output.
//
// # Output files
//
// Output goes to a hidden temporary file beside the destination and is renamed into
// place only when the trailer is written and the file closed. A failed or cancelled
// render removes the temporary file, so nothing partial ever appears at the
// destination. Writing to a path (not an io.Writer) is deliberate: the faststart
// step that moves the MP4 index to the front re-opens the file, which go-astiav
// v0.16.0's custom IO cannot do.
//
// # Cancellation and progress
//
// The context is checked before each packet is read and before each frame is
// encoded, so cancelling stops a render within one frame's work. Progress is
// reported at most ten times a second, in media time, and once at the end.
//
// # Blur
//
// ModeBlur places the fitted picture over a copy of itself that covers the frame
// and is blurred. The background is built at an eighth of the output size, blurred
// there with a small box blur and scaled up bilinearly: it looks the same as a large
// blur at full size, and costs a fraction of the CPU (measured with the CLI: a
// full-size blur made a vertical export about 50% dearer than fill; this one adds
// little).
//
// # Logging
//
// Options.Logger receives a line when a render finishes (Info) and its plan
// (Debug), plus libav's own warnings and errors. libav's log is process-wide;
// render routes each message to the logger of the job whose object logged it, and
// messages from objects libav creates internally go to the oldest running job.
// libav's level is set to warning and is never raised: go-astiav v0.16.0 formats
// messages into a fixed 1 KB buffer, which debug-level messages can overflow.
package render
