package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/engine"
)

// Embedding the engine: open it on a data directory (SQLite), create a space with
// credits, register a finished video, and start an export. Start validates, reserves the
// quoted credits and enqueues the job in one transaction; StartWorkers would then render
// it in a child process.
func ExampleService_Start() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "exportkit-example-")
	defer os.RemoveAll(dir)

	svc, err := engine.New(ctx, engine.Config{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close(ctx)

	// A tenant with 20 credits and a 45 s dashboard video (its MP4 would be real).
	space, _ := svc.CreateSpace(ctx, "acme", "start", decimal.NewFromInt(20))
	video, err := svc.AddVideo(ctx, engine.NewVideo{SpaceID: space.ID,
		Origin: engine.OriginDashboard, Duration: decimal.NewFromInt(45),
		Width: 1920, Height: 1080, Source: strings.NewReader("an MP4")})
	if err != nil {
		fmt.Println(err)
		return
	}

	// 45 s is two blocks of 30 s at 5 credits: 10 credits are reserved.
	job, err := svc.Start(ctx, space.ID, engine.ExportRequest{VideoID: video.ID,
		Format: "vertical", IdempotencyKey: "req-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.Status, job.EstimatedCost)

	// A 4K export would cost 15, more than the 10 left.
	_, err = svc.Start(ctx, space.ID, engine.ExportRequest{VideoID: video.ID,
		Format: "custom", Width: 3840, Height: 2160})
	fmt.Println(errors.Is(err, engine.ErrInsufficientCredits))
	fmt.Println(err)
	// Output:
	// pending 10
	// true
	// INSUFFICIENT_CREDITS: requires 15 credits, 10 available
}
