package render

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

// exampleClip writes a one-second 320x180 clip with AAC audio into dir, standing in
// for a user's upload.
func exampleClip(dir string) string {
	src := filepath.Join(dir, "upload.mp4")
	c := clip{video: testsrc(320, 180, 1), audio: "aac", seconds: 1}
	if err := writeClip(src, c); err != nil {
		log.Fatal(err)
	}
	return src
}

func ExampleProbe() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := exampleClip(dir)

	info, err := Probe(src)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%dx%d, %v at %s fps, %s/%s\n", info.Width, info.Height, info.Duration,
		info.FrameRate, info.VideoCodec, info.AudioCodec)
	// Output: 320x180, 1s at 30/1 fps, h264/aac
}

func ExampleReframe() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := exampleClip(dir)

	// A vertical export: the 16:9 picture over a blurred copy of itself.
	opts := Options{Width: 180, Height: 320, Mode: ModeBlur}
	res, err := Reframe(context.Background(), src, filepath.Join(dir, "vertical.mp4"), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%dx%d, %d frames, %v, re-encoded: %v\n", res.Width, res.Height, res.Frames,
		res.Duration, res.Reencoded)

	// The source size again: nothing to re-encode, the streams are copied.
	res, err = Reframe(context.Background(), src, filepath.Join(dir, "same.mp4"), Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%dx%d, %d frames, re-encoded: %v\n", res.Width, res.Height, res.Frames,
		res.Reencoded)
	// Output:
	// 180x320, 30 frames, 1s, re-encoded: true
	// 320x180, 30 frames, re-encoded: false
}

func ExampleReframe_errors() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	notVideo := filepath.Join(dir, "notes.mp4")
	os.WriteFile(notVideo, []byte("not a video"), 0o644)

	_, err := Reframe(context.Background(), notVideo, filepath.Join(dir, "out.mp4"), Options{})
	var e *Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, "-", e.Message)
	}
	fmt.Println(errors.Is(err, ErrInvalidMedia))
	// Output:
	// INVALID_MEDIA - input is not a readable video file
	// true
}

func ExampleThumbnail() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := exampleClip(dir)

	jpg := filepath.Join(dir, "poster.jpg")
	err := Thumbnail(context.Background(), src, jpg, 500*time.Millisecond, ThumbnailOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fi, _ := os.Stat(jpg)
	fmt.Println(fi.Size() > 0)
	// Output: true
}
