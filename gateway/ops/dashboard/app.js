// The operations dashboard: vanilla JavaScript, no build step, nothing loaded from elsewhere (the gateway serves it
// from its binary and runs without internet). Everything shown comes from the admin API with the operator's token;
// data is only ever inserted as text (never as HTML), so nothing from an order can run as script.
'use strict';

const state = {
  token: sessionStorage.getItem('gw-token') || '',
  me: null,
  tab: 'live',
  stream: null,          // AbortController of the live stream
  history: {},           // channel -> recent received_per_min, for the sparkline
  lastFlow: null,
  orderCursor: null,
  orderQuery: null,
  timers: [],
};

// ---- small helpers ----------------------------------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

// el('td', {class: 'num', 'data-testid': 'x'}, 'text', child...)
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'onclick') node.addEventListener('click', v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function fmtNumber(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return Number(v).toLocaleString('en-GB', {maximumFractionDigits: digits, minimumFractionDigits: digits});
}
function fmtPercent(v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + ' %'; }
function fmtSeconds(v) {
  if (v === null || v === undefined) return '–';
  if (v < 120) return fmtNumber(v, v < 10 ? 1 : 0) + ' s';
  if (v < 7200) return fmtNumber(v / 60, 0) + ' min';
  return fmtNumber(v / 3600, 1) + ' h';
}
function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', {dateStyle: 'short', timeStyle: 'medium'});
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function flash(text, bad = false) {
  const f = $('flash');
  f.textContent = text;
  f.className = bad ? 'flash bad' : 'flash';
  f.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { f.hidden = true; }, 8000);
}

// ---- API --------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, {method = 'GET', body, raw = false} = {}) {
  const headers = {'Authorization': 'Bearer ' + state.token};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (res.status === 401) {
    signOut('Your token was not accepted; sign in again.');
    throw new ApiError(401, 'not signed in');
  }
  if (!res.ok) {
    let detail = res.statusText;
    try { detail = (await res.json()).detail || detail; } catch (e) { /* not a problem body */ }
    throw new ApiError(res.status, detail);
  }
  return raw ? res : res.json();
}

// Asks why (every action is audited with its reason); null when the operator cancels.
function askReason(what) {
  const reason = window.prompt(`Reason for ${what} (written to the audit log):`);
  if (reason === null) return null;
  const trimmed = reason.trim();
  if (!trimmed) { flash('An action needs a reason.', true); return null; }
  return trimmed;
}

