// Package site builds and serves the browser calculator: the pricing core compiled to
// WebAssembly (the main package one directory up), the Go loader wasm_exec.js, and the
// static page in wasm/web.
//
// Build is the one recipe behind `make wasm`, the browser and Node tests and the demo
// server, so all of them run the same module. Handler serves a built directory the way
// a production server should: .wasm as application/wasm (which streaming compilation
// requires) and pre-compressed .br or .gz copies when the browser accepts them.
package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// WasmPackage is the import path of the WebAssembly main package.
const WasmPackage = "github.com/exportkit/exportkit/wasm"

// Options says what Build makes.
type Options struct {
	// Dir is the output directory; it is created if missing. Required.
	Dir string
	// Static is a directory of page files (html, js, css) to copy into Dir, or "" when
	// Dir already holds them (as wasm/web does). Defaults to "".
	Static string
	// GCFlags is passed to go build as -gcflags, e.g. "all=-l" to trade speed for size.
	// Defaults to "" (the compiler's defaults).
	GCFlags string
	// Version is stamped into the module as its version string. Defaults to "devel".
	Version string
	// Compress writes exportkit.wasm.gz, exportkit.wasm.br and the same for wasm_exec.js
	// beside the originals. Brotli needs the brotli command (Debian package brotli).
	// Defaults to false.
	Compress bool
}

// Sizes are a built module's sizes in bytes. Gzip and Brotli are 0 when not compressed.
type Sizes struct {
	Raw, Gzip, Brotli int64
}

// String formats the sizes for people: "raw 3,712,595 B, gzip 1,053,680 B, brotli
// 787,721 B", leaving out the compressed sizes when there are none.
func (s Sizes) String() string {
	out := "raw " + thousands(s.Raw) + " B"
	if s.Gzip > 0 {
		out += ", gzip " + thousands(s.Gzip) + " B, brotli " + thousands(s.Brotli) + " B"
	}
	return out
}

// Build compiles the module into opts.Dir as exportkit.wasm, copies wasm_exec.js from the
// same toolchain's GOROOT/lib/wasm (the two must match), copies the page files, and
// compresses when asked. It returns the module's sizes.
func Build(ctx context.Context, opts Options) (Sizes, error) {
	var sizes Sizes
	if opts.Dir == "" {
		return sizes, errors.New("site: Options.Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return sizes, err
	}

	// Compile for GOOS=js with the build flags the issue fixes.
	version := opts.Version
	if version == "" {
		version = "devel"
	}
	wasmPath := filepath.Join(opts.Dir, "exportkit.wasm")
	args := []string{"build", "-trimpath", "-ldflags=-s -w -X main.version=" + version}
	if opts.GCFlags != "" {
		args = append(args, "-gcflags="+opts.GCFlags)
	}
	args = append(args, "-o", wasmPath, WasmPackage)
	if _, err := goCommand(ctx, []string{"GOOS=js", "GOARCH=wasm"}, args...); err != nil {
		return sizes, err
	}

	// Copy the loader from the toolchain that built the module.
	goroot, err := goCommand(ctx, nil, "env", "GOROOT")
	if err != nil {
		return sizes, err
	}
	execJS := filepath.Join(opts.Dir, "wasm_exec.js")
	if err := copyFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), execJS); err != nil {
		return sizes, err
	}

	// Copy the page.
	if opts.Static != "" {
		if err := copyPage(opts.Static, opts.Dir); err != nil {
			return sizes, err
		}
	}

	// Measure, compressing when asked.
	info, err := os.Stat(wasmPath)
	if err != nil {
		return sizes, err
	}
	sizes.Raw = info.Size()
	if !opts.Compress {
		return sizes, nil
	}
	for _, path := range []string{wasmPath, execJS} {
		gz, err := gzipFile(path)
		if err != nil {
			return sizes, err
		}
		br, err := brotliFile(ctx, path)
		if err != nil {
			return sizes, err
		}
		if path == wasmPath {
			sizes.Gzip, sizes.Brotli = gz, br
		}
	}
	return sizes, nil
}

// goCommand runs the go command with extra environment and returns its trimmed stdout.
func goCommand(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// pageFiles are the file types copyPage copies: the page's own sources.
var pageFiles = []string{".html", ".js", ".css"}

// copyPage copies the page's html, js and css files from src to dst, skipping build
// outputs that may sit beside them (wasm_exec.js is always copied from the toolchain).
func copyPage(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "wasm_exec.js" || !hasSuffix(name, pageFiles) {
			continue
		}
		if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			return err
		}
	}
	return nil
}

func hasSuffix(name string, suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// gzipFile writes path.gz at the best compression and returns its size.
func gzipFile(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	if _, err := zw.Write(data); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(buf.Len()), os.WriteFile(path+".gz", buf.Bytes(), 0o644)
}

// brotliFile writes path.br with the brotli command at quality 11 and returns its size.
func brotliFile(ctx context.Context, path string) (int64, error) {
	cmd := exec.CommandContext(ctx, "brotli", "--force", "--quality=11", "--output="+path+".br", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("brotli (Debian package brotli): %w\n%s", err, out)
	}
	info, err := os.Stat(path + ".br")
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Handler serves the built site in fsys: os.DirFS of a directory, or the page embedded in
// package wasm/web. For a file f it sends f.br or f.gz instead when one exists and the
// request's Accept-Encoding allows it, with the Content-Type of f; .wasm files are
// application/wasm and .js files text/javascript either way.
func Handler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Set the type from the original name, before any encoding is chosen.
		name := path.Clean("/" + r.URL.Path)
		switch filepath.Ext(name) {
		case ".wasm":
			w.Header().Set("Content-Type", "application/wasm")
		case ".js", ".mjs":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		w.Header().Add("Vary", "Accept-Encoding")

		// Prefer a pre-compressed copy the client accepts.
		accept := r.Header.Get("Accept-Encoding")
		for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !accepts(accept, enc.token) {
				continue
			}
			f, err := fsys.Open(strings.TrimPrefix(name, "/") + enc.ext)
			if err != nil {
				continue
			}
			defer f.Close()
			info, err := f.Stat()
			content, seekable := f.(io.ReadSeeker) // true of os.DirFS and embed.FS files
			if err != nil || info.IsDir() || !seekable {
				continue
			}
			w.Header().Set("Content-Encoding", enc.token)
			http.ServeContent(w, r, name, info.ModTime(), content)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// accepts reports whether an Accept-Encoding header lists token (with any q but 0).
func accepts(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), token) {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}
