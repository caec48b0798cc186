// Command exportkit prices, probes and renders video exports and serves the export API.
//
// Every subcommand is a function of the form
//
//	func(ctx context.Context, env *Env, args []string) error
//
// listed in the commands table below. main stays thin: it calls Run, which tests call
// directly with their own arguments and streams.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitCode(err))
}

// Env holds the standard streams a subcommand reads and writes.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// command is one subcommand: its name, a one-line summary for `exportkit help`, and the
// function that runs it with the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands lists every subcommand in the order `exportkit help` shows them.
var commands = []command{
	{"quote", "price an export request (JSON) against a rate card", runQuote},
	{"ratecard", "print a rate card with its content hash", runRateCard},
	{"probe", "describe a video file (duration, size, rotation, codecs)", runProbe},
	{"render", "render a video as an export MP4 in a given format", runRender},
	{"spaces", "create a space, or rotate its webhook secret (spaces create|rotate-webhook-secret)", runSpaces},
	{"credits", "grant credits to a space (credits grant)", runCredits},
	{"videos", "register a video (videos add)", runVideos},
	{"jobs", "list export jobs (jobs list)", runJobs},
	{"worker", "run export workers until interrupted", runWorker},
	{"serve", "serve the HTTP API, webhooks and calculator, with workers", runServe},
}

// Exit codes. A usage error (bad flag, missing argument) exits 2; any other failure,
// including a coded rule error such as INVALID_FORMAT, exits 1.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// ExitCode maps the error returned by Run to the process exit status.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(*usageError)):
		return exitUsage
	default:
		return exitFailure
	}
}

// usageError marks a mistake in how the command was called. Its message has already been
// printed with the usage text when Run returns it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// reported marks an error whose explanation a subcommand has already written (for example
// as error JSON on stdout), so Run must not print it again.
type reported struct{ err error }

func (e reported) Error() string { return e.err.Error() }
func (e reported) Unwrap() error { return e.err }

// Run runs the exportkit command line with args (without the program name) and the given
// streams, and returns the error that decides the exit status (see ExitCode).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}

	// With no subcommand, or with help, print the command list.
	if len(args) == 0 {
		printHelp(stderr)
		return &usageError{"no command given"}
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		if len(rest) > 0 {
			// `exportkit help quote` is `exportkit quote -h`.
			return Run(ctx, []string{rest[0], "-h"}, stdin, stdout, stderr)
		}
		printHelp(stdout)
		return nil
	}

	// Find and run the subcommand; print its error unless it did so itself.
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, env, rest)
		var done reported
		if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.As(err, &done) &&
			!errors.As(err, new(*usageError)) {
			fmt.Fprintf(stderr, "exportkit %s: %v\n", name, err)
		}
		return err
	}
	fmt.Fprintf(stderr, "exportkit: unknown command %q\n\n", name)
	printHelp(stderr)
	return &usageError{"unknown command " + name}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "Usage: exportkit <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'exportkit <command> -h' for the flags of one command.")
}

// newFlagSet returns a flag set for a subcommand that reports errors instead of exiting,
// with a usage line shown by -h and on a bad flag.
func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("exportkit "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: exportkit %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs and turns a flag mistake into a usageError (exit 2).
// -h yields flag.ErrHelp (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{err.Error()}
}

// usagef reports a usage mistake found after flag parsing, printing the usage text.
func usagef(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), msg)
	fs.Usage()
	return &usageError{msg}
}
