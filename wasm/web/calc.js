// calc.js drives the calculator page. It holds no pricing rules: it builds a request
// from the form, asks the WebAssembly pricing core (exportkit.js) for the quote, and
// shows what comes back. Every amount is shown exactly as the decimal string it arrives
// as. Once loaded, the page makes no network request.
//
// index.html starts compiling exportkit.wasm early (window.exportkitModule) so that the
// compile overlaps loading these scripts. For use from the browser console, the loaded
// API is window.exportkit. Performance marks
// "exportkit:load", "exportkit:ready" and "exportkit:first-quote" time the start-up.

import { load } from "./exportkit.js";

const $ = (id) => document.getElementById(id);

// The short labels the comparison table shows for an error code.
const codeLabels = {
  PLAN_REQUIRED: "needs a higher plan",
  INCOMPATIBLE_AVATAR_MODEL: "not offered",
  INVALID_PARAMETER: "invalid",
  INVALID_FORMAT: "unknown format",
  INVALID_AVATAR_MODEL: "unknown model",
};

// The names the result shows for each line item.
const itemLabels = {
  base_export: "Base export",
  high_resolution: "Above 1080p",
  avatar: "Avatar",
};

let ek; // the pricing API
let base = {}; // the last request pasted as JSON: fields the form does not show come from it
let card; // the current rate card
let pending = null; // the arguments of the comparison scheduleCompare will draw

// Start: load the module, fill the form from the card, show the first quote.
performance.mark("exportkit:load");
try {
  ek = await load(window.exportkitModule ?? new URL("exportkit.wasm", import.meta.url));
  window.exportkit = ek;
  performance.mark("exportkit:ready");
  start();
  performance.mark("exportkit:first-quote");
  document.body.dataset.ready = "1";
} catch (err) {
  $("loading").textContent = "The pricing engine could not start: " + err.message;
  throw err;
}

function start() {
  // Rate cards.
  const pick = $("card");
  for (const name of ek.rateCardNames()) pick.add(new Option(name, name));
  pick.add(new Option("pasted card…", "pasted"));
  pick.addEventListener("change", () => {
    if (pick.value === "pasted") {
      $("card-box").open = true;
      $("card-json").focus();
      usePastedCard();
    } else {
      setCard(ek.useRateCard(pick.value));
    }
  });
  $("card-json").addEventListener("input", () => {
    pick.value = "pasted";
    usePastedCard();
  });

  // The form and the request box.
  $("form").addEventListener("input", (e) => {
    if (e.target.id === "request") fromJSON(e.target.value);
    else if (e.target.id !== "card-json") fromForm();
  });
  $("form").addEventListener("submit", (e) => e.preventDefault());

  setCard(ek.rateCard());
  $("loading").hidden = true;
  document.querySelector("main").hidden = false;
  $("foot").textContent = `exportkit ${ek.version} · priced locally with WebAssembly`;
}

// usePastedCard makes the card in the paste box current, or shows why it cannot be.
function usePastedCard() {
  let doc;
  try {
    doc = JSON.parse($("card-json").value);
  } catch (err) {
    showErrors({ field: "rate_card", message: "rate card: not valid JSON: " + err.message });
    return;
  }
  setCard(ek.useRateCard(doc));
}

// setCard takes the result of useRateCard: a card, whose choices then fill the form, or
// an error, shown beside the card.
function setCard(result) {
  if (result.error) {
    showErrors({ ...result.error, field: "rate_card" });
    return;
  }
  card = result;
  $("card-id").textContent = card.id;
  $("card-id").title = card.hash;

  // Replace each select's options, keeping the choice when the new card has it.
  fill($("format"), [
    ...card.formats.map((f) => [f.name, `${f.name} · ${f.width}×${f.height}`]),
    ["custom", "custom size"],
    ["", "the video's own size"],
  ]);
  fill($("origin"), Object.keys(card.base_export).map((o) => [o, o]), "dashboard");
  fill($("model"), [["", "the avatar's default"],
    ...card.avatar.models.map((m) => [m.name, m.name])]);
  fill($("plan"), [["", "not known"], ...card.plans.map((p) => [p, p])]);
  $("width").placeholder = card.custom.default_width;
  $("height").placeholder = card.custom.default_height;
  fromForm();
}

// fill replaces a select's options, keeping its choice when the new options have it,
// else choosing preferred when they have that.
function fill(select, options, preferred) {
  const keep = select.options.length ? select.value : preferred;
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
  if (options.some(([value]) => value === keep)) select.value = keep;
}

