package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/exportkit/exportkit/api"
	"github.com/exportkit/exportkit/engine"
	"github.com/exportkit/exportkit/render"
)

// dbFlags are the flags every command that opens the engine's database takes.
type dbFlags struct {
	data, database, output *string
}

func addDBFlags(fs *flag.FlagSet) dbFlags {
	return dbFlags{
		data:     fs.String("data", "exportkit-data", "data `directory` (SQLite database, storage)"),
		database: fs.String("database", "", "PostgreSQL `URL` (postgres://...); default SQLite in -data"),
		output:   fs.String("o", "text", "output `format`: text or json"),
	}
}

// open opens the engine on the database the flags name.
func (f dbFlags) open(ctx context.Context) (*engine.Service, error) {
	return engine.New(ctx, engine.Config{DataDir: *f.data, DatabaseURL: *f.database})
}

// closeService closes s, giving running exports a minute to finish.
func closeService(s *engine.Service) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = s.Close(ctx)
}

// runSpaces runs `exportkit spaces create`.
func runSpaces(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "spaces", "create -name NAME -plan P -credits N [-data DIR | -database URL] [-o json]")
	if len(args) > 0 && args[0] == "rotate-webhook-secret" {
		return rotateWebhookSecret(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return usagef(fs, "the subcommands are create and rotate-webhook-secret")
	}
	db := addDBFlags(fs)
	name := fs.String("name", "", "space `name`")
	plan := fs.String("plan", "free", "`plan` of the rate card")
	credits := fs.String("credits", "0", "opening credit `balance`")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	amount, err := parseCredits(fs, *credits)
	if err != nil {
		return err
	}

	// Create the space and print its secrets once.
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeService(s)
	ns, err := s.CreateSpace(ctx, *name, *plan, amount)
	if err != nil {
		return err
	}
	if *db.output == "json" {
		return writeJSON(env.Stdout, ns)
	}
	fmt.Fprintf(env.Stdout, "space %s\napi key %s\nwebhook secret %s\n(shown once)\n",
		ns.ID, ns.APIKey, ns.WebhookSecret)
	return nil
}

// parseCredits reads a -credits flag as a decimal; a malformed one is a usage error.
func parseCredits(fs *flag.FlagSet, credits string) (decimal.Decimal, error) {
	amount, err := decimal.NewFromString(credits)
	if err != nil {
		return decimal.Decimal{}, usagef(fs, "-credits must be a decimal number, not %q", credits)
	}
	return amount, nil
}

// runCredits runs `exportkit credits grant`.
func runCredits(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "credits", "grant -space S -credits N [-data DIR | -database URL] [-o json]")
	if len(args) == 0 || args[0] != "grant" {
		return usagef(fs, "the only subcommand is grant")
	}
	db := addDBFlags(fs)
	space := fs.String("space", "", "space `id`")
	credits := fs.String("credits", "", "credits to add")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	amount, err := parseCredits(fs, *credits)
	if err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeService(s)
	balance, err := s.GrantCredits(ctx, *space, amount)
	if err != nil {
		return err
	}
	if *db.output == "json" {
		return writeJSON(env.Stdout, map[string]any{"space_id": *space, "balance": balance})
	}
	fmt.Fprintf(env.Stdout, "balance %s\n", balance)
	return nil
}