// ---- sign in / out ----------------------------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api('/api/v1/whoami');
  } catch (e) {
    state.token = '';
    $('sign-in-error').textContent = e.status === 401 ? 'That token is not valid.' : 'Sign-in failed: ' + e.message;
    return false;
  }
  sessionStorage.setItem('gw-token', token);
  $('sign-in').hidden = true;
  $('tabs').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${state.me.name} (${state.me.roles.join(', ')})`;
  document.body.classList.toggle('can-act', state.me.can_act);
  startStream();
  showTab(location.hash.slice(1) || 'live');
  return true;
}

function signOut(message) {
  sessionStorage.removeItem('gw-token');
  state.token = '';
  state.me = null;
  if (state.stream) state.stream.abort();
  state.stream = null;
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
  $('tabs').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  for (const s of document.querySelectorAll('.tab')) s.hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
  setLive(false);
}

// ---- tabs -------------------------------------------------------------------------------------------------------

const loaders = {
  'live': () => { if (state.lastFlow) renderFlow(state.lastFlow); },
  'dead-letters': loadDeadLetters,
  'vendors': loadVendors,
  'orders': () => {},
  'routes': loadRoutes,
  'shadow': loadShadow,
  'scorecard': () => {},
};

function showTab(tab) {
  if (!state.me) return;
  if (!loaders[tab]) tab = 'live';
  state.tab = tab;
  for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== 'tab-' + tab;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.tab === tab);
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
  run(loaders[tab]);
  // Lists that change while someone watches them refresh themselves.
  if (tab === 'dead-letters' || tab === 'vendors') state.timers.push(setInterval(() => run(loaders[tab]), 3000));
}

async function run(fn) {
  try { await fn(); } catch (e) { if (e.status !== 401) flash(e.message, true); }
}

// ---- live flow (Server-Sent Events over fetch, so the token travels in a header, not in the URL) ----------------

function setLive(on) {
  const s = $('live-status');
  s.textContent = on ? 'live' : 'offline';
  s.className = 'status ' + (on ? 'on' : 'off');
}

async function startStream() {
  if (state.stream) state.stream.abort();
  const controller = new AbortController();
  state.stream = controller;
  let delay = 1000;
  while (!controller.signal.aborted) {
    try {
      const res = await fetch('/api/v1/stream', {headers: {'Authorization': 'Bearer ' + state.token},
                                                 signal: controller.signal, cache: 'no-store'});
      if (res.status === 401) { signOut('Your token was not accepted; sign in again.'); return; }
      if (!res.ok || !res.body) throw new Error('stream refused: ' + res.status);
      setLive(true);
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    setLive(false);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

function handleEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;  // keep-alive comment
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (event !== 'flow' || !data.length) return;
  const flow = JSON.parse(data.join('\n'));
  state.lastFlow = flow;
  for (const c of flow.channels) {
    const h = (state.history[c.channel] = state.history[c.channel] || []);
    h.push(c.received_per_min);
    if (h.length > 60) h.shift();
  }
  if (state.tab === 'live') renderFlow(flow);
}

function sparkline(values) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 60 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 60) / Math.max(1, values.length - 1)},${20 - (v / max) * 18 - 1}`);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.append(line);
  return svg;
}

function stat(label, value, testid) {
  return [el('dt', {}, label), el('dd', {'data-testid': testid}, value)];
}

function breakerBadge(breaker) {
  const cls = breaker === 'closed' ? 'ok' : breaker === 'half_open' ? 'warn' : 'bad';
  return el('span', {class: 'badge ' + cls, title: 'circuit breaker'}, breaker.replace('_', ' '));
}

function pauseButton(v) {
  if (!state.me || !state.me.can_act) return null;
  return el('button', {type: 'button', class: 'switch ' + (v.paused ? 'act' : 'danger'),
                       'data-testid': 'pause-' + v.vendor,
                       onclick: () => run(() => togglePause(v.vendor, !v.paused))},
            v.paused ? 'Resume' : 'Pause');
}

