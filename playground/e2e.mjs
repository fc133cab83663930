// End-to-end test of the playground in headless Chromium: load the page, pick the two spirals,
// train for a few seconds, require the test loss to fall below THRESHOLD, save a screenshot;
// then reset, switch to Adam and require the same again.
// Usage: node e2e.mjs <url> <screenshot.png>   (e2e.sh builds, serves and calls this)
import { chromium } from 'playwright-core';

const [url, shot] = process.argv.slice(2);
// Binary cross-entropy; an untrained network sits near ln 2 ≈ 0.69. The environment variables
// only exist to check that the test can fail (E2E_THRESHOLD=0.01 E2E_DEADLINE_MS=2000).
const THRESHOLD = +(process.env.E2E_THRESHOLD ?? 0.35);
const TRAIN_MS = 4000;      // "a few seconds" before the first look
const DEADLINE_MS = +(process.env.E2E_DEADLINE_MS ?? 60000); // then keep training until the threshold, at most this long

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(url);
  await page.waitForFunction(() => window.playground?.ready === true, null, { timeout: 15000 });
  await page.selectOption('#dataset', '2'); // two spirals
  const model = await page.$eval('#model', s => s.selectedOptions[0].textContent);
  const metrics = () => page.evaluate(() => window.playground.state.metrics);
  const before = await metrics();
  console.log(`model ${model}; before training: test loss ${before.testLoss.toFixed(4)}`);
  if (!(before.testLoss > THRESHOLD)) failures.push(`untrained test loss ${before.testLoss} is already below ${THRESHOLD}`);

  const t0 = Date.now();
  await page.click('#start');
  await page.waitForTimeout(TRAIN_MS);
  await page.waitForFunction(t => window.playground.state.metrics.testLoss < t, THRESHOLD,
    { timeout: DEADLINE_MS, polling: 100 }).catch(() => {});
  await page.click('#start'); // pause
  const seconds = (Date.now() - t0) / 1000;
  const after = await metrics();
  const bias = await page.evaluate(() => window.playground.state.bias);
  console.log(`after ${seconds.toFixed(1)} s: ${after.steps} mini-batch updates, ${after.epochs.toFixed(0)} epochs, ` +
    `train loss ${after.trainLoss.toFixed(4)}, test loss ${after.testLoss.toFixed(4)}, ` +
    `test accuracy ${(100 * after.testAccuracy).toFixed(1)}%`);
  console.log(`layer l1: b[0..4] = ${bias.bias.slice(0, 4).map(v => v.toFixed(3))}, ` +
    `dL/db[0..4] = ${bias.grad.slice(0, 4).map(v => v.toExponential(2))}`);

  if (!(after.testLoss < THRESHOLD)) failures.push(`test loss ${after.testLoss} did not fall below ${THRESHOLD}`);
  if (!(after.steps > 0)) failures.push('no training step ran');
  if (bias.bias.length !== 16 || !bias.grad.every(Number.isFinite)) failures.push(`bad bias view ${JSON.stringify(bias)}`);
  if (errors.length) failures.push(`page errors: ${errors.join('; ')}`);

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);

  // The optimizer menu: Adam from a fresh network.
  await page.selectOption('#optimizer', '2');
  await page.click('#reset');
  const fresh = await metrics();
  if (!(fresh.steps === 0 && fresh.testLoss > THRESHOLD)) failures.push(`reset did not restart: ${JSON.stringify(fresh)}`);
  const t1 = Date.now();
  await page.click('#start');
  await page.waitForFunction(t => window.playground.state.metrics.testLoss < t, THRESHOLD,
    { timeout: DEADLINE_MS, polling: 100 }).catch(() => {});
  await page.click('#start');
  const adam = await metrics();
  const lr = await page.$eval('#lr', e => e.value);
  console.log(`Adam (lr ${lr}): test loss ${adam.testLoss.toFixed(4)} after ${adam.steps} updates in ` +
    `${((Date.now() - t1) / 1000).toFixed(1)} s, test accuracy ${(100 * adam.testAccuracy).toFixed(1)}%`);
  if (!(adam.testLoss < THRESHOLD)) failures.push(`with Adam the test loss ${adam.testLoss} did not fall below ${THRESHOLD}`);

  // Step is one mini-batch update; the layer menu switches the bias view.
  await page.click('#step');
  const stepped = await metrics();
  if (stepped.steps !== adam.steps + 1) failures.push(`Step went from ${adam.steps} to ${stepped.steps} updates`);
  for (const [layer, width] of [['1', 16], ['2', 1]]) {
    await page.selectOption('#layer', layer);
    const b = await page.evaluate(() => window.playground.state.bias);
    if (b.bias.length !== width || b.grad.length !== width) failures.push(`layer ${layer}: ${JSON.stringify(b)}`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`FAIL: ${failures.join('\nFAIL: ')}`);
  process.exitCode = 1;
}
