package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/pricing"
)

// Estimate is what an export would cost, as Quote and Start work it out.
type Estimate struct {
	// Video is the video to export.
	Video *Video
	// Request is the pricing request the quote was made from.
	Request pricing.Request
	// Quote is the itemised price on the service's rate card.
	Quote pricing.Quote
	// Charge is what Start would reserve: Quote.Total, or 0 for an API video when
	// Config.ChargeAPIVideos is false.
	Charge decimal.Decimal
}

// Quote runs Start's checks 1 to 5 on req for the space and returns the estimate, without
// creating a job or reserving credits. The balance (check 6) is not looked at: a quote
// answers "what would this cost", not "can I afford it now".
func (s *Service) Quote(ctx context.Context, spaceID string, req ExportRequest) (*Estimate, error) {
	return s.prepare(ctx, spaceID, &req)
}

// prepare runs Start's checks 1 to 5 and prices the request.
func (s *Service) prepare(ctx context.Context, spaceID string, req *ExportRequest) (*Estimate, error) {
	// Check the request on its own (1, 2).
	if strings.TrimSpace(req.VideoID) == "" {
		return nil, newError(ErrMissingVideoID, "video_id", "video_id is required")
	}
	card := s.cfg.RateCard
	if err := checkShape(card, req); err != nil {
		return nil, err
	}
	if err := s.checkWebhookTarget(req.WebhookURL); err != nil {
		return nil, err
	}

	// Load the space and the video (3).
	space, err := s.Space(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	video, err := s.Video(ctx, req.VideoID)
	switch {
	case errors.Is(err, ErrVideoNotFound):
		return nil, newError(ErrVideoNotFound, "video_id", "no video has id "+strconv.Quote(req.VideoID))
	case err != nil:
		return nil, err
	case video.SpaceID != spaceID:
		return nil, newError(ErrUnauthorizedVideo, "video_id", "the video does not belong to this space")
	case video.Status != VideoCompleted:
		return nil, newError(ErrVideoNotReady, "video_id",
			"the video is "+video.Status+"; only completed videos can be exported")
	}

	// Price it (4) and apply the caller's budget (5).
	est := &Estimate{Video: video, Request: pricingRequest(video, req, space.Plan)}
	if est.Quote, err = card.Quote(est.Request); err != nil {
		return nil, err
	}
	est.Charge = est.Quote.Total
	if video.Origin == OriginAPI && !s.cfg.chargeAPI() {
		est.Charge = decimal.Zero
	}
	if req.MaxCredits.Valid && est.Charge.GreaterThan(req.MaxCredits.Decimal) {
		return nil, newError(ErrBudgetExceeded, "max_credits", "the export costs "+
			est.Charge.String()+" credits, more than max_credits "+req.MaxCredits.Decimal.String())
	}
	return est, nil
}
