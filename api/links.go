package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The files of a completed job a download link can name.
const (
	fileVideo     = "video.mp4"
	fileThumbnail = "thumbnail.jpg"
)

// Links makes and checks signed, expiring download links of the form
//
//	BASE/downloads/JOB_ID/video.mp4?expires=UNIX&sig=SIGNATURE
//
// where SIGNATURE is the unpadded base64url HMAC-SHA256, under the secret, of
// "JOB_ID/FILE/UNIX". Anyone holding an unexpired link can download; nobody can make
// one without the secret, or change the job, file or expiry of one.
type Links struct {
	secret  []byte
	baseURL string
	ttl     time.Duration
	now     func() time.Time
}

// NewLinks returns a Links signing with secret (at least 32 bytes; keep it across
// restarts, or links made before one stop working) for the server at baseURL, such as
// "http://127.0.0.1:8080". Links expire after ttl; 0 defaults to 7 days.
func NewLinks(secret []byte, baseURL string, ttl time.Duration) (*Links, error) {
	if len(secret) < 32 {
		return nil, errors.New("api: the link secret must be at least 32 bytes")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("api: the base URL must be an absolute http or https URL")
	}
	if ttl == 0 {
		ttl = 7 * 24 * time.Hour
	}
	if ttl < 0 {
		return nil, errors.New("api: the link lifetime must be positive")
	}
	return &Links{secret: append([]byte(nil), secret...),
		baseURL: strings.TrimSuffix(baseURL, "/"), ttl: ttl, now: time.Now}, nil
}

// JobLinks returns fresh links to a completed job's MP4 and thumbnail. It has the
// signature of engine.Config.DownloadLinks.
func (l *Links) JobLinks(jobID string) (videoURL, thumbnailURL string) {
	exp := l.Expiry()
	return l.url(jobID, fileVideo, exp), l.url(jobID, fileThumbnail, exp)
}

// Expiry is when links made now expire.
func (l *Links) Expiry() time.Time { return l.now().Add(l.ttl).Truncate(time.Second) }

// url returns the signed link to a job's file expiring at exp.
func (l *Links) url(jobID, file string, exp time.Time) string {
	unix := strconv.FormatInt(exp.Unix(), 10)
	return l.baseURL + "/downloads/" + url.PathEscape(jobID) + "/" + file + "?expires=" + unix +
		"&sig=" + l.sign(jobID, file, unix)
}

func (l *Links) sign(jobID, file, unix string) string {
	mac := hmac.New(sha256.New, l.secret)
	mac.Write([]byte(jobID + "/" + file + "/" + unix))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Why a download link is refused.
var (
	errLinkInvalid = errors.New("the download link is invalid")
	errLinkExpired = errors.New("the download link has expired")
)

// check verifies a link's signature, then its expiry. The signature comes first so
// that a tampered expiry reads as tampering.
func (l *Links) check(jobID, file, unix, sig string) error {
	if unix == "" || sig == "" {
		return errLinkInvalid
	}
	if !hmac.Equal([]byte(sig), []byte(l.sign(jobID, file, unix))) {
		return errLinkInvalid
	}
	exp, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return errLinkInvalid
	}
	if !l.now().Before(time.Unix(exp, 0)) {
		return errLinkExpired
	}
	return nil
}