function renderFlow(flow) {
  $('window').textContent = fmtNumber(flow.window_s, 0);
  $('updated').textContent = fmtTime(flow.at);
  const channels = $('channels');
  clear(channels);
  for (const c of flow.channels) {
    channels.append(el('div', {class: 'card', 'data-testid': 'channel-' + c.channel},
      el('h3', {}, c.channel, el('span', {class: 'badge'}, 'inbound')),
      el('div', {class: 'big', 'data-testid': 'received-' + c.channel}, String(c.received)),
      el('dl', {}, ...stat('received / min', fmtNumber(c.received_per_min, 1)),
                   ...stat('acknowledged', fmtNumber(c.acknowledged), 'acknowledged-' + c.channel),
                   ...stat('rejected', fmtNumber(c.rejected), 'rejected-' + c.channel),
                   ...stat('rejected / min', fmtNumber(c.rejected_per_min, 1))),
      sparkline(state.history[c.channel] || [])));
  }
  if (!flow.channels.length) channels.append(el('p', {class: 'muted'}, 'No inbound channel has received anything yet.'));

  const vendors = $('live-vendors');
  clear(vendors);
  for (const v of flow.vendors) {
    vendors.append(el('div', {class: 'card', 'data-testid': 'vendor-' + v.vendor},
      el('h3', {}, v.vendor, el('span', {}, v.paused ? el('span', {class: 'badge warn'}, 'paused') : null, ' ',
                                breakerBadge(v.breaker))),
      el('dl', {}, ...stat('delivered', fmtNumber(v.delivered), 'delivered-' + v.vendor),
                   ...stat('attempts / min', fmtNumber(v.attempts_per_min, 1)),
                   ...stat('errors / min', fmtNumber(v.failures_per_min, 1), 'errors-' + v.vendor),
                   ...stat('queue depth', fmtNumber(v.queue_depth), 'depth-' + v.vendor),
                   ...stat('oldest waiting', fmtSeconds(v.oldest_pending_s)),
                   ...stat('in flight', fmtNumber(v.in_flight)),
                   ...stat('latency p50 / p95', v.latency_p50_ms === null ? '–'
                           : `${fmtNumber(v.latency_p50_ms)} / ${fmtNumber(v.latency_p95_ms)} ms`),
                   ...stat('dead letters', fmtNumber(v.dead_letters), 'dead-' + v.vendor)),
      pauseButton(v)));
  }
  if (!flow.vendors.length) vendors.append(el('p', {class: 'muted'}, 'No vendors are configured.'));

  const store = $('store');
  clear(store);
  const m = (flow.store && flow.store.messages) || {};
  store.append(el('div', {class: 'card'}, el('h3', {}, 'Messages stored'),
    el('dl', {}, ...stat('processed', fmtNumber(m.processed)), ...stat('waiting', fmtNumber(m.received)),
                 ...stat('rejected', fmtNumber(m.rejected)), ...stat('failed', fmtNumber(m.failed)))));
  store.append(el('div', {class: 'card'}, el('h3', {}, 'Commits'),
    el('dl', {}, ...stat('p50', fmtNumber(flow.store.commit_p50_ms, 2) + ' ms'),
                 ...stat('p95', fmtNumber(flow.store.commit_p95_ms, 2) + ' ms'),
                 ...stat('orders made', fmtNumber(flow.pipeline ? flow.pipeline.orders : null)),
                 ...stat('mapping failures', fmtNumber(flow.pipeline ? flow.pipeline.failed : null)))));
}

async function togglePause(vendor, pause) {
  const reason = askReason(`${pause ? 'pausing' : 'resuming'} ${vendor}`);
  if (reason === null) return;
  await api(`/api/v1/vendors/${encodeURIComponent(vendor)}/${pause ? 'pause' : 'resume'}`,
            {method: 'POST', body: {reason}});
  flash(`${vendor} ${pause ? 'paused' : 'resumed'}.`);
  if (state.tab === 'vendors') await loadVendors();
}

// ---- dead letters -----------------------------------------------------------------------------------------------

async function loadDeadLetters() {
  const page = await api('/api/v1/dead-letters?limit=200');
  const rows = $('dl-rows');
  clear(rows);
  for (const item of page.items) {
    const box = el('input', {type: 'checkbox', 'data-id': item.id, 'aria-label': 'select ' + item.id});
    box.addEventListener('change', updateReplaySelected);
    rows.append(el('tr', {'data-testid': 'dead-letter-' + item.id},
      el('td', {}, state.me.can_act ? box : null),
      el('td', {class: 'num'}, item.id),
      el('td', {}, item.destination),
      el('td', {}, item.order_id ? el('a', {href: '#orders', onclick: () => run(() => showOrder(item.order_id))},
                                        item.order_id) : '–'),
      el('td', {}, item.kind),
      el('td', {class: 'num'}, item.attempts),
      el('td', {}, item.last_error),
      el('td', {}, fmtTime(item.updated_at)),
      el('td', {}, state.me.can_act
        ? el('button', {type: 'button', class: 'act', 'data-testid': 'replay-' + item.id,
                        onclick: () => run(() => replay([item.id]))}, 'Replay')
        : null)));
  }
  $('dl-empty').hidden = page.items.length > 0;
  updateReplaySelected();
}

function selectedDeadLetters() {
  return [...document.querySelectorAll('#dl-rows input[type=checkbox]:checked')].map((b) => Number(b.dataset.id));
}
function updateReplaySelected() { $('dl-replay-selected').disabled = selectedDeadLetters().length === 0; }

