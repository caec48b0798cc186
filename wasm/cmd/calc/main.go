// Command calc builds and serves the browser export cost calculator.
//
//	go run ./wasm/cmd/calc build [-dir wasm/web] [-gcflags all=-l] [-version v1.2.3]
//	go run ./wasm/cmd/calc serve [-dir wasm/web] [-addr 127.0.0.1:8080]
//
// build compiles the pricing core to WebAssembly, copies the toolchain's wasm_exec.js,
// writes .gz and .br copies and prints the module's raw, gzip and brotli sizes. serve
// serves the built directory with those copies; it is what `make demo` runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/exportkit/exportkit/wasm/site"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "calc:", err)
		os.Exit(1)
	}
}

// run runs one subcommand.
func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: calc build|serve [flags]")
	}
	fs := flag.NewFlagSet("calc "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", "wasm/web", "the site directory")
	switch args[0] {
	case "build":
		gcflags := fs.String("gcflags", "", "go build -gcflags, e.g. all=-l (smaller, slower)")
		version := fs.String("version", "devel", "version string stamped into the module")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		sizes, err := site.Build(ctx, site.Options{Dir: *dir, GCFlags: *gcflags,
			Version: *version, Compress: true})
		if err != nil {
			return err
		}
		fmt.Printf("%s/exportkit.wasm: %s\n", *dir, sizes)
		return nil

	case "serve":
		addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if _, err := os.Stat(*dir + "/exportkit.wasm"); err != nil {
			return fmt.Errorf("%s has no exportkit.wasm: run make wasm first", *dir)
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: site.Handler(os.DirFS(*dir)), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		fmt.Printf("calculator: http://%s/\n", ln.Addr())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: want build or serve", args[0])
}
