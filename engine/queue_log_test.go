package engine

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRiverLoggerKeepsOnlyWarnings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := riverLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.With("queue", "exports").Info("producer: job counts")
	log.Debug("chatter")
	log.WithGroup("river").Warn("job stuck", "id", 7)

	out := buf.String()
	if strings.Contains(out, "job counts") || strings.Contains(out, "chatter") {
		t.Errorf("River's Info and Debug records reached the log:\n%s", out)
	}
	if !strings.Contains(out, "job stuck") || !strings.Contains(out, "river.id=7") {
		t.Errorf("River's warning was lost or lost its group:\n%s", out)
	}
}
