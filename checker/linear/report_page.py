"""The report page's stylesheet and script, inlined into every page (no network needed).

The script reads the JSON document of ``report_data`` and draws the chosen partition on a
canvas, only what is in view, so that 100,000 operations stay responsive: a time axis, a lane
per process, bars over each operation's interval (an indeterminate one as a short faded stub
with a ``?``), the chosen order as numbered linearization points joined by a line, the culprit
red and the impossible subset outlined. Wheel zooms around the pointer, dragging pans, a
double click fits the view; hovering shows an operation and the states around it, a click pins
that. ``window.histcheckPage`` lets tests drive the page.
"""

STYLE = """
body { font: 14px system-ui, sans-serif; margin: 16px 20px; color: #222; }
h1 { font-size: 19px; margin: 0 0 6px; }
.verdict-VALID { color: #2b7a2b; } .verdict-INVALID { color: #b0171f; }
.verdict-UNKNOWN { color: #8a6d00; }
#summary p { margin: 4px 0; } #summary .note { color: #555; }
pre { background: #f6f6f6; padding: 8px 10px; overflow: auto; max-height: 14em; margin: 6px 0; }
.controls { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
.controls label { font-weight: 600; } select { font: inherit; max-width: 28em; }
.legend { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; font-size: 12px; }
.legend svg { vertical-align: middle; }
#chart { position: relative; border: 1px solid #ddd; cursor: grab; user-select: none; }
#chart.dragging { cursor: grabbing; }
canvas { display: block; }
#tip { position: absolute; display: none; pointer-events: none; background: #fff;
  border: 1px solid #888; border-radius: 4px; padding: 6px 8px; font: 12px monospace;
  box-shadow: 0 2px 8px rgba(0,0,0,.18); max-width: 520px; white-space: pre-wrap; z-index: 2; }
#tip.pinned { border-color: #3182bd; pointer-events: auto; }
#steps { border-collapse: collapse; margin-top: 8px; font: 12px monospace; }
#steps td, #steps th { padding: 1px 10px; border-bottom: 1px solid #eee; text-align: left; }
#steps tr.culprit { background: #fdd; }
.hint { color: #666; font-size: 12px; }
"""

