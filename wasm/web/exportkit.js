// exportkit.js: the exportkit pricing core (Go, compiled to WebAssembly) as a small ES
// module. It prices exports with exactly the rules and rate cards the server uses.
//
//   import { load } from "./exportkit.js";
//   const ek = await load("exportkit.wasm");
//   const q = ek.quote({ video: { origin: "dashboard", duration: 95 }, format: "vertical" });
//   if (q.error) console.log(q.error.code, q.error.field, q.error.message);
//   else console.log(q.total); // "20": money is always a decimal string
//
// Requests, quotes and errors are the same JSON objects the CLI and the HTTP API use.
// No function throws for a bad request or card: failures come back as
// { error: { code, message, field } }. Only load() rejects, when the module cannot be
// fetched or started.
//
// wasm_exec.js (the Go runtime's loader) must sit beside this file; it is copied from
// the Go toolchain that built exportkit.wasm, because the two must match.

import "./wasm_exec.js";

let loads = 0;

// load fetches and starts the module. source is a URL (string or URL), a Response or
// its promise, the module's bytes (ArrayBuffer or typed array, as in Node), or a
// WebAssembly.Module or its promise (to start compiling before this script has loaded).
// It resolves to the API object described at the top of this file, with:
//   quote(request)          a quote object or an error object
//   quoteJSON(text)         the same for a request given as JSON text, as pasted
//   useRateCard(card)       make a built-in card (by name) or a card document (an object)
//                           current for later quotes; returns rateCard() or an error object
//   rateCard()              the current card: its canonical JSON fields plus "hash"
//   rateCardNames()         the built-in card names, the default first
//   formats()               the current card's named formats [{name, width, height}]
//   version                 the exportkit build
export async function load(source) {
  const go = new globalThis.Go();

  // Compile and instantiate, streaming when the source is fetched.
  let instance;
  source = await source;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, go.importObject);
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    ({ instance } = await WebAssembly.instantiate(source, go.importObject));
  } else {
    const response = typeof source === "string" || source instanceof URL
      ? fetch(source) : source;
    ({ instance } = await WebAssembly.instantiateStreaming(response, go.importObject));
  }

  // Run Go's main, which hands its functions to a callback named in argv.
  const callback = `__exportkitReady${++loads}`;
  const native = await new Promise((resolve, reject) => {
    globalThis[callback] = resolve;
    go.argv = ["exportkit.wasm", callback];
    go.run(instance).then(
      () => reject(new Error("exportkit.wasm exited before it was ready")), reject);
  }).finally(() => delete globalThis[callback]);

  return wrap(native);
}

// wrap turns the module's JSON-text functions into the object API.
function wrap(native) {
  return Object.freeze({
    version: native.version,

    quote(request) {
      return JSON.parse(native.quote(JSON.stringify(request ?? null)));
    },

    quoteJSON(text) {
      return JSON.parse(native.quote(String(text)));
    },

    useRateCard(card) {
      const out = typeof card === "string"
        ? native.useBuiltinRateCard(card)
        : native.useRateCardJSON(JSON.stringify(card ?? null));
      return JSON.parse(out);
    },

    rateCard() {
      return JSON.parse(native.rateCard());
    },

    rateCardNames() {
      return Array.from(native.rateCardNames());
    },

    formats() {
      return Array.from(native.formats(), (f) => ({ ...f }));
    },
  });
}
