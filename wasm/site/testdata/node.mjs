// node.mjs checks exportkit.js under Node: every golden case through the JavaScript API,
// then the cold start and the cost of one quote across the JS/Go boundary. It prints one
// JSON report on stdout for the Go test that runs it.
//
//   node node.mjs <site dir> <testdata/quotes> <testdata/ratecards>

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

const [siteDir, quotesDir, cardsDir] = process.argv.slice(2);

// Cold start: compile, instantiate, start Go, then the first quote.
const t0 = performance.now();
const { load } = await import(pathToFileURL(join(siteDir, "exportkit.js")).href);
const ek = await load(readFileSync(join(siteDir, "exportkit.wasm")));
const t1 = performance.now();
const sample = readFileSync(join(quotesDir, "spec-4-dashboard-90s.request.json"), "utf8");
const first = ek.quoteJSON(sample);
const t2 = performance.now();

// Every golden case, with its card: the top directory uses the default card, a
// subdirectory names a built-in card or a card file.
const builtins = ek.rateCardNames();
const mismatches = [];
let cases = 0;
for (const card of ["", ...readdirSync(quotesDir).filter(
  (d) => statSync(join(quotesDir, d)).isDirectory())]) {
  const dir = join(quotesDir, card);
  const used = card === "" ? ek.useRateCard(builtins[0])
    : builtins.includes(card) ? ek.useRateCard(card)
    : ek.useRateCard(JSON.parse(readFileSync(join(cardsDir, card + ".json"), "utf8")));
  if (used.error) {
    mismatches.push({ case: card, got: used });
    continue;
  }
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".request.json")).sort()) {
    const name = f.slice(0, -".request.json".length);
    const got = ek.quoteJSON(readFileSync(join(dir, f), "utf8"));
    const want = JSON.parse(readFileSync(join(dir, name + ".quote.json"), "utf8"));
    cases++;
    if (!isDeepStrictEqual(got, want)) {
      mismatches.push({ case: join(card, name), got, want });
    }
  }
}

// One quote across the boundary, as an object (stringify, Go, parse), after warm-up.
ek.useRateCard(builtins[0]);
const request = JSON.parse(sample);
for (let i = 0; i < 2000; i++) ek.quote(request);
const times = [];
for (let i = 0; i < 5000; i++) {
  const s = performance.now();
  ek.quote(request);
  times.push((performance.now() - s) * 1000);
}
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;

console.log(JSON.stringify({
  version: ek.version,
  cases,
  mismatches,
  firstTotal: first.total,
  loadMs: t1 - t0,
  firstQuoteMs: t2 - t1,
  quoteMedianUs: times[times.length >> 1],
  quoteP95Us: times[Math.floor(times.length * 0.95)],
  quoteMeanUs: mean,
}));
process.exit(0);
