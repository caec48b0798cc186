package render

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchChildEnv, when set in the environment, makes the test binary run one render
// described by its JSON value and exit, instead of running tests. The benchmark
// starts the package's render this way so that it is measured exactly like the
// ffmpeg CLI: as a child process, through its rusage (user + system CPU, peak RSS).
const benchChildEnv = "EXPORTKIT_RENDER_BENCH_CHILD"

// benchJob is one render for a child process. With Clip set, the child instead
// writes the benchmark's source clip of Seconds to Dst.
type benchJob struct {
	Src, Dst      string
	Width, Height int
	Mode          Mode
	Clip          bool
	Seconds       float64

	// Measure, if set, makes the child a measurer instead: it runs Measure (with
	// MeasureEnv added to the environment), waits, and prints the grandchild's
	// rusage as JSON. A fresh measurer is small, so the peak RSS the grandchild
	// inherits from it at fork time is negligible.
	Measure    []string
	MeasureEnv []string
}

// measured is what a measurer prints.
type measured struct {
	CPU    time.Duration
	MaxRSS int64 // bytes
}

func TestMain(m *testing.M) {
	if v := os.Getenv(benchChildEnv); v != "" {
		os.Exit(runBenchChild(v))
	}
	os.Exit(m.Run())
}

// runBenchChild renders the job encoded in v and returns the exit status.
func runBenchChild(v string) int {
	var j benchJob
	if err := json.Unmarshal([]byte(v), &j); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if len(j.Measure) > 0 {
		cmd := exec.Command(j.Measure[0], j.Measure[1:]...)
		cmd.Env = append(os.Environ(), j.MeasureEnv...)
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%v\n%s", err, out)
			return 1
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		json.NewEncoder(os.Stdout).Encode(measured{
			CPU:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
			MaxRSS: ru.Maxrss * 1024,
		})
		return 0
	}
	if j.Clip {
		c := clip{video: testsrc(1920, 1080, j.Seconds), audio: "aac", seconds: j.Seconds}
		if err := writeClip(j.Dst, c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	opts := Options{Width: j.Width, Height: j.Height, Mode: j.Mode}
	if _, err := Reframe(context.Background(), j.Src, j.Dst, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childCommand returns a command that runs job in a child test binary.
func childCommand(job benchJob) *exec.Cmd {
	v, err := json.Marshal(job)
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchChildEnv+"="+string(v))
	return cmd
}

// runChild runs job in a child test binary.
func runChild(b *testing.B, job benchJob) {
	b.Helper()
	if out, err := childCommand(job).CombinedOutput(); err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
}

// usage is the cost of one child process.
type usage struct {
	cpu  time.Duration // user + system
	rss  int64         // peak resident set, bytes
	wall time.Duration
}

// runMeasured runs argv (with env added) under a measurer child and returns its
// resource usage.
func runMeasured(b *testing.B, argv, env []string) usage {
	b.Helper()
	cmd := childCommand(benchJob{Measure: argv, MeasureEnv: env})
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v\n%s", argv[0], err, out)
	}
	var m measured
	if err := json.Unmarshal(out, &m); err != nil {
		b.Fatalf("measurer output %q: %v", out, err)
	}
	return usage{cpu: m.CPU, rss: m.MaxRSS, wall: wall}
}

// BenchmarkReframeVsCLI renders the same generated 1080p clip with this package
// and with the ffmpeg CLI at the same settings (libx264 veryfast, CRF 23, High,
// yuv420p, AAC copied, +faststart, the same filter graph), each in a child
// process, and reports CPU seconds and peak RSS of both and their ratios
// (package / CLI). Run it with:
//
//	go test ./render -run '^$' -bench ReframeVsCLI -benchtime 3x -timeout 60m
func BenchmarkReframeVsCLI(b *testing.B) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		b.Skip("ffmpeg CLI not installed; run make deps")
	}
	seconds := 4.0
	if s := os.Getenv("EXPORTKIT_BENCH_SECONDS"); s != "" {
		fmt.Sscanf(s, "%g", &seconds)
	}
	// Make the source in a child too. On Linux a child's peak RSS includes its
	// parent's at fork time, so the parent must stay small for the figures to mean
	// anything.
	src := filepath.Join(b.TempDir(), "src-1080p.mp4")
	runChild(b, benchJob{Dst: src, Clip: true, Seconds: seconds})
	in, err := openInput("bench", src, nil)
	if err != nil {
		b.Fatal(err)
	}
	info, par := in.info, in.pixelAspect()
	in.close()

	cases := []struct {
		format string
		w, h   int
		modes  []Mode
	}{
		{"vertical", 1080, 1920, []Mode{ModeFill, ModeFit, ModeBlur}},
		{"ads", 1080, 1350, []Mode{ModeFill, ModeFit, ModeBlur}},
		{"square", 1080, 1080, []Mode{ModeFill, ModeFit, ModeBlur}},
		{"horizontal", 1920, 1080, []Mode{ModeFill}},
	}
	for _, c := range cases {
		for _, mode := range c.modes {
			b.Run(c.format+"/"+string(mode), func(b *testing.B) {
				opts := Options{Width: c.w, Height: c.h, Mode: mode}
				lay := newLayout(info, par.Num(), par.Den(), c.w, c.h, opts.withDefaults())
				benchPair(b, ffmpeg, src, lay, opts)
			})
		}
	}
}

