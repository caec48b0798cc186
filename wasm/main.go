//go:build js && wasm

// Command wasm is the pricing package compiled to WebAssembly (GOOS=js GOARCH=wasm) for
// the browser calculator and any other JavaScript caller. It is deliberately thin: it
// moves text between JavaScript and the pricing package's JSON contract and has no
// pricing logic of its own, so a price shown in a browser is the price charged.
//
// JavaScript starts the module with wasm_exec.js, passing in argv[1] the name of a
// global function; main calls that function once with an object holding:
//
//	quote(requestJSON)         string: the quote as JSON, or the error envelope
//	useBuiltinRateCard(name)   string: the new current card (as rateCard), or an error
//	useRateCardJSON(cardJSON)  string: the same, for a rate card document
//	rateCard()                 string: the current card's canonical JSON plus "hash"
//	formats()                  array of {name, width, height}: the current card's formats
//	rateCardNames()            array of the built-in card names
//	version                    string: the exportkit build ("devel" unless set with -X)
//
// Requests, quotes, cards and errors cross the boundary as JSON text made and read by the
// pricing package's own codec; encoding/json is not linked, which keeps the module small.
// The ES module exportkit.js wraps this object in the public API (load, quote, ...),
// turning the JSON text into plain objects. No function here throws: every failure comes
// back as {"error": {"code", "message", "field"}}.
//
// The current card starts as pricing.DefaultRateCard(). JavaScript is single-threaded
// and each call runs to completion, so it needs no lock.
package main

import (
	"os"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/exportkit/exportkit/pricing"
)

// version is the exportkit build, set with -ldflags "-X main.version=...".
var version = "devel"

// card is the rate card quote uses.
var card = pricing.DefaultRateCard()

func main() {
	// Hand the API to the loader, which named its ready callback in argv[1].
	if len(os.Args) < 2 {
		println("exportkit.wasm: start it with exportkit.js, which names a ready callback")
		return
	}
	api := map[string]any{
		"quote":              js.FuncOf(quote),
		"useBuiltinRateCard": js.FuncOf(useBuiltinRateCard),
		"useRateCardJSON":    js.FuncOf(useRateCardJSON),
		"rateCard":           js.FuncOf(rateCard),
		"formats":            js.FuncOf(formats),
		"rateCardNames":      js.FuncOf(rateCardNames),
		"version":            version,
	}
	js.Global().Get(os.Args[1]).Invoke(api)

	// Keep the functions alive for the life of the page.
	select {}
}

// quote prices a request document on the current card.
func quote(_ js.Value, args []js.Value) any {
	req, err := pricing.DecodeRequest([]byte(stringArg(args)))
	if err != nil {
		return errorJSON(err)
	}
	q, err := card.Quote(req)
	if err != nil {
		return errorJSON(err)
	}
	out, _ := q.MarshalJSON() // never fails
	return string(out)
}

// useBuiltinRateCard makes a built-in card current.
func useBuiltinRateCard(_ js.Value, args []js.Value) any {
	name := stringArg(args)
	c, ok := pricing.BuiltinRateCard(name)
	if !ok {
		return errorJSON(&pricing.Error{Code: pricing.ErrInvalidRateCard, Field: "rate_card",
			Message: "rate card must be one of " +
				strings.Join(pricing.BuiltinRateCardNames(), ", ") + ", not " + strconv.Quote(name)})
	}
	card = c
	return rateCard(js.Value{}, nil)
}

// useRateCardJSON parses and validates a rate card document and makes it current.
func useRateCardJSON(_ js.Value, args []js.Value) any {
	c, err := pricing.ParseRateCard(strings.NewReader(stringArg(args)))
	if err != nil {
		return errorJSON(err)
	}
	card = c
	return rateCard(js.Value{}, nil)
}

// rateCard returns the current card's canonical JSON with its content hash added first.
func rateCard(js.Value, []js.Value) any {
	canonical, _ := card.MarshalJSON() // never fails
	// The hash is "sha256:" and hex digits, so it needs no escaping.
	return `{"hash":"` + card.Hash() + `",` + string(canonical[1:])
}

// formats lists the current card's named formats.
func formats(js.Value, []js.Value) any {
	fs := card.Formats()
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = map[string]any{"name": f.Name, "width": f.Width, "height": f.Height}
	}
	return out
}

// rateCardNames lists the built-in card names.
func rateCardNames(js.Value, []js.Value) any {
	names := pricing.BuiltinRateCardNames()
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// stringArg returns the first argument if it is a string, else "" (which every caller
// then rejects with a coded error rather than a panic).
func stringArg(args []js.Value) string {
	if len(args) == 0 || args[0].Type() != js.TypeString {
		return ""
	}
	return args[0].String()
}

// errorJSON returns err as the contract's error envelope.
func errorJSON(err error) string {
	out, _ := pricing.AsError(err).MarshalJSON() // never fails
	return string(out)
}
