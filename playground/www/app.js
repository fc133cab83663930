// The playground page: calls the wasm module's pg_* functions (playground/src/ffi.rs) and
// draws what they leave in wasm memory. No framework, no build step.

const { instance } = await WebAssembly.instantiateStreaming(fetch('playground.wasm'), {});
const wasm = instance.exports;

// Copies out of wasm memory: its buffer is replaced when the module's memory grows.
const f32s = (ptr, n) => new Float32Array(wasm.memory.buffer, ptr, n).slice();
const bytes = (ptr, n) => new Uint8Array(wasm.memory.buffer, ptr, n).slice();
const models = JSON.parse(new TextDecoder().decode(bytes(wasm.pg_models(), wasm.pg_models_len())));

const $ = id => document.getElementById(id);
const RES = 100; // heat-map resolution, pixels per side before scaling to the canvas

const state = {
  running: false,
  history: [],   // {step, train, test}
  metrics: null, // {trainLoss, testLoss, trainAccuracy, testAccuracy, steps, epochs}
  points: [],    // {x, y, label, test}
};

for (const [i, m] of models.entries()) {
  $('model').add(new Option(`${m.name}: ${m.layers.map(l => l.outputs).join('-')} (${m.params} params)`, i));
}
$('model').value = '2';

function model() { return models[+$('model').value]; }

function showDeclaration() {
  const m = model();
  const layers = m.declaration.split('), ').map(l => l.endsWith(')') ? l : `${l})`);
  $('declaration').textContent = `network! {\n  struct ${m.name} <\n${layers.map(l => `    ${l},\n`).join('')}  >\n}`;
  const layer = $('layer');
  layer.replaceChildren(...m.layers.map((l, i) => new Option(`${l.name} (${l.outputs}, ${l.activation})`, i)));
  layer.value = '0';
}

function loadData() {
  $('noise-out').textContent = (+$('noise').value).toFixed(2);
  $('test-out').textContent = `${$('test-percent').value}%`;
  wasm.pg_set_data(+$('dataset').value, +$('points').value, +$('noise').value,
    +$('test-percent').value, +$('data-seed').value);
  const n = wasm.pg_points_len();
  const p = f32s(wasm.pg_points(), 4 * n);
  state.points = Array.from({ length: n }, (_, i) =>
    ({ x: p[4 * i], y: p[4 * i + 1], label: p[4 * i + 2], test: p[4 * i + 3] === 1 }));
}

function reset() {
  wasm.pg_set_optimizer(+$('optimizer').value);
  wasm.pg_set_learning_rate(+$('lr').value);
  wasm.pg_set_batch(+$('batch').value);
  wasm.pg_reset(+$('model').value, +$('seed').value);
  state.history = [];
  record();
  draw();
}

function record() {
  const m = f32s(wasm.pg_evaluate(), 6);
  state.metrics = { trainLoss: m[0], testLoss: m[1], trainAccuracy: m[2], testAccuracy: m[3], steps: m[4], epochs: m[5] };
  state.history.push({ step: m[4], train: m[0], test: m[1] });
  if (state.history.length > 1000) state.history = state.history.filter((_, i) => i % 2 === 0);
}

// --- drawing --------------------------------------------------------------------------------

const heat = new OffscreenCanvas(RES, RES);

function drawBoundary() {
  const c = $('boundary'), ctx = c.getContext('2d');
  const px = bytes(wasm.pg_render(RES), RES * RES * 4);
  heat.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(px.buffer), RES, RES), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heat, 0, 0, c.width, c.height);
  const sx = x => (x + 1) / 2 * c.width, sy = y => (1 - y) / 2 * c.height;
  for (const p of state.points) {
    ctx.beginPath();
    ctx.arc(sx(p.x), sy(p.y), 3.5, 0, 2 * Math.PI);
    const color = p.label === 1 ? '#0877bd' : '#f59322';
    if (p.test) {
      ctx.lineWidth = 2; ctx.strokeStyle = color; ctx.fillStyle = '#fff';
      ctx.fill(); ctx.stroke();
    } else {
      ctx.lineWidth = 1; ctx.strokeStyle = '#fff'; ctx.fillStyle = color;
      ctx.fill(); ctx.stroke();
    }
  }
}