SCRIPT = r"""
(function () {
"use strict";
const D = JSON.parse(document.getElementById("histcheck-data").textContent);
const O = D.ops, N = O.id.length;
const LEFT = 96, TOP = 30, LANE = 36, BAR = 15, STUB = 16, RIGHT = 12, DOT = 9;
const COLORS = {ok: "#9ecae1", okLine: "#3182bd", fail: "#ddd", failLine: "#999",
  info: "rgba(242,193,78,", culprit: "#fb6a4a", culpritLine: "#a50f15", core: "#e6550d",
  point: "#31a354"};
const TYPES = ["ok", "info", "fail"];
const ORIGIN = D.timed && N ? Math.min(...O.call.slice(0, 1000)) : 0;
const isCore = new Uint8Array(N);
for (const i of D.core) isCore[i] = 1;
const chart = document.getElementById("chart"), canvas = document.getElementById("canvas");
const tip = document.getElementById("tip"), ctx = canvas.getContext("2d");
const partSelect = document.getElementById("partition");
const orderSelect = document.getElementById("order");
let part = null, lanes = [], laneRow = new Map(), byLane = [], sorted = [], order = null;
let stepOf = new Map(), view = {t0: 0, t1: 1}, full = {t0: 0, t1: 1}, width = 800;
let pinned = false, hovered = -1, frame = 0, shownNow = new Set();

function end(i) { return O.ret[i] === null ? null : O.ret[i]; }
function describe(i) {
  const key = O.key[i] === null ? "" : " " + O.key[i];
  return O.f[i] + key + " " + O.value[i];
}
function trim(text) { return text.includes(".") ? text.replace(/\.?0+$/, "") : text; }
function fmtTime(t, step) {
  if (!D.timed) return String(Math.round(t));
  const a = Math.abs(step || t), digits = u => step >= u ? 0 : 3;
  if (a >= 1e9) return trim((t / 1e9).toFixed(digits(1e9))) + " s";
  if (a >= 1e6) return trim((t / 1e6).toFixed(digits(1e6))) + " ms";
  if (a >= 1e3) return trim((t / 1e3).toFixed(digits(1e3))) + " µs";
  return Math.round(t) + " ns";
}
function fmtExact(t) {
  if (t === null) return "never (indeterminate)";
  return D.timed ? fmtTime(t - ORIGIN) + "  (time " + t + ")" : "event " + t;
}
function X(t) { return LEFT + (t - view.t0) / (view.t1 - view.t0) * (width - LEFT - RIGHT); }
function T(x) { return view.t0 + (x - LEFT) / (width - LEFT - RIGHT) * (view.t1 - view.t0); }

function choosePartition(index) {
  part = D.partitions[index];
  sorted = part.ops.slice().sort((a, b) => O.call[a] - O.call[b]);
  shownNow = new Set(sorted);
  const present = new Set(sorted.map(i => O.lane[i]));
  lanes = D.lanes.map((name, i) => i).filter(i => present.has(i));
  laneRow = new Map(lanes.map((l, r) => [l, r]));
  byLane = lanes.map(() => []);
  for (const i of sorted) byLane[laneRow.get(O.lane[i])].push(i);
  let lo = Infinity, hi = -Infinity;
  for (const i of sorted) {
    lo = Math.min(lo, O.call[i]);
    hi = Math.max(hi, end(i) === null ? O.call[i] : end(i));
  }
  if (!isFinite(lo)) { lo = 0; hi = 1; }
  const pad = (hi - lo) * 0.02 || 1;
  full = {t0: lo - pad, t1: hi + pad};
  view = {t0: full.t0, t1: full.t1};
  const own = D.orders.map((o, k) => [o, k]).filter(([o]) => o.partition === part.name);
  orderSelect.innerHTML = "";
  for (const [o, k] of own) {
    const opt = document.createElement("option");
    opt.value = k; opt.textContent = o.title + " (" + o.steps.length + " steps)";
    orderSelect.appendChild(opt);
  }
  orderSelect.disabled = own.length < 2;
  document.getElementById("order-box").style.display = own.length ? "" : "none";
  chooseOrder(own.length ? own[0][1] : -1);
  if (part.verdict === "invalid") focus();
  canvas.dataset.partition = part.name;
  canvas.dataset.lanes = String(lanes.length);
  canvas.dataset.operations = String(sorted.length);
  unpin();
  resize();
}

/** An invalid partition opens on its story: the partial order, the culprit, the subset. */
function focus() {
  const story = (order ? order.steps.map(s => s[0]) : []).concat(D.core);
  if (D.culprit !== null) story.push(D.culprit);
  let lo = Infinity, hi = -Infinity;
  for (const i of story) {
    if (!shownNow.has(i)) continue;
    lo = Math.min(lo, O.call[i]);
    hi = Math.max(hi, end(i) === null ? O.call[i] : end(i));
  }
  if (!isFinite(lo)) return;
  const pad = (hi - lo) * 0.05 || 1;
  view = {t0: Math.max(full.t0, lo - pad), t1: Math.min(full.t1, hi + pad)};
}

function chooseOrder(k) {
  order = k >= 0 ? D.orders[k] : null;
  stepOf = new Map();
  if (order) order.steps.forEach((s, n) => stepOf.set(s[0], n));
  fillSteps();
  draw();
}

function stateBefore(n) { return n === 0 ? order.initial : order.steps[n - 1][2]; }

function fillSteps() {
  const table = document.getElementById("steps"), caption = document.getElementById("steps-title");
  table.innerHTML = "";
  if (!order) { caption.textContent = ""; return; }
  const LIMIT = 300, total = order.steps.length;
  const invalid = part.verdict === "invalid";
  const first = invalid ? Math.max(0, total - LIMIT) : 0, last = Math.min(total, first + LIMIT);
  caption.textContent = order.title[0].toUpperCase() + order.title.slice(1) + " of " +
    part.name + ": " + total + " steps" + (total > LIMIT ? " (" + (invalid ? "last " : "first ") +
    LIMIT + " listed)" : "");
  const rows = ["<tr><th>#</th><th>process</th><th>operation</th><th>state after</th></tr>"];
  const esc = s => String(s).replace(/[&<>]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]));
  for (let n = first; n < last; n++) {
    const [i, , after] = order.steps[n];
    rows.push("<tr><td>" + (n + 1) + "</td><td>" + esc(D.lanes[O.lane[i]]) + "</td><td>" +
      esc(describe(i)) + "</td><td>" + esc(after) + "</td></tr>");
  }
  if (invalid && D.culprit !== null && part.ops.includes(D.culprit)) {
    rows.push("<tr class='culprit'><td>✗</td><td>" + esc(D.lanes[O.lane[D.culprit]]) +
      "</td><td>" + esc(describe(D.culprit)) + "</td><td>cannot be placed</td></tr>");
  }
  table.innerHTML = rows.join("");
}

function resize() {
  width = Math.max(400, chart.clientWidth);
  const height = TOP + Math.max(1, lanes.length) * LANE + 8, ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio; canvas.height = height * ratio;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  draw();
}

function draw() {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; paint(); });
}

function niceStep(span, pixels) {
  const raw = span / Math.max(1, pixels / 110), mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function paint() {
  const height = TOP + Math.max(1, lanes.length) * LANE + 8;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px monospace"; ctx.textBaseline = "middle";
  const step = niceStep(view.t1 - view.t0, width - LEFT - RIGHT);
  ctx.fillStyle = "#555"; ctx.strokeStyle = "#eee"; ctx.lineWidth = 1;
  for (let t = ORIGIN + Math.ceil((view.t0 - ORIGIN) / step) * step; t <= view.t1; t += step) {
    const x = Math.round(X(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, TOP - 6); ctx.lineTo(x, height); ctx.stroke();
    ctx.textAlign = "center"; ctx.fillText(fmtTime(t - ORIGIN, step), x, 10);
  }
  ctx.textAlign = "left";
  lanes.forEach((l, r) => {
    const y = TOP + r * LANE;
    if (r % 2) { ctx.fillStyle = "#fafafa"; ctx.fillRect(LEFT, y, width - LEFT, LANE); }
    ctx.fillStyle = "#222";
    ctx.fillText(fit("p " + D.lanes[l], LEFT - 10), 6, y + LANE - 3 - BAR / 2);
  });
  ctx.save();
  ctx.beginPath(); ctx.rect(LEFT, TOP - 2, width - LEFT, height); ctx.clip();
  const hi = upper(sorted, view.t1);
  const unit = (view.t1 - view.t0) / (width - LEFT - RIGHT);
  const visible = [];
  for (let k = 0; k < hi; k++) {
    const i = sorted[k], e = end(i);
    if (e !== null && e < view.t0) continue;
    if (e === null && O.call[i] + STUB * unit < view.t0) continue;
    visible.push(i);
  }
  bars(visible);
  if (order) points();
  ctx.restore();
}

function upper(list, t) {
  let lo = 0, hi = list.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (O.call[list[m]] <= t) lo = m + 1; else hi = m; }
  return lo;
}

function fit(label, room) {
  const chars = Math.floor(room / 6.7);
  if (label.length <= chars) return label;
  return chars > 2 ? label.slice(0, chars - 1) + "…" : "";
}

function barTop(i) { return TOP + laneRow.get(O.lane[i]) * LANE + LANE - BAR - 3; }

/** Bars of one kind share one path and one fill: 100,000 of them draw in one frame. */
function bars(visible) {
  const ok = new Path2D(), fail = new Path2D(), edges = new Path2D();
  const failEdges = new Path2D(), marked = [], labelled = [];
  for (const i of visible) {
    const y = barTop(i), x0 = X(O.call[i]), e = end(i);
    if (isCore[i] || i === D.culprit) marked.push(i);
    if (e === null) continue;
    const w = Math.max(2, X(e) - x0), failed = O.type[i] === 2;
    (failed ? fail : ok).rect(x0, y, w, BAR);
    if (w > 4) (failed ? failEdges : edges).rect(x0 + 0.5, y + 0.5, w - 1, BAR - 1);
    if (w > 24) labelled.push(i);
  }
  ctx.fillStyle = COLORS.ok; ctx.fill(ok);
  ctx.fillStyle = COLORS.fail; ctx.fill(fail);
  ctx.lineWidth = 1;
  ctx.strokeStyle = COLORS.okLine; ctx.stroke(edges);
  ctx.strokeStyle = COLORS.failLine; ctx.stroke(failEdges);
  const fade = ctx.createLinearGradient(0, 0, STUB, 0);
  fade.addColorStop(0, COLORS.info + "0.85)"); fade.addColorStop(1, COLORS.info + "0.05)");
  ctx.fillStyle = fade;
  for (const i of visible) {
    if (end(i) !== null) continue;
    const x0 = X(O.call[i]);
    ctx.setTransform(ctx.getTransform().translate(x0, 0));
    ctx.fillRect(0, barTop(i) + 3, STUB, BAR - 6);
    ctx.setTransform(ctx.getTransform().translate(-x0, 0));
  }
  ctx.fillStyle = "#8a6d00";
  for (const i of visible) {
    if (end(i) === null) ctx.fillText("?", X(O.call[i]) + 3, barTop(i) + BAR / 2);
  }
  ctx.fillStyle = "#123";
  for (const i of labelled) {
    const x0 = X(O.call[i]), left = Math.max(x0, LEFT), room = X(end(i)) - left;
    ctx.fillText(fit(describe(i), room - 6), left + 3, barTop(i) + BAR / 2);
  }
  for (const i of marked) {
    const x0 = X(O.call[i]), e = end(i), y = barTop(i);
    const w = e === null ? STUB : Math.max(2, X(e) - x0);
    if (i === D.culprit) { ctx.fillStyle = COLORS.culprit; ctx.fillRect(x0, y, w, BAR); }
    outline(x0, y, w, BAR, i);
  }
}

function outline(x, y, w, h, i) {
  ctx.strokeStyle = i === D.culprit ? COLORS.culpritLine : COLORS.core;
  ctx.lineWidth = 2.5; ctx.strokeRect(x - 1, y - 1, w + 2, h + 2); ctx.lineWidth = 1;
}

function pointXY(n) {
  const [i, t] = order.steps[n];
  return [X(t), TOP + laneRow.get(O.lane[i]) * LANE + DOT];
}

function points() {
  const steps = order.steps;
  let lo = 0, hi = steps.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (steps[m][1] < view.t0) lo = m + 1; else hi = m; }
  const first = Math.max(0, lo - 1);
  let last = first;
  while (last < steps.length && steps[last][1] <= view.t1) last++;
  last = Math.min(steps.length, last + 1);
  const shown = last - first, numbered = shown < 600;
  ctx.strokeStyle = COLORS.point; ctx.lineWidth = 1.2; ctx.setLineDash([4, 3]);
  ctx.beginPath();
  for (let n = first; n < last; n++) {
    const [x, y] = pointXY(n);
    if (n === first) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  }
  ctx.stroke(); ctx.setLineDash([]);
  ctx.textAlign = "center"; ctx.font = "9px monospace";
  for (let n = first; n < last; n++) {
    const [x, y] = pointXY(n);
    ctx.fillStyle = COLORS.point;
    ctx.fillRect(x - 0.5, y, 1, LANE - BAR - 3 - DOT);
    ctx.beginPath(); ctx.arc(x, y, numbered ? 7 : 3, 0, 2 * Math.PI); ctx.fill();
    if (numbered) { ctx.fillStyle = "#fff"; ctx.fillText(String(n + 1), x, y + 0.5); }
  }
  ctx.textAlign = "left"; ctx.font = "11px monospace";
}

function hit(x, y) {
  const r = Math.floor((y - TOP) / LANE);
  if (r < 0 || r >= lanes.length || x < LEFT) return -1;
  if (order) {
    for (const [i, n] of stepOf) {
      if (laneRow.get(O.lane[i]) !== r) continue;
      const [px, py] = pointXY(n);
      if (Math.abs(px - x) <= 7 && Math.abs(py - y) <= 8) return i;
    }
  }
  let best = -1;
  for (const i of byLane[r]) {
    const x0 = X(O.call[i]);
    if (x0 > x + 3) break;
    const e = end(i), x1 = e === null ? x0 + STUB : Math.max(x0 + 2, X(e));
    if (x <= x1 + 3) best = i;
  }
  return best;
}

function tipText(i) {
  const lines = ["operation " + O.id[i] + " (" + TYPES[O.type[i]] + "), process " +
    D.lanes[O.lane[i]], "f: " + O.f[i] + (O.key[i] === null ? "" : "   key: " + O.key[i]),
    "value: " + O.value[i], "call: " + fmtExact(O.call[i]), "return: " + fmtExact(end(i))];
  if (stepOf.has(i)) {
    const n = stepOf.get(i);
    lines.push("linearization point #" + (n + 1) + " at " + fmtExact(order.steps[n][1]),
      "state before: " + stateBefore(n), "state after:  " + order.steps[n][2]);
  } else if (i === D.culprit) {
    const before = order && order.steps.length ? order.steps[order.steps.length - 1][2] :
      (order ? order.initial : "?");
    lines.push("CANNOT BE PLACED after the longest partial linearization",
      "state before: " + before, "state after:  none" + (D.culpritRefused ?
        " (the model refuses it in that state)" : ""));
  } else if (order) {
    lines.push("not in this order" + (TYPES[O.type[i]] === "ok" ? "" :
      " (an operation that need not take effect)"));
  }
  if (isCore[i]) lines.push("member of the impossible subset");
  return lines.join("\n");
}

function showTip(i, x, y) {
  hovered = i;
  if (i < 0) { tip.style.display = "none"; return; }
  tip.textContent = tipText(i);
  tip.style.display = "block";
  const w = tip.offsetWidth;
  tip.style.left = Math.min(x + 14, chart.clientWidth - w - 4) + "px";
  tip.style.top = (y + 14) + "px";
}
function unpin() { pinned = false; tip.classList.remove("pinned"); showTip(-1, 0, 0); }

let drag = null;
canvas.addEventListener("mousedown", e => {
  drag = {x: e.clientX, t0: view.t0, t1: view.t1, moved: false};
  chart.classList.add("dragging");
});
window.addEventListener("mouseup", e => {
  chart.classList.remove("dragging");
  if (drag && !drag.moved && e.target === canvas) {
    const i = hit(e.offsetX, e.offsetY);
    if (i >= 0) { pinned = true; tip.classList.add("pinned"); showTip(i, e.offsetX, e.offsetY); }
    else unpin();
  }
  drag = null;
});
canvas.addEventListener("mousemove", e => {
  if (drag) {
    const dx = e.clientX - drag.x;
    if (Math.abs(dx) > 2) drag.moved = true;
    const dt = dx / (width - LEFT - RIGHT) * (drag.t1 - drag.t0);
    view = {t0: drag.t0 - dt, t1: drag.t1 - dt};
    draw();
    return;
  }
  if (!pinned) showTip(hit(e.offsetX, e.offsetY), e.offsetX, e.offsetY);
});
canvas.addEventListener("mouseleave", () => { if (!pinned) showTip(-1, 0, 0); });
canvas.addEventListener("wheel", e => {
  e.preventDefault();
  const at = T(Math.max(LEFT, e.offsetX)), factor = Math.pow(1.0015, e.deltaY);
  const span = Math.max((view.t1 - view.t0) * factor, 1e-9);
  const share = (at - view.t0) / (view.t1 - view.t0);
  view = {t0: at - share * span, t1: at - share * span + span};
  draw();
}, {passive: false});
canvas.addEventListener("dblclick", () => { view = {t0: full.t0, t1: full.t1}; draw(); });
window.addEventListener("keydown", e => { if (e.key === "Escape") unpin(); });
new ResizeObserver(() => { if (chart.clientWidth !== width) resize(); }).observe(chart);
partSelect.addEventListener("change", () => choosePartition(Number(partSelect.value)));
orderSelect.addEventListener("change", () => chooseOrder(Number(orderSelect.value)));
document.getElementById("fit").addEventListener("click", () => {
  view = {t0: full.t0, t1: full.t1}; draw();
});

D.partitions.forEach((p, k) => {
  const opt = document.createElement("option");
  opt.value = k;
  opt.textContent = p.name + ": " + p.verdict + " (" + p.ops.length + " operations)";
  partSelect.appendChild(opt);
});
document.getElementById("partition-box").style.display = D.partitions.length > 1 ? "" : "none";
choosePartition(0);

window.histcheckPage = {
  data: D,
  partition: () => part.name,
  lanes: () => lanes.map(l => D.lanes[l]),
  choose: name => {
    const k = D.partitions.findIndex(p => p.name === name);
    partSelect.value = String(k); choosePartition(k);
  },
  /** Where operation ``id`` is drawn, in the canvas's own coordinates (its bar's middle). */
  where: id => {
    const i = O.id.indexOf(id);
    if (i < 0 || !shownNow.has(i)) return null;
    const e = end(i), x0 = X(O.call[i]);
    const x1 = e === null ? x0 + STUB : Math.max(x0 + 2, X(e));
    return {x: (Math.max(x0, LEFT) + Math.min(x1, width - RIGHT)) / 2,
            y: TOP + laneRow.get(O.lane[i]) * LANE + LANE - 3 - BAR / 2};
  },
  tip: () => tip.style.display === "none" ? "" : tip.textContent,
  view: () => [view.t0, view.t1],
  /** Draw now and return the milliseconds it took. */
  paint: () => { const t = performance.now(); paint(); return performance.now() - t; },
};
requestAnimationFrame(() => { document.body.dataset.ready = "1"; });
})();
"""
