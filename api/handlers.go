package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
)

// startResponse is the body of a successful start.
type startResponse struct {
	JobID            string           `json:"job_id"`
	Status           engine.JobStatus `json:"status"`
	EstimatedCredits decimal.Decimal  `json:"estimated_credits"`
}

// handleStart starts an export: POST /v1/export/start.
func (s *Server) handleStart(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	// Decode and start.
	req, err := decodeExport(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	began := time.Now().UTC().Truncate(time.Microsecond)
	job, err := s.eng.Start(r.Context(), space.ID, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	// A retry under the same Idempotency-Key gets the first start's response again.
	if req.IdempotencyKey != "" && job.CreatedAt.Before(began) {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/export/status/"+job.ID)
	writeJSON(w, http.StatusCreated, startResponse{JobID: job.ID, Status: engine.JobPending,
		EstimatedCredits: job.EstimatedCost})
}

// quoteResponse is the body of a quote: the charge Start would reserve and the
// itemised quote it comes from, in pricing's JSON form.
type quoteResponse struct {
	EstimatedCredits decimal.Decimal `json:"estimated_credits"`
	Quote            json.RawMessage `json:"quote"`
}

// handleQuote prices an export without starting it: POST /v1/export/quote.
func (s *Server) handleQuote(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	req, err := decodeExport(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	est, err := s.eng.Quote(r.Context(), space.ID, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	quote, err := est.Quote.MarshalJSON()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, quoteResponse{EstimatedCredits: est.Charge, Quote: quote})
}

// statusResponse is the body of a status read.
type statusResponse struct {
	JobID       string           `json:"job_id"`
	Status      engine.JobStatus `json:"status"`
	Progress    int              `json:"progress"`
	CurrentStep string           `json:"current_step"`
	Result      *resultBody      `json:"result"`
	Error       *engine.JobError `json:"error"`
}

// resultBody is a completed job's result with fresh download links.
type resultBody struct {
	VideoURL     string          `json:"video_url"`
	ThumbnailURL string          `json:"thumbnail_url"`
	LinksExpire  time.Time       `json:"links_expire_at"`
	Cost         decimal.Decimal `json:"cost"`
	Width        int             `json:"width"`
	Height       int             `json:"height"`
	Duration     decimal.Decimal `json:"duration"`
	Size         int64           `json:"size"`
	CreatedAt    time.Time       `json:"created_at"`
}

// handleStatus reports a job: GET /v1/export/status/{job_id}. Every read signs new
// download links.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	// Find the job, and refuse another space's.
	job, err := s.eng.JobByID(r.Context(), r.PathValue("job_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if job.SpaceID != space.ID {
		s.writeError(w, r, apiError(ErrUnauthorizedJob, "job_id",
			"the export job does not belong to this space"))
		return
	}

	// Describe it.
	resp := statusResponse{JobID: job.ID, Status: job.Status, Progress: job.Progress,
		CurrentStep: job.CurrentStep, Error: job.Error}
	if res := job.Result; res != nil {
		video, thumb := s.links.JobLinks(job.ID)
		resp.Result = &resultBody{VideoURL: video, ThumbnailURL: thumb,
			LinksExpire: s.links.Expiry().UTC(), Cost: res.Cost, Width: res.Width,
			Height: res.Height, Duration: res.Duration, Size: res.Bytes, CreatedAt: res.CreatedAt}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// creditsResponse is the body of GET /v1/credits.
type creditsResponse struct {
	Balance  decimal.Decimal `json:"balance"`
	Reserved decimal.Decimal `json:"reserved"`
}

// handleCredits reports the space's credits: GET /v1/credits.
func (s *Server) handleCredits(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	balance, reserved, err := s.eng.Credits(r.Context(), space.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, creditsResponse{Balance: balance, Reserved: reserved})
}

// videoBody is a video as the API shows it: without its storage key or space.
type videoBody struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	Origin    string          `json:"origin"`
	Duration  decimal.Decimal `json:"duration"`
	Width     int             `json:"width"`
	Height    int             `json:"height"`
	Avatar    *engine.Avatar  `json:"avatar"`
	CreatedAt time.Time       `json:"created_at"`
}

func newVideoBody(v *engine.Video) videoBody {
	return videoBody{ID: v.ID, Status: v.Status, Origin: v.Origin, Duration: v.Duration,
		Width: v.Width, Height: v.Height, Avatar: v.Avatar, CreatedAt: v.CreatedAt}
}

// maxVideos is the most videos GET /v1/videos lists.
const maxVideos = 500

// handleVideos lists the space's videos, newest first: GET /v1/videos.
func (s *Server) handleVideos(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	videos, err := s.eng.ListVideos(r.Context(), space.ID, maxVideos)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]videoBody, 0, len(videos))
	for _, v := range videos {
		out = append(out, newVideoBody(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"videos": out})
}

// handleVideo shows one video of the space: GET /v1/videos/{id}.
func (s *Server) handleVideo(w http.ResponseWriter, r *http.Request, space *engine.Space) {
	v, err := s.eng.Video(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v.SpaceID != space.ID {
		s.writeError(w, r, apiError(engine.ErrUnauthorizedVideo, "id",
			"the video does not belong to this space"))
		return
	}
	writeJSON(w, http.StatusOK, newVideoBody(v))
}

// handleDownload serves a completed job's MP4 or thumbnail through a signed link:
// GET /downloads/{job_id}/{file}?expires=...&sig=...
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	// Check the link before touching the database.
	jobID, file := r.PathValue("job_id"), r.PathValue("file")
	q := r.URL.Query()
	switch err := s.links.check(jobID, file, q.Get("expires"), q.Get("sig")); {
	case errors.Is(err, errLinkExpired):
		s.writeError(w, r, apiError(ErrLinkExpired, "", "the download link has expired; "+
			"read the job's status for a new one"))
		return
	case err != nil:
		s.writeError(w, r, apiError(ErrLinkInvalid, "", "the download link is not valid"))
		return
	}

	// Find the file: only links made by this server get here, so the job existed.
	job, err := s.eng.JobByID(r.Context(), jobID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if job.Result == nil {
		s.writeError(w, r, apiError(engine.ErrJobNotFound, "job_id", "the export job has no "+
			"result to download"))
		return
	}
	key, ctype := job.Result.VideoKey, "video/mp4"
	if file == fileThumbnail {
		key, ctype = job.Result.ThumbnailKey, "image/jpeg"
	}
	blob, err := s.eng.OpenBlob(r.Context(), key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer blob.Close()

	// Serve it with ranges when the storage can seek, as files can.
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Disposition", `inline; filename="`+job.ID+"-"+file+`"`)
	if rs, ok := blob.(io.ReadSeeker); ok {
		http.ServeContent(w, r, file, job.Result.CreatedAt, rs)
		return
	}
	if file == fileVideo && job.Result.Bytes > 0 {
		h.Set("Content-Length", strconv.FormatInt(job.Result.Bytes, 10))
	}
	_, _ = io.Copy(w, blob)
}

// handleOpenAPI serves the OpenAPI document: GET /openapi.json.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

// handleHealth reports that the server is up: GET /healthz.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	// A server whose database does not answer cannot start or track exports.
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.eng.Ping(ctx); err != nil {
		s.log.Warn("api: health check failed", logKeyError, err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func itoa(n int) string { return strconv.Itoa(n) }
