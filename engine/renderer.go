package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Renderer produces the exported MP4 and its JPEG thumbnail. The engine calls it from
// a worker, one export at a time per worker slot. ProcessRenderer, the default, runs
// every render in a child process; tests substitute their own.
type Renderer interface {
	// Render writes the export of job.Input to job.Output and a JPEG still of it to
	// job.Thumbnail, reporting progress as it goes. progress may be called from
	// another goroutine, never concurrently.
	Render(ctx context.Context, job RenderJob, progress func(Progress)) (RenderResult, error)
}

// RenderJob is one render: the source file, the destinations and the frame size.
type RenderJob struct {
	Input     string // source MP4
	Output    string // the MP4 to write
	Thumbnail string // the JPEG to write
	// KeepSize asks for the source's own size (the request named no format). Width and
	// Height then give the source's size as registered; the renderer may round an odd
	// side down to even, which H.264 with 4:2:0 chroma requires.
	KeepSize bool
	Width    int // output width in pixels
	Height   int // output height in pixels
}

// Progress is how far a render has come, in seconds of media.
type Progress struct {
	Done  decimal.Decimal
	Total decimal.Decimal
}

// RenderResult describes a finished render.
type RenderResult struct {
	Width     int
	Height    int
	Duration  decimal.Decimal // seconds, as rendered; settlement prices this
	Frames    int64
	Bytes     int64
	Reencoded bool
}

// ProcessRenderer runs `exportkit render -o json -progress-json -thumbnail FILE` as a
// child process, so that a crash inside libav (a
// hostile file can trigger one) fails one export with ENCODING_FAILED and never takes
// the service down. The child's progress streams back as JSON lines on its stderr; its
// result is one JSON object on stdout. A child still running after Timeout is killed.
type ProcessRenderer struct {
	// Path is the executable to run. Defaults to the current executable.
	Path string
	// Prefix is inserted before the subcommand name, for executables that need
	// arguments of their own (a test binary re-executing itself). Defaults to none.
	Prefix []string
	// Env is added to the child's environment. Defaults to none.
	Env []string
	// Timeout bounds one child process. Defaults to 30 minutes.
	Timeout time.Duration
}

// stderrKeep bounds how much of a child's non-progress stderr is kept for the error.
const stderrKeep = 4 << 10

// Render runs the render child and parses its progress and result.
func (r *ProcessRenderer) Render(ctx context.Context, job RenderJob,
	progress func(Progress)) (RenderResult, error) {
	args := []string{"render", "-o", "json", "-progress-json", "-thumbnail", job.Thumbnail}
	if !job.KeepSize {
		args = append(args, "-format", "custom",
			"-width", strconv.Itoa(job.Width), "-height", strconv.Itoa(job.Height))
	}
	args = append(args, job.Input, job.Output)
	var res RenderResult
	out, err := r.run(ctx, args, progress)
	if err != nil {
		return res, err
	}

	// Parse the result object.
	var doc struct {
		Width     int         `json:"width"`
		Height    int         `json:"height"`
		Duration  jsonDecimal `json:"duration"`
		Frames    int64       `json:"frames"`
		Bytes     int64       `json:"bytes"`
		Reencoded bool        `json:"reencoded"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return res, jobFailure(ErrEncodingFailed, "the renderer returned an unreadable result",
			fmt.Errorf("parse render result %q: %w", clipBytes(out), err))
	}
	if !doc.Duration.Valid || doc.Width <= 0 || doc.Height <= 0 {
		return res, jobFailure(ErrEncodingFailed, "the renderer returned an incomplete result",
			fmt.Errorf("render result %q lacks duration or size", clipBytes(out)))
	}
	return RenderResult{Width: doc.Width, Height: doc.Height, Duration: doc.Duration.Decimal,
		Frames: doc.Frames, Bytes: doc.Bytes, Reencoded: doc.Reencoded}, nil
}

// run starts the child with args, streams its stderr progress to progress, and returns
// its stdout. Any way the child can fail is an ENCODING_FAILED error.
func (r *ProcessRenderer) run(ctx context.Context, args []string,
	progress func(Progress)) ([]byte, error) {
	// Build the command; CommandContext kills the child (SIGKILL) when ctx ends.
	path := r.Path
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, jobFailure(ErrEncodingFailed, "the renderer could not start", err)
		}
		path = exe
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(append([]string(nil), r.Prefix...), args...)...)
	cmd.Env = append(os.Environ(), r.Env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, jobFailure(ErrEncodingFailed, "the renderer could not start", err)
	}

	// Start it and read its stderr until it closes.
	if err := cmd.Start(); err != nil {
		return nil, jobFailure(ErrEncodingFailed, "the renderer could not start", err)
	}
	tail := readProgress(stderr, progress)
	err = cmd.Wait()

	// Classify the outcome.
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, jobFailure(ErrEncodingFailed, "the render ran past its time limit of "+
			timeout.String(), fmt.Errorf("%s killed after %s: %w", args[0], timeout, err))
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, jobFailure(ErrEncodingFailed, "the renderer failed on this video",
			fmt.Errorf("%s child: %w; stderr: %s", args[0], err, strings.TrimSpace(tail)))
	}
	return stdout.Bytes(), nil
}

// readProgress reads a child's stderr: JSON progress lines go to progress, anything
// else is kept (the last few KiB) and returned for the error message.
func readProgress(r io.Reader, progress func(Progress)) string {
	var tail []byte
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var p struct {
			Done  jsonDecimal `json:"done"`
			Total jsonDecimal `json:"total"`
		}
		if len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &p) == nil && p.Done.Valid {
			if progress != nil {
				progress(Progress{Done: p.Done.Decimal, Total: p.Total.Decimal})
			}
			continue
		}
		tail = append(append(tail, line...), '\n')
		if len(tail) > stderrKeep {
			tail = tail[len(tail)-stderrKeep:]
		}
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB stops the scanner; drain the rest
	return string(tail)
}

// jsonDecimal reads a decimal written as a JSON string ("1.5") or number (1.5).
type jsonDecimal struct{ decimal.NullDecimal }

// UnmarshalJSON implements json.Unmarshaler.
func (d *jsonDecimal) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" {
		return nil
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return errors.New("not a decimal: " + s)
	}
	d.NullDecimal = decimal.NewNullDecimal(v)
	return nil
}

func clipBytes(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