async function replay(ids) {
  const reason = askReason(ids.length === 1 ? `replaying dead letter ${ids[0]}` : `replaying ${ids.length} dead letters`);
  if (reason === null) return;
  const result = ids.length === 1
    ? await api(`/api/v1/dead-letters/${ids[0]}/replay`, {method: 'POST', body: {reason}})
    : await api('/api/v1/dead-letters/replay', {method: 'POST', body: {reason, ids}});
  flash(`Replayed ${result.requeued} of ${result.requested} dead letter${result.requested === 1 ? '' : 's'}.`);
  await loadDeadLetters();
}

// ---- vendors ----------------------------------------------------------------------------------------------------

async function loadVendors() {
  const page = await api('/api/v1/vendors');
  const rows = $('vendor-rows');
  clear(rows);
  for (const v of page.items) {
    rows.append(el('tr', {'data-testid': 'vendor-row-' + v.vendor},
      el('td', {}, v.vendor, v.paused ? ' ' : '', v.paused ? el('span', {class: 'badge warn'}, 'paused') : null),
      el('td', {}, breakerBadge(v.breaker)),
      el('td', {class: 'num'}, fmtNumber(v.in_flight)),
      el('td', {class: 'num'}, fmtNumber(v.pending ?? 0)),
      el('td', {}, fmtSeconds(v.oldest_pending_s)),
      el('td', {class: 'num'}, fmtNumber(v.dead_letters ?? 0)),
      el('td', {class: 'num'}, fmtNumber(v.delivered)),
      el('td', {class: 'num'}, fmtNumber(v.retried)),
      el('td', {}, pauseButton(v))));
  }
}

// ---- orders -----------------------------------------------------------------------------------------------------

function nextDay(day) {
  const d = new Date(day + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function orderQuery(form) {
  const params = new URLSearchParams();
  // The API's `to` is exclusive; a "To" day in the form includes that day.
  for (const [k, v] of new FormData(form)) if (v) params.set(k, k === 'to' ? nextDay(v) : v);
  params.set('limit', '50');
  return params;
}

async function searchOrders(params, append = false) {
  const page = await api('/api/v1/orders?' + params.toString());
  const rows = $('order-rows');
  if (!append) clear(rows);
  for (const o of page.items) {
    rows.append(el('tr', {class: 'clickable', 'data-testid': 'order-' + o.id, onclick: () => run(() => showOrder(o.id))},
      el('td', {}, o.id), el('td', {}, o.state), el('td', {}, o.vendor), el('td', {}, o.municipality),
      el('td', {}, o.external_ref), el('td', {}, o.recipient_ref), el('td', {}, o.delivery_date),
      el('td', {}, fmtTime(o.created_at))));
  }
  if (!append && !page.items.length) rows.append(el('tr', {}, el('td', {colspan: 8, class: 'muted'}, 'No orders found.')));
  state.orderQuery = params;
  state.orderCursor = page.next_cursor;
  $('order-more').hidden = !page.next_cursor;
}

function section(title, ...children) { return el('div', {}, el('h3', {}, title), ...children); }

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
            el('tbody', {}, ...rows));
}

