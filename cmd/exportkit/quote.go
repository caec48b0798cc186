package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/exportkit/exportkit/pricing"
)

// runQuote implements `exportkit quote [-rate-card FILE] [-o text|json] [FILE]`.
func runQuote(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "quote", "[-rate-card FILE|NAME] [-o text|json] [REQUEST.json]\n\n"+
		"Prices an export request read from REQUEST.json, or from standard input.")
	cardFlag, output, err := parsePricingFlags(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef(fs, "want at most one request file, got %d arguments", fs.NArg())
	}

	// Load the card and the request.
	card, err := loadRateCard(*cardFlag)
	if err != nil {
		return err
	}
	body, err := readInput(env, fs.Arg(0))
	if err != nil {
		return err
	}

	// Price it; a rule error is part of the output, not a crash.
	req, err := pricing.DecodeRequest(body)
	var q pricing.Quote
	if err == nil {
		q, err = card.Quote(req)
	}
	if err != nil {
		return reportRuleError(env, *output, err)
	}
	if *output == "json" {
		return writeJSON(env.Stdout, q)
	}
	return writeQuoteText(env.Stdout, card, q)
}

// runRateCard implements `exportkit ratecard [-rate-card FILE|NAME] [-o text|json]`.
func runRateCard(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "ratecard", "[-rate-card FILE|NAME] [-o text|json]\n\n"+
		"Prints a rate card with its content hash. Quotes report the hash, so a stored\n"+
		"quote can be replayed with exactly the card that made it.")
	cardFlag, output, err := parsePricingFlags(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef(fs, "takes no arguments")
	}
	card, err := loadRateCard(*cardFlag)
	if err != nil {
		return err
	}

	// JSON: the hash beside the canonical card.
	canon, _ := card.MarshalJSON()
	if *output == "json" {
		return writeJSON(env.Stdout, struct {
			Hash string          `json:"hash"`
			Card json.RawMessage `json:"card"`
		}{card.Hash(), canon})
	}

	// Text: a summary of the rules.
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Rate card\t%s (effective %s)\n", card.ID(), card.Effective())
	fmt.Fprintf(w, "Hash\t%s\n", card.Hash())
	fmt.Fprintf(w, "\t%s\n\n", card.Description())
	for _, f := range card.Formats() {
		fmt.Fprintf(w, "format %s\t%dx%d\n", f.Name, f.Width, f.Height)
	}
	cs := card.Custom()
	fmt.Fprintf(w, "format custom\t%d to %d px a side, multiple of %d, default %dx%d\n\n",
		cs.MinSide, cs.MaxSide, cs.Multiple, cs.DefaultWidth, cs.DefaultHeight)
	for _, m := range card.Models() {
		price := "free"
		switch m.Billing {
		case pricing.BillingPerSecond:
			price = m.Rate.String() + " credits/s"
		case pricing.BillingPerSegment:
			price = m.Rate.String() + " credits/s in segments of " + m.SegmentSeconds.String() + " s"
		}
		plan := "any plan"
		if m.MinPlan != "" {
			plan = m.MinPlan + " plan or higher"
		}
		fmt.Fprintf(w, "model %s\t%s, %s\n", m.Name, price, plan)
	}
	return w.Flush()
}

// parsePricingFlags defines and parses the flags quote and ratecard share: -rate-card and
// -o. It returns their values.
func parsePricingFlags(fs *flag.FlagSet, args []string) (cardFlag, output *string, err error) {
	cardFlag = fs.String("rate-card", "", "rate card `file`, or a built-in card name "+
		"(default, hoox-observed); defaults to the built-in default card")
	output = fs.String("o", "text", "output `format`: text or json")
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	return cardFlag, output, checkOutput(fs, *output)
}

// checkOutput checks the -o flag.
func checkOutput(fs interface{ Name() string }, output string) error {
	if output != "text" && output != "json" {
		return &usageError{fmt.Sprintf("%s: -o must be text or json, not %q", fs.Name(), output)}
	}
	return nil
}

// loadRateCard returns the card a -rate-card flag names: "" for the default, a built-in
// card's name, or a file path.
func loadRateCard(nameOrPath string) (*pricing.RateCard, error) {
	if nameOrPath == "" {
		return pricing.DefaultRateCard(), nil
	}
	if _, err := os.Stat(nameOrPath); err != nil {
		if card, ok := pricing.BuiltinRateCard(nameOrPath); ok {
			return card, nil
		}
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("open rate card: %w (built-in cards: %v)", err,
			pricing.BuiltinRateCardNames())
	}
	defer f.Close()
	return pricing.ParseRateCard(f)
}

// readInput reads the named file, or standard input when name is "" or "-".
func readInput(env *Env, name string) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(env.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	return b, nil
}

// reportRuleError prints a pricing error as the error envelope (json) or as its code and
// message (text), and returns it marked as reported so Run exits 1 without repeating it.
func reportRuleError(env *Env, output string, err error) error {
	pe := pricing.AsError(err)
	if output == "json" {
		b, _ := pe.MarshalJSON()
		fmt.Fprintf(env.Stdout, "%s\n", indentJSON(b))
	} else {
		fmt.Fprintf(env.Stderr, "%s: %s\n", pe.Code, pe.Message)
	}
	return reported{pe}
}

// writeJSON prints v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", indentJSON(b))
	return err
}

func indentJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return b
	}
	return buf.Bytes()
}

// writeQuoteText prints a quote as a table of lines, the total, and the explanations.
func writeQuoteText(out io.Writer, card *pricing.RateCard, q pricing.Quote) error {
	// Header: the card and the export.
	format := q.Format
	if format == "" {
		format = "original size"
	}
	fmt.Fprintf(out, "Rate card  %s (%s)\n", card.ID(), q.RateCard.Hash)
	fmt.Fprintf(out, "Export     %s, %dx%d", format, q.Width, q.Height)
	if q.AvatarModel != "" {
		fmt.Fprintf(out, ", avatar model %s", q.AvatarModel)
	}
	fmt.Fprint(out, "\n\n")

	// The lines and the total: names left-aligned, numbers right-aligned.
	rows := [][]string{{"ITEM", "QUANTITY", "UNIT", "UNIT PRICE", "AMOUNT"}}
	for _, l := range q.Lines {
		rows = append(rows, []string{l.Item, l.Quantity.String(), l.Unit, l.UnitPrice.String(),
			l.Amount.String()})
	}
	rows = append(rows, []string{"TOTAL", "", "", "", q.Total.String()})
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(out, "%-*s  %*s %-*s  %*s  %*s\n", widths[0], r[0], widths[1], r[1],
			widths[2], r[2], widths[3], r[3], widths[4], r[4])
	}

	// Why each line costs what it does, and where its price changes.
	fmt.Fprintln(out)
	for i := range q.Lines {
		l := &q.Lines[i]
		fmt.Fprintf(out, "%s: %s\n", l.Item, l.Explain())
		if p := l.Previous(); p != nil {
			fmt.Fprintf(out, "    %s\n", p.Explain)
		}
		if n := l.Next(); n != nil {
			fmt.Fprintf(out, "    %s\n", n.Explain)
		}
	}
	return nil
}
