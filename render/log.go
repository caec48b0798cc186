package render

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
)

// Log keys used by this package.
const (
	logKeyErr      = "err"
	logKeyOp       = "op"
	logKeySrc      = "src"
	logKeyDst      = "dst"
	logKeyWidth    = "width"
	logKeyHeight   = "height"
	logKeyMode     = "mode"
	logKeyPlan     = "plan"
	logKeyFrames   = "frames"
	logKeyElapsed  = "elapsed"
	logKeyLibav    = "libav"
	logKeyGraph    = "graph"
	logKeyRotation = "rotation"
)

// libavLog routes libav's process-wide log callback to the loggers of the jobs
// running at the time.
//
// NOTE: libav's level must never be raised above warning. go-astiav v0.16.0 formats
// every message that passes the level check into a fixed 1 KB C buffer, and debug
// messages can be longer than that. Warnings and errors are short.
var libavLog struct {
	once sync.Once
	mu   sync.Mutex

	// owners maps the address of a libav object (as libav prints it) to the job that
	// created it.
	owners map[string]*logSink

	// active lists running jobs in start order, for messages from objects libav
	// creates internally (codec thread copies, filters parsed from a string).
	active []*logSink
}

// logSink is one job's destination for libav messages.
type logSink struct {
	logger *slog.Logger
	keys   []string
}

// installLibavLog sets libav's log level to warning and installs the routing
// callback, once per process.
func installLibavLog() {
	libavLog.once.Do(func() {
		libavLog.owners = make(map[string]*logSink)
		astiav.SetLogLevel(astiav.LogLevelWarning)
		astiav.SetLogCallback(routeLibavLog)
	})
}

// newLogSink registers a job's logger for libav messages until release is called.
func newLogSink(logger *slog.Logger) *logSink {
	installLibavLog()
	s := &logSink{logger: logger}
	libavLog.mu.Lock()
	libavLog.active = append(libavLog.active, s)
	libavLog.mu.Unlock()
	return s
}

// own records that c was created by this sink's job, so its messages go to the
// job's logger.
func (s *logSink) own(c astiav.Classer) {
	key := classKey(c)
	if key == "" {
		return
	}
	libavLog.mu.Lock()
	libavLog.owners[key] = s
	libavLog.mu.Unlock()
	s.keys = append(s.keys, key)
}

// release unregisters the sink and every object it owns.
func (s *logSink) release() {
	libavLog.mu.Lock()
	defer libavLog.mu.Unlock()
	for _, k := range s.keys {
		if libavLog.owners[k] == s {
			delete(libavLog.owners, k)
		}
	}
	for i, a := range libavLog.active {
		if a == s {
			libavLog.active = append(libavLog.active[:i], libavLog.active[i+1:]...)
			break
		}
	}
}

// classKey returns the address part of a libav object's description, which libav
// formats as "name [class] @ 0x...".
func classKey(c astiav.Classer) string {
	if c == nil {
		return ""
	}
	cl := c.Class()
	if cl == nil {
		return ""
	}
	return addrOf(cl)
}

// addrOf extracts the address from a class description.
func addrOf(cl *astiav.Class) string {
	s := cl.String()
	if i := strings.LastIndex(s, "@ "); i >= 0 {
		return s[i+2:]
	}
	return ""
}

// routeLibavLog is libav's log callback. It runs on libav's threads.
func routeLibavLog(c astiav.Classer, level astiav.LogLevel, _, msg string) {
	// Find the owning job: the object itself, then its parents.
	var cl *astiav.Class
	if c != nil {
		cl = c.Class()
	}
	name := ""
	if cl != nil {
		name = cl.Name()
	}
	libavLog.mu.Lock()
	var sink *logSink
	for p, depth := cl, 0; p != nil && depth < 4 && sink == nil; p, depth = p.Parent(), depth+1 {
		sink = libavLog.owners[addrOf(p)]
	}

	// NOTE: an unowned message (from an object libav created internally) goes to
	// the oldest running job. With one job at a time, that is always right.
	if sink == nil && len(libavLog.active) > 0 {
		sink = libavLog.active[0]
	}
	libavLog.mu.Unlock()
	if sink == nil {
		return
	}

	// Map libav's level onto slog's.
	lvl := slog.LevelWarn
	if level <= astiav.LogLevelError {
		lvl = slog.LevelError
	}
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return
	}
	sink.logger.Log(context.Background(), lvl, msg, logKeyLibav, name)
}
