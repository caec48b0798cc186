package engine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookGuardRefusesBeforeConnecting(t *testing.T) {
	t.Parallel()

	// A receiver on loopback that counts what reaches it.
	var hits atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(hs.Close)
	port := hs.Listener.Addr().(*net.TCPAddr).Port

	// Without the flag, loopback (by address or by name) and 10.0.0.1 are refused by
	// the dialer's Control function, which runs before connect(2): no packet leaves.
	guarded := newWebhookClient(false, 2*time.Second)
	for _, target := range []string{hs.URL, "http://localhost:" + strconv.Itoa(port) + "/",
		"http://10.0.0.1/hook"} {
		resp, err := guarded.Get(target)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: delivered, want refused", target)
			continue
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", target, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the receiver got %d requests through the guard", n)
	}

	// With it, loopback is reached.
	open := newWebhookClient(true, 2*time.Second)
	resp, err := open.Get(hs.URL)
	if err != nil {
		t.Fatalf("with AllowPrivateWebhooks: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", hits.Load())
	}
}

func TestIsPublic(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::1111": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.100.100.200": false, "0.0.0.0": false, "::": false,
		"::1": false, "fe80::1": false, "fd00:ec2::254": false, "224.0.0.1": false,
		"::ffff:127.0.0.1": false, "64:ff9b::a00:1": false, "255.255.255.255": false,
	} {
		if got := isPublic(netip.MustParseAddr(addr)); got != want {
			t.Errorf("isPublic(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		followed.Store(true)
	}))
	t.Cleanup(target.Close)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirect.Close)

	s, _ := setup(t, "", func(c *Config) { c.AllowPrivateWebhooks = true })
	code, err := s.sendWebhook(context.Background(), redirect.URL, "msg_1", newWebhookSecret(),
		[]byte(`{}`), time.Now())
	if err == nil || code != http.StatusFound || followed.Load() {
		t.Errorf("redirect: code %d, err %v, followed %v; want 302 as a failure, not followed",
			code, err, followed.Load())
	}
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	secret := newWebhookSecret()
	at := time.Unix(1_700_000_000, 0)
	body := []byte(`{"type":"export.completed"}`)
	signed := func(secret, id string, ts time.Time, body []byte) http.Header {
		h := http.Header{}
		unix := strconv.FormatInt(ts.Unix(), 10)
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderWebhookTimestamp, unix)
		h.Set(HeaderWebhookSignature, "v1,"+signWebhook(secretKey(secret), id, unix, body))
		return h
	}
	good := signed(secret, "msg_1", at, body)
	if err := verifyWebhookAt(secret, good, body, at.Add(time.Minute)); err != nil {
		t.Errorf("valid delivery: %v", err)
	}

	// Several signatures, one valid (a rotation in progress), pass too.
	multi := good.Clone()
	multi.Set(HeaderWebhookSignature, "v1,AAAA "+good.Get(HeaderWebhookSignature))
	if err := verifyWebhookAt(secret, multi, body, at); err != nil {
		t.Errorf("several signatures: %v", err)
	}

	tampered := good.Clone()
	tampered.Set(HeaderWebhookID, "msg_2")
	for name, c := range map[string]struct {
		secret string
		h      http.Header
		body   []byte
		at     time.Time
	}{
		"other secret": {newWebhookSecret(), good, body, at},
		"body changed": {secret, good, []byte(`{"type":"export.failed"}`), at},
		"id changed":   {secret, tampered, body, at},
		"too old":      {secret, good, body, at.Add(6 * time.Minute)},
		"no headers":   {secret, http.Header{}, body, at},
	} {
		if err := verifyWebhookAt(c.secret, c.h, c.body, c.at); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: %v, want ErrInvalidSignature", name, err)
		}
	}
}

func TestRotateWebhookSecret(t *testing.T) {
	t.Parallel()
	s, b := setup(t, "", nil)
	ctx := context.Background()
	first, err := s.RotateWebhookSecret(ctx, b.space)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.RotateWebhookSecret(ctx, b.space)
	if err != nil || second == first || len(secretKey(second)) != 32 {
		t.Errorf("rotations gave %q then %q (%v), want two different 32-byte secrets",
			first, second, err)
	}
	if _, err := s.RotateWebhookSecret(ctx, "spc_none"); !errors.Is(err, ErrSpaceNotFound) {
		t.Errorf("unknown space: %v", err)
	}
}

func TestBackoffSpreadsOverADay(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for attempt := 1; attempt < 12; attempt++ {
		d := backoff(40*time.Second, attempt)
		base := 40 * time.Second << (attempt - 1)
		if d < base*8/10 || d > base*12/10 {
			t.Errorf("attempt %d: %v, want within 20%% of %v", attempt, d, base)
		}
		total += d
	}
	if total < 18*time.Hour || total > 28*time.Hour {
		t.Errorf("12 attempts span %v, want about a day", total)
	}
}
