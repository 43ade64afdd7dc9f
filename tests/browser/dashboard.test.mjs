// The ops dashboard in a real browser: Debian's chromium driven by playwright-core, against the real gateway and
// the real grocer sandbox, all on ports chosen by the kernel.
//
//   node tests/browser/dashboard.test.mjs BIN_DIR [SCREENSHOT_DIR]      (from the repository root)
//
// 1. sign in with an operator token; the live view shows the MLLP channel at 0 received
// 2. send an order over MLLP: the live counter moves to 1 and the grocer gets the order
// 3. make the grocer refuse the next order (sandbox fault injection: one 400): it becomes a dead letter
// 4. replay it with a click: the dead letter goes away, and the order's delivery is done and the grocer has it
// Screenshots of every step land in SCREENSHOT_DIR. Exit code 0 only if every step passed; the gateway must also
// stop cleanly on SIGTERM (exit 0), which under the sanitizer build includes "no leaks".
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [binDir, screenshotArg] = process.argv.slice(2);
if (!binDir) {
  console.error('usage: dashboard.test.mjs BIN_DIR [SCREENSHOT_DIR]');
  process.exit(2);
}
const root = process.cwd();
const screenshots = path.resolve(screenshotArg || path.join(root, 'tests/browser/screenshots'));
mkdirSync(screenshots, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gw-browser-'));
const TOKEN = 'browser-test-operator-token';
const children = [];

function log(...args) { console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...args); }

