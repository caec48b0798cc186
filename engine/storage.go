package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Storage keeps blobs: source videos, exported MP4s and their JPEG thumbnails. Keys are
// slash-separated relative paths such as "exports/job_x.mp4". Implementations must be
// safe for concurrent use. DirStorage is the default; an object store can implement
// the same three methods.
type Storage interface {
	// Put stores the content of r under key, replacing what was there. A failed Put
	// leaves no partial blob behind.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the blob stored under key; the caller closes it.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// LocalStorage is a Storage whose blobs are files the renderer can read in place. A
// worker renders straight from LocalPath instead of copying the source to a temporary
// file first.
type LocalStorage interface {
	Storage
	// LocalPath returns the file that holds key.
	LocalPath(key string) (string, error)
}

// DirStorage stores each blob as a file under a directory.
type DirStorage struct {
	// Dir is the root directory; it is created when needed.
	Dir string
}

// LocalPath returns the file that holds key, refusing keys that would leave Dir.
func (s DirStorage) LocalPath(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if key == "" || filepath.IsAbs(clean) || clean == ".." ||
		strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("storage key %q is not a relative path", key)
	}
	return filepath.Join(s.Dir, clean), nil
}

// Put writes r to a temporary file beside the blob and renames it into place, so a
// reader never sees half a blob.
func (s DirStorage) Put(ctx context.Context, key string, r io.Reader) error {
	// Prepare the directory and a temporary file.
	path, err := s.LocalPath(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed

	// Copy, flush and rename.
	_, err = io.Copy(f, r)
	err = errors.Join(err, ctx.Err(), f.Sync(), f.Close())
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Open opens the file that holds key.
func (s DirStorage) Open(_ context.Context, key string) (io.ReadCloser, error) {
	path, err := s.LocalPath(key)
	if err != nil {
		return nil, err
	}
	return os.Open(path)
}

// Delete removes the file that holds key.
func (s DirStorage) Delete(_ context.Context, key string) error {
	path, err := s.LocalPath(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