// fromForm builds the request from the form, on top of the last pasted one.
function fromForm() {
  const req = structuredClone(base);
  const video = (req.video = { ...(req.video ?? {}) });
  const format = $("format").value;
  $("custom-size").hidden = format !== "custom";
  $("video-size").hidden = format !== "";

  // The export.
  setOrDelete(req, "format", format);
  setOrDelete(req, "width", format === "custom" ? number($("width").value) : "");
  setOrDelete(req, "height", format === "custom" ? number($("height").value) : "");

  // The video.
  video.origin = $("origin").value;
  setOrDelete(video, "duration", $("duration").value.trim());
  setOrDelete(video, "width", format === "" ? number($("video-width").value) : "");
  setOrDelete(video, "height", format === "" ? number($("video-height").value) : "");

  // The avatar: unless the pasted request says otherwise, it offers every model.
  const hasAvatar = $("avatar").checked;
  $("avatar-fields").hidden = !hasAvatar;
  if (hasAvatar) {
    const avatar = (video.avatar = { ...(video.avatar ?? {}) });
    avatar.models_available ??= card.avatar.models.map((m) => m.name);
    setOrDelete(avatar, "visible_seconds", $("visible").value.trim());
  } else {
    delete video.avatar;
  }
  setOrDelete(req, "avatar_model", hasAvatar ? $("model").value : "");
  setOrDelete(req, "plan", $("plan").value);

  if (document.activeElement !== $("request")) {
    $("request").value = JSON.stringify(req, null, 2);
  }
  show(ek.quote(req), req);
}

// fromJSON prices the request box's text as it is, and shows what it can in the form.
function fromJSON(text) {
  let req = null;
  try {
    req = JSON.parse(text);
  } catch {
    // The pricing core reports malformed JSON itself, with the byte offset.
  }
  if (req && typeof req === "object" && !Array.isArray(req)) {
    base = req;
    toForm(req);
  }
  show(ek.quoteJSON(text), req);
}

// toForm copies a request's fields into the form controls that show them.
function toForm(req) {
  const video = req.video ?? {};
  const avatar = video.avatar;
  const text = (v) => (v === undefined || v === null ? "" : String(v));
  $("format").value = text(req.format);
  $("width").value = text(req.width);
  $("height").value = text(req.height);
  $("origin").value = text(video.origin);
  $("duration").value = text(video.duration);
  $("video-width").value = text(video.width);
  $("video-height").value = text(video.height);
  $("avatar").checked = !!avatar;
  $("visible").value = text(avatar?.visible_seconds);
  $("model").value = text(req.avatar_model);
  $("plan").value = text(req.plan);
  $("custom-size").hidden = req.format !== "custom";
  $("video-size").hidden = text(req.format) !== "";
  $("avatar-fields").hidden = !avatar;
}

function setOrDelete(obj, key, value) {
  if (value === "" || value === undefined) delete obj[key];
  else obj[key] = value;
}

// number turns a whole number typed in a field into a number, and leaves anything else
// as typed so that the pricing core names the field in its error.
function number(text) {
  text = text.trim();
  return /^-?\d{1,9}$/.test(text) ? Number(text) : text;
}

// show renders a quote or an error, then the comparison table.
function show(result, req) {
  if (result.error) {
    showErrors(result.error);
    $("total").textContent = "—";
    $("total-unit").hidden = true;
    $("size").textContent = "No price: " + errorHint(result.error);
    $("lines").replaceChildren();
  } else {
    showErrors(null);
    $("total").textContent = result.total;
    $("total-unit").hidden = false;
    $("size").textContent = `${result.width}×${result.height}` +
      (result.format ? ` (${result.format})` : " (the video's own size)") +
      (result.avatar_model ? ` · ${result.avatar_model} avatar` : "");
    $("lines").replaceChildren(...result.lines.map(lineItem));
  }
  scheduleCompare(req, result.error ? null : result);
}

// scheduleCompare fills the comparison table after the main result is on screen, once
// per burst of typing.
function scheduleCompare(req, chosen) {
  if (!pending) setTimeout(() => {
    compare(...pending);
    pending = null;
  });
  pending = [req, chosen];
}

// errorHint says where the message explaining an error is.
function errorHint(error) {
  const beside = [...document.querySelectorAll("[data-error-for]")].some(
    (p) => p.dataset.errorFor === error.field && error.field !== "" && !p.hidden);
  return beside ? "see the message beside the field." : "see the message under the form.";
}

