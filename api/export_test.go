package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/internal/dbtest"
)

// receiver is a webhook endpoint on loopback that fails its first delivery with 500.
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	received chan struct{}
}

type delivery struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) (*receiver, string) {
	rc := &receiver{received: make(chan struct{}, 10)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{r.Header.Clone(), body})
		n := len(rc.got)
		rc.mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
		rc.received <- struct{}{}
	}))
	t.Cleanup(hs.Close)
	return rc, hs.URL + "/hooks/exportkit"
}

func TestExportEndToEnd(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, databaseURL string) {
		b := setup(t, options{databaseURL: databaseURL})
		rc, hook := newReceiver(t)
		key := b.space.APIKey

		// Start an export of the 90 s dashboard video: 3 blocks of 5 credits.
		body := fmt.Sprintf(`{"video_id": %q, "format": "square", "webhook_url": %q}`,
			b.videos["dashboard"].ID, hook)
		r := b.do(t, "POST", "/v1/export/start", key, body)
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		st := r.json(t)
		jobID, _ := st["job_id"].(string)
		if diff := cmp.Diff(map[string]any{"job_id": jobID, "status": "pending",
			"estimated_credits": "15"}, st); diff != "" || jobID == "" {
			t.Errorf("start response (-want +got):\n%s", diff)
		}

		// Poll it to completed.
		done := b.waitDone(t, key, jobID)
		if done["status"] != "completed" || done["progress"] != float64(100) ||
			done["error"] != nil {
			t.Fatalf("status = %v", done)
		}
		res := done["result"].(map[string]any)
		if res["cost"] != "5" || res["width"] != float64(1080) || res["height"] != float64(1080) ||
			res["duration"] != "30" {
			t.Errorf("result = %v, want cost 5 (30 s rendered: 1 block), 1080x1080", res)
		}

		// Download the MP4 whole, then a range of it, then the thumbnail.
		video := b.do(t, "GET", res["video_url"].(string), "", "")
		if video.status != http.StatusOK || !bytes.Equal(video.body, b.source) {
			t.Fatalf("download: %d, %d bytes, want 200 and the %d bytes rendered",
				video.status, len(video.body), len(b.source))
		}
		if got := video.header.Get("Content-Length"); got != strconv.Itoa(len(b.source)) {
			t.Errorf("Content-Length = %q, want %d", got, len(b.source))
		}
		if got := video.header.Get("Content-Type"); got != "video/mp4" {
			t.Errorf("Content-Type = %q, want video/mp4", got)
		}
		part := b.do(t, "GET", res["video_url"].(string), "", "", "Range", "bytes=1000-1999")
		if part.status != http.StatusPartialContent || !bytes.Equal(part.body, b.source[1000:2000]) {
			t.Errorf("range: %d, %d bytes, want 206 and bytes 1000-1999", part.status, len(part.body))
		}
		if got := part.header.Get("Content-Range"); got != fmt.Sprintf("bytes 1000-1999/%d", len(b.source)) {
			t.Errorf("Content-Range = %q", got)
		}
		thumb := b.do(t, "GET", res["thumbnail_url"].(string), "", "")
		if thumb.status != http.StatusOK || thumb.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("thumbnail: %d %q", thumb.status, thumb.header.Get("Content-Type"))
		}

		// The credits: 100 - 5 charged, nothing reserved.
		credits := b.do(t, "GET", "/v1/credits", key, "").json(t)
		if diff := cmp.Diff(map[string]any{"balance": "95", "reserved": "0"}, credits); diff != "" {
			t.Errorf("credits (-want +got):\n%s", diff)
		}

		// The webhook came twice, the first answered 500, both with the same id and a
		// valid signature, and both attempts are recorded.
		<-rc.received
		<-rc.received
		rc.mu.Lock()
		got := append([]delivery(nil), rc.got...)
		rc.mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("got %d deliveries, want 2", len(got))
		}
		id := got[0].header.Get("webhook-id")
		for i, d := range got {
			if err := engine.VerifyWebhook(b.space.WebhookSecret, d.header, d.body); err != nil {
				t.Errorf("delivery %d: %v", i, err)
			}
			if d.header.Get("webhook-id") != id || id == "" {
				t.Errorf("delivery %d: webhook-id %q, want %q on every attempt", i,
					d.header.Get("webhook-id"), id)
			}
		}
		if !strings.Contains(string(got[1].body), `"type":"export.completed"`) ||
			!strings.Contains(string(got[1].body), `"video_url":"`+b.url+`/downloads/`+jobID) {
			t.Errorf("webhook body = %s", got[1].body)
		}
		ds, err := b.eng.WebhookDeliveries(context.Background(), b.space.ID, jobID)
		if err != nil {
			t.Fatal(err)
		}
		waitDelivered(t, b, jobID, &ds)
		var codes []int
		for _, a := range ds[0].Attempts {
			codes = append(codes, a.StatusCode)
		}
		if diff := cmp.Diff([]int{500, 200}, codes); diff != "" || ds[0].ID != id {
			t.Errorf("recorded attempts of %s (-want +got):\n%s", ds[0].ID, diff)
		}
	})
}

// waitDelivered waits until the job's delivery is recorded as delivered.
func waitDelivered(t *testing.T, b *bundle, jobID string, ds *[]engine.WebhookDelivery) {
	t.Helper()
	for range 200 {
		var err error
		*ds, err = b.eng.WebhookDeliveries(context.Background(), b.space.ID, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if len(*ds) == 1 && (*ds)[0].Status == engine.DeliveryDelivered {
			return
		}
		waitABit()
	}
	t.Fatalf("delivery not recorded as delivered: %+v", *ds)
}