// benchPair alternates package and CLI renders b.N times each and reports both.
func benchPair(b *testing.B, ffmpeg, src string, lay layout, opts Options) {
	dir := b.TempDir()
	job := benchJob{Src: src, Dst: filepath.Join(dir, "go.mp4"), Width: opts.Width,
		Height: opts.Height, Mode: opts.Mode}

	// The CLI gets the graph the package builds (a remux becomes a stream copy).
	cliArgs := []string{"-nostdin", "-v", "error", "-y", "-i", src}
	if lay.plan == planRemux {
		cliArgs = append(cliArgs, "-map", "0:v", "-map", "0:a", "-c:v", "copy")
	} else {
		graph := strings.Replace(lay.filter, "[in]", "[0:v]", 1)
		cliArgs = append(cliArgs, "-filter_complex", graph, "-map", "[out]", "-map", "0:a",
			"-c:v", "libx264", "-preset", DefaultPreset, "-crf", fmt.Sprint(DefaultCRF),
			"-profile:v", "high", "-pix_fmt", "yuv420p")
	}
	cliArgs = append(cliArgs, "-c:a", "copy", "-movflags", "+faststart",
		filepath.Join(dir, "cli.mp4"))

	var goU, cliU usage
	jobJSON, err := json.Marshal(job)
	if err != nil {
		b.Fatal(err)
	}
	goArgv, goEnv := []string{os.Args[0]}, []string{benchChildEnv + "=" + string(jobJSON)}
	cliArgv := append([]string{ffmpeg}, cliArgs...)
	b.ResetTimer()
	for range b.N {
		g := runMeasured(b, goArgv, goEnv)
		c := runMeasured(b, cliArgv, nil)
		goU.cpu, cliU.cpu = goU.cpu+g.cpu, cliU.cpu+c.cpu
		goU.wall, cliU.wall = goU.wall+g.wall, cliU.wall+c.wall
		goU.rss, cliU.rss = max(goU.rss, g.rss), max(cliU.rss, c.rss)
	}
	n := float64(b.N)
	b.ReportMetric(goU.cpu.Seconds()/n, "go-cpu-s")
	b.ReportMetric(cliU.cpu.Seconds()/n, "cli-cpu-s")
	b.ReportMetric(goU.cpu.Seconds()/cliU.cpu.Seconds(), "cpu-ratio")
	b.ReportMetric(float64(goU.rss)/(1<<20), "go-rss-MB")
	b.ReportMetric(float64(cliU.rss)/(1<<20), "cli-rss-MB")
	b.ReportMetric(float64(goU.rss)/float64(cliU.rss), "rss-ratio")
	b.ReportMetric(goU.wall.Seconds()/cliU.wall.Seconds(), "wall-ratio")
}