function lineItem(line) {
  const li = el("li", "line");
  const head = el("div", "line-head");
  head.append(
    el("span", "item", itemLabels[line.item] ?? line.item),
    el("span", "calc", `${line.quantity} ${unitName(line.unit, line.quantity)} × ${line.unit_price}`),
    el("span", "amount", line.amount));
  li.append(head, el("p", "explain", line.explain));
  if (line.previous) li.append(el("p", "boundary prev", "↓ " + line.previous.explain));
  if (line.next) li.append(el("p", "boundary next", "↑ " + line.next.explain));
  return li;
}

// unitName makes a unit readable: "block_30s" becomes "blocks of 30 s", "second" "s".
function unitName(unit, quantity) {
  if (unit === "second") return "s";
  const m = /^([a-z]+)_(\d+(?:\.\d+)?)s$/.exec(unit);
  return m ? `${m[1]}${quantity === "1" ? "" : "s"} of ${m[2]} s` : unit;
}

// showErrors shows an error beside the field it names, or in the general slot when the
// form has no such field; null clears every error.
function showErrors(error) {
  for (const p of document.querySelectorAll("[data-error-for]")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const c of document.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
  if (!error) return;
  const slot = [...document.querySelectorAll("[data-error-for]")].find(
    (p) => p.dataset.errorFor === error.field && !p.parentElement.closest("[hidden]"));
  const target = slot ?? document.querySelector('[data-error-for=""]');
  target.textContent = error.message;
  target.dataset.code = error.code;
  target.hidden = false;
  const control = document.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
  if (slot && control) control.setAttribute("aria-invalid", "true");
}

// compare prices the request in every format (rows) and avatar model (columns), marking
// the cheapest and the one the main quote chose.
function compare(req, chosen) {
  const table = $("compare");
  $("compare-note").hidden = !!chosen;
  if (!req || typeof req !== "object" || !card || !chosen) {
    table.replaceChildren();
    return;
  }
  const models = req.video?.avatar ? card.avatar.models.map((m) => m.name) : [null];
  const rows = card.formats.map((f) => [f.name, `${f.name}`, `${f.width}×${f.height}`]);
  if (req.format === "custom") {
    rows.push(["custom", "custom", `${req.width ?? card.custom.default_width}×` +
      `${req.height ?? card.custom.default_height}`]);
  }

  // Price every cell and find the cheapest.
  const cells = rows.map(([format]) => models.map((model) => {
    const r = { ...req, format };
    if (format !== "custom") {
      delete r.width;
      delete r.height;
    }
    if (model) r.avatar_model = model;
    return ek.quote(r);
  }));
  const totals = cells.flat().filter((q) => !q.error).map((q) => q.total);
  const cheapest = totals.reduce((a, b) => (cmpDecimal(b, a) < 0 ? b : a), totals[0]);

  // Render.
  const head = el("tr");
  head.append(el("th", "", "format"),
    ...models.map((m) => el("th", "", m ?? "no avatar")));
  const body = rows.map(([format, name, size], i) => {
    const tr = el("tr");
    if (format === req.format) tr.className = "current";
    const th = el("th", "");
    th.append(el("span", "", name), el("small", "", size));
    tr.append(th, ...cells[i].map((q, j) => cell(q, format, models[j], cheapest, chosen)));
    return tr;
  });
  table.replaceChildren(el("thead"), el("tbody"));
  table.tHead.append(head);
  table.tBodies[0].append(...body);
}

function cell(q, format, model, cheapest, chosen) {
  const td = el("td");
  if (q.error) {
    td.className = "na";
    td.textContent = codeLabels[q.error.code] ?? q.error.code;
    td.title = q.error.message;
    return td;
  }
  const button = el("button", "price", q.total);
  button.type = "button";
  button.title = `${format}${model ? ", " + model : ""}: ${q.total} credits`;
  if (q.total === cheapest) td.classList.add("cheapest");
  if (chosen && format === chosen.format && (model ?? null) === chosen.avatar_model) {
    td.classList.add("chosen");
  }
  button.addEventListener("click", () => {
    $("format").value = format;
    if (model) $("model").value = model;
    fromForm();
  });
  td.append(button);
  return td;
}

// cmpDecimal compares two non-negative decimal strings without turning them into floats.
function cmpDecimal(a, b) {
  const [ai, af = ""] = a.split(".");
  const [bi, bf = ""] = b.split(".");
  if (ai.length !== bi.length) return ai.length - bi.length;
  const n = Math.max(af.length, bf.length);
  const x = ai + af.padEnd(n, "0");
  const y = bi + bf.padEnd(n, "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

function el(tag, className = "", text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
