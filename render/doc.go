// Package render probes videos and renders export MP4s in-process through libav.
package render
