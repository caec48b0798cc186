// Package web holds the calculator page, embedded so that `exportkit serve` can serve it
// from any directory: index.html, calc.js, calc.css and exportkit.js, plus the module
// (exportkit.wasm) and the Go loader (wasm_exec.js) with their .br and .gz copies when
// `make wasm` has built them before the binary. A binary built without them still
// serves the page, which then reports that the module is missing.
package web

import "embed"

// Files is the page's directory as it was when the binary was built. It also holds this
// source file: an embed pattern must always match, and the module is optional.
//
//go:embed *
var Files embed.FS