// runVideos runs `exportkit videos add`: it probes the file for its duration and size
// and registers it.
func runVideos(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "videos", "add -space S -file F -origin api|dashboard "+
		"[-avatar-models m1,m2] [-avatar-seconds N] [-avatar-segments N] [-status completed]")
	if len(args) == 0 || args[0] != "add" {
		return usagef(fs, "the only subcommand is add")
	}
	db := addDBFlags(fs)
	space := fs.String("space", "", "space `id`")
	file := fs.String("file", "", "the video's MP4 `file`")
	origin := fs.String("origin", "", "how the video was made: api or dashboard")
	models := fs.String("avatar-models", "", "comma-separated avatar `models`; none: no avatar")
	seconds := fs.String("avatar-seconds", "", "seconds the avatar is visible (default: all)")
	segments := fs.Int("avatar-segments", 0, "generated avatar `segments` (default: derived)")
	status := fs.String("status", engine.VideoCompleted, "processing, completed or failed")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}

	// Probe the file.
	info, err := render.Probe(*file)
	if err != nil {
		return err
	}
	nv := engine.NewVideo{SpaceID: *space, Status: *status, Origin: *origin,
		Duration: decimal.New(int64(info.Duration), -9), Width: info.Width, Height: info.Height}
	if *models != "" {
		nv.Avatar = &engine.Avatar{Models: strings.Split(*models, ","), Segments: *segments}
		if *seconds != "" {
			d, err := decimal.NewFromString(*seconds)
			if err != nil {
				return usagef(fs, "-avatar-seconds must be a decimal number, not %q", *seconds)
			}
			nv.Avatar.VisibleSeconds = decimal.NewNullDecimal(d)
		}
	}

	// Register it with a copy of the file.
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	nv.Source = f
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeService(s)
	v, err := s.AddVideo(ctx, nv)
	if err != nil {
		return err
	}
	if *db.output == "json" {
		return writeJSON(env.Stdout, map[string]any{"id": v.ID, "duration": v.Duration,
			"width": v.Width, "height": v.Height})
	}
	fmt.Fprintln(env.Stdout, v.ID)
	return nil
}

// runJobs runs `exportkit jobs list`.
func runJobs(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "jobs", "list [-space S] [-limit N] [-data DIR | -database URL] [-o json]")
	if len(args) == 0 || args[0] != "list" {
		return usagef(fs, "the only subcommand is list")
	}
	db := addDBFlags(fs)
	space := fs.String("space", "", "only this space's jobs")
	limit := fs.Int("limit", 50, "at most `N` jobs, newest first (0: all)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeService(s)
	jobs, err := s.ListJobs(ctx, *space, *limit)
	if err != nil {
		return err
	}
	if *db.output == "json" {
		if jobs == nil {
			jobs = []*engine.Job{}
		}
		return writeJSON(env.Stdout, map[string]any{"jobs": jobs})
	}
	for _, j := range jobs {
		fmt.Fprintf(env.Stdout, "%s  %-10s %3d%%  %-9s %s\n", j.ID, j.Status, j.Progress,
			j.CurrentStep, j.CreatedAt.Format(time.RFC3339))
	}
	return nil
}

// runWorker runs `exportkit worker`: it works exports until interrupted.
func runWorker(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "worker", "[-workers N] [-public-url URL] [-data DIR | -database URL]")
	db := addDBFlags(fs)
	workers := fs.Int("workers", 1, "exports rendered at once")
	publicURL := fs.String("public-url", "http://127.0.0.1:8080", "`URL` of the exportkit "+
		"serve that answers download links; webhooks of finished exports link there")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	// Sign download links as serve does, so a webhook carries working links whichever
	// process rendered the export. Processes sharing PostgreSQL must share the secret
	// through EXPORTKIT_LINK_SECRET.
	secret, err := linkSecret(*db.data)
	if err != nil {
		return err
	}
	links, err := api.NewLinks(secret, *publicURL, 0)
	if err != nil {
		return usagef(fs, "-public-url: %v", err)
	}
	s, err := engine.New(ctx, engine.Config{DataDir: *db.data, DatabaseURL: *db.database,
		Workers: *workers, DownloadLinks: links.JobLinks})
	if err != nil {
		return err
	}
	defer closeService(s)
	// As in serve: the signal stops the worker through the deferred close, which lets
	// running exports finish, instead of cancelling them through River's context.
	if err := s.StartWorkers(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, "exportkit worker: running; interrupt to stop")
	<-ctx.Done()
	return nil
}

// rotateWebhookSecret runs `exportkit spaces rotate-webhook-secret`: it gives the space
// a new webhook secret and prints it once.
func rotateWebhookSecret(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "spaces", "rotate-webhook-secret -space S [-data DIR | -database URL]")
	db := addDBFlags(fs)
	space := fs.String("space", "", "space `id`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeService(s)
	secret, err := s.RotateWebhookSecret(ctx, *space)
	if err != nil {
		return err
	}
	if *db.output == "json" {
		return writeJSON(env.Stdout, map[string]any{"space_id": *space, "webhook_secret": secret})
	}
	fmt.Fprintf(env.Stdout, "webhook secret %s\n(shown once)\n", secret)
	return nil
}