async function showOrder(id, reason) {
  if (state.tab !== 'orders') { location.hash = '#orders'; }
  const query = reason ? `?unmask=true&reason=${encodeURIComponent(reason)}` : '';
  const d = await api(`/api/v1/orders/${encodeURIComponent(id)}${query}`);
  const box = $('order-detail');
  clear(box);
  box.hidden = false;
  const o = d.order;
  const unmask = state.me.can_unmask && d.masked
    ? el('button', {type: 'button', 'data-testid': 'unmask', onclick: () => {
        const why = askReason(`viewing personal data of ${id}`);
        if (why !== null) run(() => showOrder(id, why));
      }}, 'Show personal data')
    : null;
  box.append(el('h3', {}, `Order ${o.id} `, el('span', {class: 'badge', 'data-testid': 'detail-state'}, o.state), ' ',
                d.masked ? el('span', {class: 'badge warn'}, 'personal data masked') : el('span', {class: 'badge bad'}, 'unmasked (audited)')),
             el('p', {class: 'muted'}, `${o.vendor} · municipality ${o.municipality} · external ref ${o.external_ref}`,
                o.vendor_order_ref ? ` · vendor ref ${o.vendor_order_ref}` : '', ` · created ${fmtTime(o.created_at)}`),
             unmask);
  box.append(section('Events', table(['At', 'State', 'Vendor', 'Detail'],
    d.events.map((e) => el('tr', {}, el('td', {}, fmtTime(e.occurred_at)), el('td', {}, e.state), el('td', {}, e.vendor),
                           el('td', {}, e.event && e.event.reason ? e.event.reason : ''))))));
  box.append(section('Deliveries', table(['Id', 'Destination', 'Kind', 'State', 'Attempts', 'Last error', 'Next attempt'],
    d.deliveries.map((x) => el('tr', {}, el('td', {class: 'num'}, x.id), el('td', {}, x.destination), el('td', {}, x.kind),
                               el('td', {'data-testid': 'delivery-state-' + x.id}, x.state), el('td', {class: 'num'}, x.attempts),
                               el('td', {}, x.last_error), el('td', {}, fmtTime(x.next_attempt_at)))))));
  box.append(section('Attempts', table(['Started', 'Delivery', 'Outcome', 'HTTP', 'Duration', 'Error'],
    d.attempts.map((a) => el('tr', {}, el('td', {}, fmtTime(a.started_at)), el('td', {class: 'num'}, a.outbox_id),
                             el('td', {}, a.outcome), el('td', {}, a.http_status ?? '–'),
                             el('td', {class: 'num'}, a.duration_ms + ' ms'), el('td', {}, a.error))))));
  box.append(section('Canonical order', el('pre', {'data-testid': 'canonical'}, JSON.stringify(o.canonical, null, 2))));
  if (d.mapping_trace && d.mapping_trace.fields) {
    box.append(section(`Mapping trace (${d.mapping_trace.mapping || ''})`, table(['Field', 'From', 'Value'],
      d.mapping_trace.fields.map((f) => el('tr', {}, el('td', {}, f.output), el('td', {}, f.source ?? 'constant'),
                                           el('td', {}, typeof f.value === 'string' ? f.value : JSON.stringify(f.value)))))));
  } else if (d.mapping_trace && d.mapping_trace.error) {
    box.append(section('Mapping trace', el('p', {class: 'error'}, d.mapping_trace.error)));
  }
  if (d.message) {
    box.append(section(`Inbound message ${d.message.id} (${d.message.channel}, control id ${d.message.control_id})`,
                       el('pre', {'data-testid': 'raw'}, (d.message.raw || '(purged)').replace(/\r/g, '\n'))));
  }
  box.scrollIntoView({behavior: 'smooth', block: 'start'});
}

// ---- routes, shadow, scorecard ----------------------------------------------------------------------------------

function daysUntil(day) {
  const ms = new Date(day + 'T00:00:00') - new Date();
  return Math.max(0, Math.ceil(ms / 86400000));
}

async function loadRoutes() {
  const r = await api('/api/v1/routes');
  $('routes-today').textContent = r.today;
  const rows = $('route-rows');
  clear(rows);
  for (const route of r.items) {
    const next = route.next
      ? el('span', {}, el('strong', {}, route.next.vendor), ` from ${route.next.from} `,
           el('span', {class: 'badge warn'}, `in ${daysUntil(route.next.from)} days`))
      : el('span', {class: 'muted'}, 'none planned');
    rows.append(el('tr', {'data-testid': 'route-' + route.municipality},
      el('td', {}, route.municipality), el('td', {}, route.district ?? '–'),
      el('td', {}, route.current ? `${route.current.vendor} (since ${route.current.from})` : el('span', {class: 'error'}, 'no contract today')),
      el('td', {}, next), el('td', {}, route.shadow ?? '–')));
  }
}