// A child process whose output we keep, and a way to wait for a line in it.
function start(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const proc = { name, child, output: '', exited: null };
  const collect = (chunk) => { proc.output += chunk.toString(); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  proc.done = new Promise((resolve) => child.on('exit', (code, signal) => { proc.exited = { code, signal }; resolve(proc.exited); }));
  children.push(proc);
  return proc;
}

async function waitFor(what, fn, timeoutMs = 20000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function waitForOutput(proc, regex, what) {
  return waitFor(what, () => {
    if (proc.exited) throw new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}):\n${proc.output.slice(-3000)}`);
    const m = proc.output.match(regex);
    return m ? m : null;
  }, 30000);
}

// One HL7 message over MLLP; resolves with the acknowledgement text.
function mllpSend(port, message) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.setTimeout(15000, () => { socket.destroy(); reject(new Error('MLLP timeout')); });
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(message, 'utf8'), Buffer.from([0x1c, 0x0d])])));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf(0x1c);
      if (end >= 0) {
        socket.end();
        resolve(data.subarray(1, end).toString('utf8'));
      }
    });
    socket.on('error', reject);
  });
}

function order(controlId, placer) {
  return readFileSync(path.join(root, 'mappings/inbound/samples/oms-o05-three-lines.hl7'), 'utf8')
    .replace(/\r?\n/g, '\r').replace(/\r+$/, '\r')
    .replace('|MSG00001|', `|${controlId}|`)
    .replace('ORC|NW|BK-2026-004711|', `ORC|NW|${placer}|`);
}

async function http(url, options = {}) {
  const res = await fetch(url, options);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function main() {
  // ---- the grocer sandbox --------------------------------------------------------------------------------------
  writeFileSync(path.join(tmp, 'sandbox.yaml'), `sandbox:
  host: 127.0.0.1
  port: 0
  seed: 7
vendors:
  peppol-ap:
    callback_url: http://127.0.0.1:9/unused
    response_delay: 60s
`);
  const sandbox = start('grocer-sandbox', path.join(binDir, 'grocer-sandbox'), ['--config', path.join(tmp, 'sandbox.yaml'), '--port', '0']);
  const sandboxPort = Number((await waitForOutput(sandbox, /grocer-sandbox listening on [^:\s]+:(\d+)/, 'the sandbox'))[1]);
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  log('sandbox on', sandboxPort);

  // ---- the gateway ---------------------------------------------------------------------------------------------
  writeFileSync(path.join(tmp, 'tokens.yaml'), `tokens:
  - name: browser-operator
    sha256: ${createHash('sha256').update(TOKEN).digest('hex')}
    roles: [operator, phi-reader]
`);
  writeFileSync(path.join(tmp, 'gateway.yaml'), `gateway: {instance_id: browser-test, threads: 2, shutdown_grace: 5s}
logging: {level: info}
http: {host: 127.0.0.1, port: 0}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: ${path.join(root, 'mappings/inbound/oms-o05.yaml')}
store: {kind: sqlite, path: ${path.join(tmp, 'gateway.db')}}
admin:
  tokens_file: ${path.join(tmp, 'tokens.yaml')}
  stream_interval: 250ms
vendors:
  peppol-bis:
    folder: ${path.join(root, 'mappings/vendors/peppol-bis')}
    base_url: ${sandboxUrl}/peppol-ap
    secrets:
      callback_token: browser-test-callback
    params:
      seller_org_number: "937270062"
      seller_name: Sandbox Grocer AS
      currency: NOK
routes:
  - municipality: "*"
    contracts:
      - {vendor: peppol-bis, from: "2020-01-01"}
`);
  const gateway = start('gateway', path.join(binDir, 'gateway'), ['serve', '--config', path.join(tmp, 'gateway.yaml')]);
  const httpPort = Number((await waitForOutput(gateway, /"event":"http_listening".*?"port":"(\d+)"/, 'the gateway HTTP port'))[1]);
  const mllpPort = Number((await waitForOutput(gateway, /"event":"mllp_listening".*?"address":"[^"]*:(\d+)"/, 'the gateway MLLP port'))[1]);
  const base = `http://127.0.0.1:${httpPort}`;
  log('gateway http', httpPort, 'mllp', mllpPort);
  // Ready, with the real checks: the store's disk is writable, no outbox is stuck.
  const ready = await waitFor('/readyz', async () => {
    const r = await http(`${base}/readyz`);
    return r.status === 200 ? r.json() : null;
  });
  for (const check of ['store', 'store_disk', 'listeners', 'outbox']) {
    if (!ready.checks.some((c) => c.name === check && c.status === 'ok')) throw new Error(`/readyz lacks ${check}: ${JSON.stringify(ready)}`);
  }

  // ---- the browser ---------------------------------------------------------------------------------------------
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  // A tablet, landscape.
  const context = await browser.newContext({ viewport: { width: 1180, height: 820 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Nothing may be fetched from anywhere but the gateway: the dashboard must work without internet.
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  const reasons = [];
  page.on('dialog', async (d) => { reasons.push(d.message()); await d.accept('browser test: grocer fixed'); });

  try {
    await page.goto(`${base}/`);
    await page.getByTestId('token').fill(TOKEN);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor({ timeout: 15000 });
    await page.getByTestId('vendor-peppol-bis').waitFor();
    const received = page.getByTestId('received-care-system');
    await waitFor('the channel card', async () => (await received.count()) > 0 && (await received.textContent()) === '0');
    await page.screenshot({ path: path.join(screenshots, '1-signed-in.png'), fullPage: true });
    log('signed in; care-system received 0');

    // ---- an order over MLLP moves the live counters ----
    const ack1 = await mllpSend(mllpPort, order('BROWSER-1', 'BK-BROWSER-1'));
    if (!/\rMSA\|(AA|CA)\|BROWSER-1/.test(ack1)) throw new Error(`first order not accepted: ${ack1}`);
    await waitFor('received 1 in the page', async () => (await received.textContent()) === '1');
    await waitFor('delivered 1 in the page', async () => (await page.getByTestId('delivered-peppol-bis').textContent()) === '1');
    const grocer1 = (await http(`${sandboxUrl}/_sandbox/orders`)).json();
    if (grocer1.length !== 1) throw new Error(`the grocer should have 1 order, has ${grocer1.length}`);
    await page.screenshot({ path: path.join(screenshots, '2-live-counters.png'), fullPage: true });
    log('order 1 received, delivered, counters moved');

    // ---- the grocer refuses the next order: a dead letter ----
    const fault = await http(`${sandboxUrl}/_sandbox/faults`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ 'peppol-ap': { burst: { status: 400, count: 1 } } }),
    });
    if (fault.status !== 200 && fault.status !== 204) throw new Error(`fault injection refused: ${fault.status} ${fault.text}`);
    const ack2 = await mllpSend(mllpPort, order('BROWSER-2', 'BK-BROWSER-2'));
    if (!/\rMSA\|(AA|CA)\|BROWSER-2/.test(ack2)) throw new Error(`second order not accepted: ${ack2}`);
    await waitFor('received 2 in the page', async () => (await received.textContent()) === '2');
    await waitFor('a dead letter in the live view', async () => (await page.getByTestId('dead-peppol-bis').textContent()) === '1');
    await page.click('nav a[data-tab="dead-letters"]');
    const row = page.locator('[data-testid^="dead-letter-"]');
    await row.first().waitFor({ timeout: 15000 });
    if ((await row.count()) !== 1) throw new Error(`expected one dead letter, found ${await row.count()}`);
    const deadId = (await row.first().getAttribute('data-testid')).replace('dead-letter-', '');
    await page.screenshot({ path: path.join(screenshots, '3-dead-letter.png'), fullPage: true });
    log('dead letter', deadId);

    // ---- replay it with a click ----
    await page.getByTestId(`replay-${deadId}`).click();
    await page.getByTestId('flash').filter({ hasText: 'Replayed 1 of 1 dead letter' }).waitFor({ timeout: 15000 });
    await page.getByTestId('dead-letters-empty').waitFor({ state: 'visible', timeout: 15000 });
    if (!reasons.length) throw new Error('the replay did not ask for a reason');

    // ---- and see it delivered ----
    await page.click('nav a[data-tab="orders"]');
    await page.getByTestId('search-control-id').fill('BROWSER-2');
    await page.getByTestId('search').click();
    const orderRow = page.locator('[data-testid^="order-GW"]');
    await orderRow.first().waitFor({ timeout: 15000 });
    await waitFor('the replayed delivery to be done', async () => {
      await orderRow.first().click();
      await page.getByTestId('order-detail').waitFor();
      const cell = page.getByTestId(`delivery-state-${deadId}`);
      await cell.waitFor({ timeout: 5000 });
      return (await cell.textContent()) === 'done';
    }, 30000, 500);
    const orderState = await page.getByTestId('detail-state').textContent();
    if (orderState !== 'submitted') throw new Error(`the replayed order should be submitted, is ${orderState}`);
    const grocer2 = (await http(`${sandboxUrl}/_sandbox/orders`)).json();
    if (grocer2.length !== 2) throw new Error(`the grocer should have 2 orders, has ${grocer2.length}`);
    const canonical = await page.getByTestId('canonical').textContent();
    if (canonical.includes('Hansen') || canonical.includes('Kirkeveien')) throw new Error('personal data shown unmasked');
    await page.screenshot({ path: path.join(screenshots, '4-replayed-delivered.png'), fullPage: true });
    log('replayed order delivered; state', orderState);

    // The replay is in the audit log with its reason.
    const audit = (await http(`${base}/api/v1/audit?action=dead_letter.replay`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
    if (!audit.items.length || !audit.items[0].detail.includes('browser test: grocer fixed')) {
      throw new Error(`replay not audited with its reason: ${JSON.stringify(audit)}`);
    }
    // The scrape parses and agrees with what the page showed.
    const metrics = (await http(`${base}/metrics`)).text;
    if (!/^gateway_messages_received_total\{channel="care-system"\} 2$/m.test(metrics)) throw new Error('metrics disagree:\n' + metrics.slice(0, 2000));
    if (foreign.length) throw new Error(`the dashboard fetched from elsewhere: ${foreign.join(', ')}`);
    if (consoleErrors.length) throw new Error(`console errors: ${consoleErrors.join('\n')}`);
  } catch (e) {
    await page.screenshot({ path: path.join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }

  // A browser that went away leaves no stream behind.
  await waitFor('no live streams after the browser closed', async () =>
    /^gateway_live_stream_clients 0$/m.test((await http(`${base}/metrics`)).text), 10000, 100);

  gateway.child.kill('SIGTERM');
  const exit = await Promise.race([gateway.done, new Promise((r) => setTimeout(() => r(null), 20000))]);
  if (!exit) throw new Error('the gateway did not stop within 20 s of SIGTERM');
  if (exit.code !== 0) throw new Error(`the gateway exited with ${JSON.stringify(exit)}:\n${gateway.output.slice(-4000)}`);
  log('gateway stopped cleanly');
}

let failed = false;
try {
  await main();
  console.log('browser test passed; screenshots in', screenshots);
} catch (e) {
  failed = true;
  console.error('browser test FAILED:', e.message);
  for (const p of children) console.error(`--- ${p.name} (last lines) ---\n${p.output.slice(-3000)}`);
} finally {
  for (const p of children) if (!p.exited) p.child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