function drawLoss() {
  const c = $('loss'), ctx = c.getContext('2d'), h = state.history;
  ctx.clearRect(0, 0, c.width, c.height);
  const L = 36, B = 18, W = c.width - L - 6, H = c.height - B - 6;
  const top = Math.max(0.8, ...h.map(e => Math.max(e.train, e.test)).filter(Number.isFinite));
  const last = Math.max(1, h.length ? h[h.length - 1].step : 1);
  const X = s => L + s / last * W, Y = v => 6 + H - Math.min(v, top) / top * H;
  ctx.strokeStyle = '#bbb'; ctx.fillStyle = '#666'; ctx.font = '11px sans-serif'; ctx.lineWidth = 1;
  for (let v = 0; v <= top + 1e-9; v += top > 2 ? 1 : 0.2) {
    ctx.beginPath(); ctx.moveTo(L, Y(v)); ctx.lineTo(L + W, Y(v)); ctx.stroke();
    ctx.fillText(v.toFixed(1), 4, Y(v) + 4);
  }
  ctx.fillText(`${last} mini-batch updates`, L + W - 130, c.height - 4);
  for (const [key, color] of [['train', '#444'], ['test', '#d62728']]) {
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    h.forEach((e, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(e.step), Y(e[key])));
    ctx.stroke();
  }
}

function drawBias() {
  const c = $('bias'), ctx = c.getContext('2d');
  const v = f32s(wasm.pg_bias(+$('layer').value), 2 * wasm.pg_bias_width());
  const n = v.length / 2, b = v.subarray(0, n), g = v.subarray(n);
  state.bias = { bias: Array.from(b), grad: Array.from(g) };
  ctx.clearRect(0, 0, c.width, c.height);
  const rows = [['b', b, '#555'], ['∂L/∂b', g, '#d62728']];
  const L = 52, W = c.width - L - 8, rowH = (c.height - 10) / 2, bw = W / n;
  ctx.font = '11px sans-serif';
  rows.forEach(([name, vals, color], r) => {
    const scale = Math.max(1e-12, ...Array.from(vals, Math.abs));
    const mid = 5 + r * rowH + rowH / 2, half = rowH / 2 - 12;
    ctx.fillStyle = '#333'; ctx.fillText(name, 4, mid - 4);
    ctx.fillStyle = '#888'; ctx.fillText(`±${scale.toPrecision(2)}`, 4, mid + 10);
    ctx.strokeStyle = '#bbb'; ctx.beginPath(); ctx.moveTo(L, mid); ctx.lineTo(L + W, mid); ctx.stroke();
    ctx.fillStyle = color;
    vals.forEach((x, i) => {
      const hgt = x / scale * half;
      ctx.fillRect(L + i * bw + bw * 0.15, hgt > 0 ? mid - hgt : mid, bw * 0.7, Math.abs(hgt));
    });
  });
}

function drawMetrics() {
  const m = state.metrics;
  $('metrics').textContent =
    `epoch ${m.epochs.toFixed(1)}   updates ${m.steps}\n` +
    `loss      train ${m.trainLoss.toFixed(4)}   test ${m.testLoss.toFixed(4)}\n` +
    `accuracy  train ${(100 * m.trainAccuracy).toFixed(1)}%   test ${(100 * m.testAccuracy).toFixed(1)}%`;
}

function draw() {
  drawBoundary();
  drawLoss();
  drawBias();
  drawMetrics();
}

// --- controls -------------------------------------------------------------------------------

function setRunning(on) {
  state.running = on;
  $('start').textContent = on ? 'Pause' : 'Start';
}

function frame() {
  if (state.running) {
    wasm.pg_train(+$('speed').value);
    record();
    draw();
  }
  requestAnimationFrame(frame);
}

$('start').onclick = () => setRunning(!state.running);
$('step').onclick = () => { setRunning(false); wasm.pg_train(1); record(); draw(); };
$('reset').onclick = reset;
for (const id of ['dataset', 'noise', 'test-percent', 'points', 'data-seed']) {
  $(id).oninput = () => { loadData(); reset(); };
}
$('model').onchange = () => { showDeclaration(); reset(); };
$('seed').onchange = reset;
$('lr').onchange = () => wasm.pg_set_learning_rate(+$('lr').value);
$('optimizer').onchange = () => {
  $('lr').value = $('optimizer').selectedOptions[0].dataset.lr;
  wasm.pg_set_optimizer(+$('optimizer').value);
  wasm.pg_set_learning_rate(+$('lr').value);
};
$('batch').onchange = () => wasm.pg_set_batch(+$('batch').value);
$('layer').onchange = drawBias;

showDeclaration();
loadData();
reset();
requestAnimationFrame(frame);

// For the end-to-end test (and the curious, from the console).
window.playground = { state, models, ready: true };