async function loadShadow() {
  const s = await api('/api/v1/shadow?limit=50');
  $('shadow-unavailable').hidden = s.available;
  $('shadow-unavailable').textContent = s.detail || '';
  const counts = $('shadow-counts');
  const rows = $('shadow-rows');
  clear(counts);
  clear(rows);
  if (!s.available) return;
  for (const c of s.counts) {
    const cls = c.outcome === 'would_succeed' ? 'ok' : c.outcome === 'unavailable' ? 'warn' : 'bad';
    counts.append(el('tr', {}, el('td', {}, c.vendor), el('td', {}, el('span', {class: 'badge ' + cls}, c.outcome)),
                         el('td', {class: 'num'}, fmtNumber(c.count)), el('td', {}, fmtTime(c.last_at))));
  }
  for (const r of s.items) {
    rows.append(el('tr', {}, el('td', {}, r.order_id), el('td', {}, r.vendor), el('td', {}, r.route_vendor),
                       el('td', {}, r.outcome), el('td', {}, r.sent ? `yes (${r.http_status ?? '–'})` : 'no'),
                       el('td', {}, r.detail), el('td', {}, fmtTime(r.recorded_at))));
  }
}

function scorecardParams() {
  const form = $('scorecard-form');
  return new URLSearchParams({from: form.from.value, to: form.to.value});
}

async function loadScorecard() {
  const s = await api('/api/v1/scorecard?' + scorecardParams().toString());
  const rows = $('scorecard-rows');
  clear(rows);
  for (const v of s.vendors) {
    rows.append(el('tr', {'data-testid': 'scorecard-' + v.vendor},
      el('td', {}, v.vendor), el('td', {class: 'num'}, fmtNumber(v.orders)),
      el('td', {class: 'num'}, fmtPercent(v.acceptance_rate)), el('td', {class: 'num'}, fmtPercent(v.line_fill_rate)),
      el('td', {class: 'num'}, fmtPercent(v.substitution_rate)), el('td', {class: 'num'}, fmtPercent(v.out_of_stock_rate)),
      el('td', {}, `${fmtSeconds(v.time_to_accept_median_s)} / ${fmtSeconds(v.time_to_accept_p90_s)}`),
      el('td', {class: 'num'}, fmtPercent(v.on_time_rate)), el('td', {class: 'num'}, fmtPercent(v.error_rate)),
      el('td', {class: 'num'}, fmtPercent(v.retry_rate))));
  }
  if (!s.vendors.length) rows.append(el('tr', {}, el('td', {colspan: 10, class: 'muted'}, 'No orders in this period.')));
}

async function downloadScorecard() {
  const params = scorecardParams();
  params.set('format', 'csv');
  const res = await api('/api/v1/scorecard?' + params.toString(), {raw: true});
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', {href: url, download: `scorecard-${params.get('from')}-${params.get('to')}.csv`});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- wiring -----------------------------------------------------------------------------------------------------

function isoDay(d) { return d.toISOString().slice(0, 10); }

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('sign-in-error').textContent = '';
    signIn($('token').value.trim());
  });
  $('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => showTab(location.hash.slice(1)));
  $('dl-refresh').addEventListener('click', () => run(loadDeadLetters));
  $('dl-replay-selected').addEventListener('click', () => run(() => replay(selectedDeadLetters())));
  $('order-search').addEventListener('submit', (e) => { e.preventDefault(); run(() => searchOrders(orderQuery(e.target))); });
  $('order-more').addEventListener('click', () => {
    const p = new URLSearchParams(state.orderQuery);
    p.set('cursor', state.orderCursor);
    run(() => searchOrders(p, true));
  });
  const now = new Date();
  const form = $('scorecard-form');
  form.from.value = isoDay(new Date(now.getFullYear(), now.getMonth(), 1, 12));
  form.to.value = isoDay(now);
  form.addEventListener('submit', (e) => { e.preventDefault(); run(loadScorecard); });
  $('scorecard-csv').addEventListener('click', () => run(downloadScorecard));
  if (state.token) signIn(state.token); else $('sign-in').hidden = false;
});
