#!/usr/bin/env node
// sse-load.mjs — dependency-free SSE fan-out load generator (Node >= 18).
//
// Vendored from the neutral harness the reference servers (seed-python, nchan) were
// measured with, so that AgentMesh's numbers come from the same generator. One change:
// --url takes a comma-separated list and spreads the subscribers over it round-robin
// (subscribers on several AgentMesh instances, publishing through one).
//
// Opens N raw-TCP (node:net) SSE subscriptions to --url, waits until every one has its
// response headers (or, with --ready first-event, its first event/comment), then publishes
// events at --rate R/s for --warmup + --duration seconds through a keep-alive node:http
// agent, and measures for every delivery: latency = receive time − t, where
// t = performance.timeOrigin + performance.now() (ms) stamped into the published payload.
// Only events published after the warm-up count. Bounded: fixed event count, fixed
// deadlines, a hard watchdog; it always stops by itself. See bench/README.md.
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';

// ---------------------------------------------------------------- arguments
const HELP = `usage: node sse-load.mjs --url URL --publish "METHOD URL [BODY]" [options]
  --url URL[,URL..]      SSE subscribe URL(s) (http:// only); several spread subscribers round-robin
  --subs N               concurrent subscribers (default 100)
  --rate R               events per second published (default 10)
  --duration S           measured publishing seconds (default 10)
  --warmup W             warm-up publishing seconds before measuring (default 2)
  --publish SPEC         "POST http://127.0.0.1:8102/pub" (+ optional body template after the URL)
  --body TEMPLATE        body template; {{payload}} is replaced by {"seq":N,"t":MS} (default "{{payload}}")
  --placeholder STR      placeholder string (default {{payload}})
  --pub-header "K: V"    extra publish header (repeatable; default Content-Type: application/json)
  --sub-header "K: V"    extra subscribe header (repeatable)
  --ready MODE           headers | first-event  (when a subscriber counts as ready; default headers)
  --connect-concurrency C  max simultaneous pending subscribes (default 200)
  --connect-timeout S    give up waiting for subscribers after S s, go on with those ready (default 30)
  --settle MS            pause after all subscribers are ready (default 200)
  --drain S              after the last publish, wait at most S s for deliveries (default 5)
  --pub-conns K          keep-alive sockets for publishing (default 8)
  --max-inflight M       publishes outstanding before new ones are dropped (default 2000)
  --server-pid P[,P..]   server PIDs to measure (CPU from /proc/P/stat, RSS from /proc/P/status)
  --label NAME           name recorded in the report
  --out FILE             write the JSON report there (the summary line always goes to stdout)
  --progress             print a progress line every second to stderr`;

function parseArgs(argv) {
  const o = { pubHeaders: [], subHeaders: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { console.log(HELP); process.exit(0); }
    if (a === '--progress') { o.progress = true; continue; }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    let k = a.slice(2), v;
    const eq = k.indexOf('=');
    if (eq >= 0) { v = k.slice(eq + 1); k = k.slice(0, eq); } else { v = argv[++i]; }
    if (v === undefined) throw new Error(`missing value for --${k}`);
    if (k === 'pub-header') o.pubHeaders.push(v);
    else if (k === 'sub-header') o.subHeaders.push(v);
    else o[k] = v;
  }
  return o;
}

let args;
try { args = parseArgs(process.argv.slice(2)); } catch (e) { console.error(String(e.message) + '\n' + HELP); process.exit(2); }
if (!args.url || !args.publish) { console.error(HELP); process.exit(2); }
const num = (v, d) => (v === undefined ? d : Number(v));
const CFG = {
  url: args.url,
  subs: Math.max(0, Math.floor(num(args.subs, 100))),
  rate: num(args.rate, 10),
  duration: num(args.duration, 10),
  warmup: num(args.warmup, 2),
  publish: args.publish,
  body: args.body,
  placeholder: args.placeholder ?? '{{payload}}',
  pubHeaders: args.pubHeaders.length ? args.pubHeaders : ['Content-Type: application/json'],
  subHeaders: args.subHeaders,
  ready: args.ready ?? 'headers',
  connectConcurrency: Math.max(1, Math.floor(num(args['connect-concurrency'], 200))),
  connectTimeout: num(args['connect-timeout'], 30),
  settle: num(args.settle, 200),
  drain: num(args.drain, 5),
  pubConns: Math.max(1, Math.floor(num(args['pub-conns'], 8))),
  maxInflight: Math.max(1, Math.floor(num(args['max-inflight'], 2000))),
  serverPids: (args['server-pid'] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number),
  label: args.label ?? '',
  out: args.out,
};
for (const k of ['subs', 'rate', 'duration', 'warmup', 'connectTimeout', 'drain', 'settle']) {
  if (!Number.isFinite(CFG[k]) || CFG[k] < 0) { console.error(`bad --${k}`); process.exit(2); }
}
if (CFG.rate <= 0) { console.error('--rate must be > 0'); process.exit(2); }
if (!['headers', 'first-event'].includes(CFG.ready)) { console.error('--ready must be headers|first-event'); process.exit(2); }

// publish spec: "[METHOD] URL [BODY TEMPLATE]"  (method defaults to POST; --body overrides the inline body)
const PUB_SPEC = /^\s*(?:([A-Za-z]+)\s+)?(https?:\/\/\S+)(?:\s+([\s\S]*))?$/.exec(CFG.publish);
if (!PUB_SPEC) { console.error(`bad --publish ${JSON.stringify(CFG.publish)}; want "POST http://host:port/path [body]"`); process.exit(2); }
const PUB_METHOD = (PUB_SPEC[1] || 'POST').toUpperCase();
const PUB_URL_STR = PUB_SPEC[2];
if (CFG.body === undefined) CFG.body = (PUB_SPEC[3] || '').trim() || CFG.placeholder;
const SUB_URLS = CFG.url.split(',').map((u) => new URL(u.trim()));
const PUB_URL = new URL(PUB_URL_STR);
if (SUB_URLS.some((u) => u.protocol !== 'http:') || PUB_URL.protocol !== 'http:') { console.error('only http:// URLs are supported'); process.exit(2); }
const BODY_PARTS = CFG.body.split(CFG.placeholder);
if (BODY_PARTS.length < 2) console.error(`warning: body template has no ${CFG.placeholder}; payload appended to nothing — deliveries cannot be matched`);
const parseHeader = (h) => { const i = h.indexOf(':'); return [h.slice(0, i).trim(), h.slice(i + 1).trim()]; };
const PUB_HEADERS = Object.fromEntries(CFG.pubHeaders.map(parseHeader));

// ---------------------------------------------------------------- clocks & /proc
const wallNow = () => performance.timeOrigin + performance.now(); // ms since epoch, µs resolution
let CLK_TCK = 100;
try { CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* default */ }

function readProcCpu(pid, tid) {
  // utime+stime (fields 14,15) in seconds; null if unreadable
  try {
    const p = tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`;
    const s = fs.readFileSync(p, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch { return null; }
}
function readProcMem(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const g = (k) => { const m = s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')); return m ? Number(m[1]) : null; };
    return { rss_kb: g('VmRSS'), hwm_kb: g('VmHWM'), threads: Number((s.match(/^Threads:\s+(\d+)/m) || [])[1] || 0) };
  } catch { return null; }
}
function readHostCpu() {
  // /proc/stat "cpu" line: user nice system idle iowait irq softirq steal (in ticks)
  try {
    const f = fs.readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return { user: f[0] + f[1], system: f[2], idle: f[3] + f[4], irq: f[5], softirq: f[6], steal: f[7] || 0 };
  } catch { return null; }
}
function serverSnapshot() {
  return CFG.serverPids.map((pid) => ({ pid, cpu_s: readProcCpu(pid), ...(readProcMem(pid) ?? { rss_kb: null, hwm_kb: null }) }));
}
function selfSnapshot() {
  const u = process.cpuUsage();
  return { proc_cpu_s: (u.user + u.system) / 1e6, main_cpu_s: readProcCpu(process.pid, process.pid), host: readHostCpu(), t: performance.now() };
}

// ---------------------------------------------------------------- histogram (log-linear, µs, ≤0.1% error)
class Hist {
  constructor() { this.c = new Float64Array(1024 + 23 * 512); this.n = 0; this.sum = 0; this.min = Infinity; this.max = -Infinity; }
  add(ms) {
    if (ms < this.min) this.min = ms; if (ms > this.max) this.max = ms;
    this.n++; this.sum += ms;
    let v = Math.round(ms * 1000); if (v < 0) v = 0; if (v > 0x7fffffff) v = 0x7fffffff;
    let i;
    if (v < 1024) i = v; else { const sh = 31 - Math.clz32(v) - 9; i = 1024 + (sh - 1) * 512 + ((v >>> sh) - 512); }
    this.c[i]++;
  }
  static valueOf(i) { // bucket midpoint in µs
    if (i < 1024) return i;
    const sh = ((i - 1024) >> 9) + 1, sub = ((i - 1024) & 511) + 512;
    return sub * 2 ** sh + (2 ** sh) / 2;
  }
  pct(q) {
    if (!this.n) return null;
    const target = Math.ceil(q * this.n); let acc = 0;
    for (let i = 0; i < this.c.length; i++) { acc += this.c[i]; if (acc >= target) return Math.min(Hist.valueOf(i) / 1000, this.max); }
    return this.max;
  }
  summary() {
    if (!this.n) return { count: 0, min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
    const r = (x) => Math.round(x * 1000) / 1000;
    return { count: this.n, min: r(this.min), mean: r(this.sum / this.n), p50: r(this.pct(0.5)), p90: r(this.pct(0.9)), p99: r(this.pct(0.99)), p999: r(this.pct(0.999)), max: r(this.max) };
  }
}

// ---------------------------------------------------------------- run state
const RUN_T0 = wallNow();
const WARM_EVENTS = Math.round(CFG.warmup * CFG.rate);
const MEAS_EVENTS = Math.max(1, Math.round(CFG.duration * CFG.rate));
const TOTAL_EVENTS = WARM_EVENTS + MEAS_EVENTS;
const perSeqCount = new Uint32Array(TOTAL_EVENTS);  // deliveries per event
const pubState = new Uint8Array(TOTAL_EVENTS);      // 0 not sent, 1 in flight, 2 accepted(2xx), 3 http error, 4 network error, 5 dropped
const lat = new Hist();
const pubAck = new Hist();
const pubLag = new Hist();
const st = {
  opened: 0, ready: 0, failed: 0, connectErrors: {}, httpStatus: {}, notEventStream: 0,
  closedAfterReady: 0, measuredRecv: 0, warmRecv: 0, staleRecv: 0, unmatched: 0, parseFallback: 0, outOfOrder: 0,
  pubSent: 0, pubInflight: 0, pubOk: 0, pubHttpErr: 0, pubNetErr: 0, pubDropped: 0, pubStatus: {}, pubErrKinds: {},
  firstMeasuredRecvT: null, lastMeasuredRecvT: null,
};
let phase = 'connect';   // connect -> publish -> drain -> done
let measureStartPerf = null;
const conns = [];
const timeline = []; // per second since publish start: [published, measuredReceived]
let tlBase = null, tlRecvAtLastTick = 0, tlPubAtLastTick = 0;

// ---------------------------------------------------------------- SSE parsing
const FAST = /"seq"\s*:\s*(\d+)\s*,\s*"t"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/;
function findSeqT(obj, depth) {
  if (!obj || typeof obj !== 'object' || depth > 6) return null;
  if (typeof obj.seq === 'number' && typeof obj.t === 'number') return obj;
  for (const k in obj) { const r = findSeqT(obj[k], depth + 1); if (r) return r; }
  return null;
}
function onDelivery(c, seq, t, nowWall, nowPerf) {
  if (seq >= TOTAL_EVENTS || t < RUN_T0 - 1) { st.staleRecv++; return; }
  if (seq <= c.lastSeq) st.outOfOrder++;
  c.lastSeq = seq;
  if (seq < WARM_EVENTS) { st.warmRecv++; return; }
  if (phase === 'done') return;
  perSeqCount[seq]++;
  c.recv++;
  st.measuredRecv++;
  if (st.firstMeasuredRecvT === null) st.firstMeasuredRecvT = nowPerf;
  st.lastMeasuredRecvT = nowPerf;
  lat.add(nowWall - t);
}
function handleBlock(c, block, nowWall, nowPerf) {
  // one SSE event (text between blank lines)
  if (!c.gotFirstEvent) { c.gotFirstEvent = true; if (CFG.ready === 'first-event' && !c.isReady) markReady(c); }
  if (block.indexOf('data:') < 0) return; // comment / keep-alive / id-only
  const m = FAST.exec(block);
  if (m) { onDelivery(c, Number(m[1]), Number(m[2]), nowWall, nowPerf); return; }
  // fallback: join data lines, JSON.parse, look for an object with numeric seq and t
  st.parseFallback++;
  let data = '';
  for (const line of block.split('\n')) if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
  try { const o = findSeqT(JSON.parse(data), 0); if (o) { onDelivery(c, o.seq, o.t, nowWall, nowPerf); return; } } catch { /* not JSON */ }
  st.unmatched++;
}
function feedBody(c, s) {
  let buf = c.buf ? c.buf + s : s;
  if (buf.indexOf('\r') >= 0) buf = buf.replace(/\r\n?/g, '\n'); // note: a lone \r split across reads is rare and tolerated
  let start = 0, idx = buf.indexOf('\n\n');
  if (idx < 0) { c.buf = buf; return; }
  const nowPerf = performance.now(), nowWall = performance.timeOrigin + nowPerf;
  while (idx >= 0) {
    if (idx > start) handleBlock(c, buf.slice(start, idx), nowWall, nowPerf);
    else if (!c.gotFirstEvent) handleBlock(c, '', nowWall, nowPerf);
    start = idx + 2;
    idx = buf.indexOf('\n\n', start);
  }
  c.buf = start < buf.length ? buf.slice(start) : '';
}
function feedChunked(c, s) {
  // minimal HTTP/1.1 chunked decoder over a latin1 string (1 char == 1 byte)
  let i = 0, out = '';
  const n = s.length;
  while (i < n) {
    if (c.cstate === 1) {
      const take = Math.min(c.crem, n - i);
      out += (take === n && i === 0) ? s : s.slice(i, i + take);
      i += take; c.crem -= take;
      if (c.crem === 0) c.cstate = 2;
    } else if (c.cstate === 2) { // CRLF after chunk data
      const ch = s.charCodeAt(i);
      if (ch === 13) i++; else { if (ch === 10) i++; c.cstate = 0; }
    } else {
      const nl = s.indexOf('\n', i);
      if (nl < 0) { c.sizeLine += s.slice(i); break; }
      const line = c.sizeLine + s.slice(i, nl); c.sizeLine = '';
      i = nl + 1;
      const size = parseInt(line, 16);
      if (Number.isNaN(size)) continue;
      if (size === 0) { c.bodyEnded = true; break; }
      c.crem = size; c.cstate = 1;
    }
  }
  if (out) feedBody(c, out);
}

// ---------------------------------------------------------------- subscribers (raw TCP)
const SUB_TARGETS = SUB_URLS.map((u) => ({
  req: `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
    `Accept: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n` +
    CFG.subHeaders.map((h) => `${h}\r\n`).join('') + '\r\n',
  port: Number(u.port || 80),
  host: u.hostname.replace(/^\[|\]$/g, ''),
}));
const SHARED_RBUF = Buffer.allocUnsafe(256 * 1024); // one read buffer for all sockets (copied out at once)
let pendingConnects = 0, nextConn = 0, connectDone = null;

function markReady(c) {
  c.isReady = true;
  st.ready++;
  c.sock.setTimeout(0);
  pendingConnects--;
  pumpConnects();
}
function failConn(c, why) {
  if (c.failed || c.isReady) return;
  c.failed = true; st.failed++;
  st.connectErrors[why] = (st.connectErrors[why] || 0) + 1;
  pendingConnects--;
  c.sock.destroy();
  pumpConnects();
}
function onSubData(c, str) {
  if (c.headDone) { if (c.chunked) feedChunked(c, str); else feedBody(c, str); return; }
  c.head += str;
  const he = c.head.indexOf('\r\n\r\n');
  if (he < 0) { if (c.head.length > 65536) failConn(c, 'header_too_large'); return; }
  const head = c.head.slice(0, he), rest = c.head.slice(he + 4);
  c.head = '';
  c.headDone = true;
  const status = Number(head.slice(9, 12));
  st.httpStatus[status] = (st.httpStatus[status] || 0) + 1;
  if (status !== 200) { failConn(c, `http_${status}`); return; }
  const lower = head.toLowerCase();
  c.chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(lower);
  if (!/\r\ncontent-type:\s*text\/event-stream/.test(lower)) st.notEventStream++;
  if (CFG.ready === 'headers') markReady(c);
  if (rest) { if (c.chunked) feedChunked(c, rest); else feedBody(c, rest); }
}
function openOne() {
  const c = { id: nextConn++, head: '', headDone: false, chunked: false, cstate: 0, crem: 0, sizeLine: '', buf: '',
    isReady: false, failed: false, gotFirstEvent: false, recv: 0, lastSeq: -1, bodyEnded: false, sock: null };
  conns.push(c);
  pendingConnects++;
  st.opened++;
  const target = SUB_TARGETS[c.id % SUB_TARGETS.length];
  const sock = net.connect({
    host: target.host, port: target.port, noDelay: true,
    onread: { buffer: SHARED_RBUF, callback: (nread, buf) => { onSubData(c, buf.toString('latin1', 0, nread)); return true; } },
  });
  c.sock = sock;
  sock.setTimeout(CFG.connectTimeout * 1000, () => failConn(c, 'timeout'));
  sock.on('connect', () => sock.write(target.req));
  sock.on('error', (e) => { if (!c.isReady) failConn(c, e.code || 'error'); else c.err = e.code || 'error'; });
  sock.on('close', () => {
    if (!c.isReady) { failConn(c, c.headDone ? 'closed_before_ready' : 'closed_before_headers'); return; }
    if (phase !== 'done') { st.closedAfterReady++; c.closedAt = phase; }
  });
}
function pumpConnects() {
  if (phase !== 'connect') return;
  while (pendingConnects < CFG.connectConcurrency && nextConn < CFG.subs) openOne();
  if (st.ready + st.failed >= CFG.subs && connectDone) { const f = connectDone; connectDone = null; f(); }
}

// ---------------------------------------------------------------- publisher (keep-alive http agent)
const pubAgent = new http.Agent({ keepAlive: true, maxSockets: CFG.pubConns, maxFreeSockets: CFG.pubConns });
const PUB_PATH = PUB_URL.pathname + PUB_URL.search;
const PUB_HOST = PUB_URL.hostname.replace(/^\[|\]$/g, '');
const PUB_PORT = Number(PUB_URL.port || 80);
function publishOne(seq) {
  if (st.pubInflight >= CFG.maxInflight) { pubState[seq] = 5; st.pubDropped++; return; }
  const t = wallNow();
  const payload = `{"seq":${seq},"t":${t}}`;
  const body = BODY_PARTS.join(payload);
  const sentPerf = performance.now();
  st.pubSent++; st.pubInflight++; pubState[seq] = 1;
  let done = false;
  const finish = (state, key) => {
    if (done) return; done = true;
    st.pubInflight--; pubState[seq] = state;
    if (state === 2) { st.pubOk++; pubAck.add(performance.now() - sentPerf); }
    else if (state === 3) st.pubHttpErr++;
    else { st.pubNetErr++; st.pubErrKinds[key] = (st.pubErrKinds[key] || 0) + 1; }
  };
  const req = http.request({ agent: pubAgent, host: PUB_HOST, port: PUB_PORT, method: PUB_METHOD, path: PUB_PATH,
    headers: { ...PUB_HEADERS, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
    st.pubStatus[res.statusCode] = (st.pubStatus[res.statusCode] || 0) + 1;
    res.on('data', () => {});
    res.on('end', () => finish(res.statusCode >= 200 && res.statusCode < 300 ? 2 : 3));
    res.on('error', (e) => finish(4, e.code || 'res_error'));
  });
  req.on('error', (e) => finish(4, e.code || 'req_error'));
  req.end(body);
}
function runPublisher() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    tlBase = t0;
    measureStartPerf = t0 + CFG.warmup * 1000;
    const step = 1000 / CFG.rate;
    let next = 0;
    const tick = () => {
      const now = performance.now();
      const due = Math.min(TOTAL_EVENTS, Math.floor((now - t0) / step) + 1);
      while (next < due) {
        if (next === WARM_EVENTS) onMeasureStart();
        pubLag.add(performance.now() - (t0 + next * step));
        publishOne(next++);
      }
      if (next >= TOTAL_EVENTS) { resolve(performance.now()); return; }
      setTimeout(tick, Math.max(0, t0 + next * step - performance.now()));
    };
    tick();
  });
}

// ---------------------------------------------------------------- measurement windows
let snapMeasureStart = null, srvMeasureStart = null;
let readyAtMeasureStart = 0;
function onMeasureStart() {
  snapMeasureStart = selfSnapshot();
  srvMeasureStart = serverSnapshot();
  readyAtMeasureStart = conns.reduce((a, c) => a + (c.isReady && !c.sock.destroyed ? 1 : 0), 0);
}
function await_cores() { try { return fs.readFileSync('/proc/stat', 'latin1').split('\n').filter((l) => /^cpu\d/.test(l)).length; } catch { return null; } }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ELD_RES_MS = 5;
const eld = monitorEventLoopDelay({ resolution: ELD_RES_MS }); // records whole timer intervals: subtract the resolution
let peakServerRss = 0, peakSelfRss = 0;
const sampler = setInterval(() => {
  for (const s of serverSnapshot()) if (s.rss_kb) peakServerRss = Math.max(peakServerRss, s.rss_kb);
  peakSelfRss = Math.max(peakSelfRss, process.memoryUsage.rss() / 1024);
  if (tlBase !== null && phase !== 'done') {
    timeline.push([st.pubSent - tlPubAtLastTick, st.measuredRecv - tlRecvAtLastTick]);
    tlPubAtLastTick = st.pubSent; tlRecvAtLastTick = st.measuredRecv;
  }
  if (CFG.progress) process.stderr.write(`[${phase}] ready ${st.ready}/${CFG.subs} failed ${st.failed} pub ${st.pubSent} ok ${st.pubOk} inflight ${st.pubInflight} recv(meas) ${st.measuredRecv} warm ${st.warmRecv}\n`);
}, 1000);

// hard watchdog: the run can never outlive its own schedule
const HARD_LIMIT_S = CFG.connectTimeout + CFG.settle / 1000 + CFG.warmup + CFG.duration + CFG.drain + 60;
const watchdog = setTimeout(() => { console.error(`sse-load: watchdog fired after ${HARD_LIMIT_S}s; aborting`); finish(true); }, HARD_LIMIT_S * 1000);

// ---------------------------------------------------------------- main
const srvStart = serverSnapshot();
const selfStart = selfSnapshot();
let connectMs = null, publishEndPerf = null, drainEndPerf = null, finished = false;

async function main() {
  const tc = performance.now();
  if (CFG.subs > 0) {
    await new Promise((resolve) => {
      connectDone = resolve;
      pumpConnects();
      setTimeout(() => { if (connectDone) { const f = connectDone; connectDone = null; f(); } }, CFG.connectTimeout * 1000);
    });
  }
  connectMs = performance.now() - tc;
  // give up on subscribers still pending
  for (const c of conns) if (!c.isReady && !c.failed) failConn(c, 'connect_phase_timeout');
  phase = 'publish';
  if (CFG.settle) await sleep(CFG.settle);
  eld.enable();
  publishEndPerf = await runPublisher();
  phase = 'drain';
  const deadline = publishEndPerf + CFG.drain * 1000;
  for (;;) {
    const expected = expectedDeliveries();
    if (st.pubInflight === 0 && st.measuredRecv >= expected) break;
    if (performance.now() >= deadline) break;
    await sleep(20);
  }
  drainEndPerf = performance.now();
  finish(false);
}
function expectedDeliveries() {
  let ev = 0;
  for (let s = WARM_EVENTS; s < TOTAL_EVENTS; s++) if (pubState[s] === 1 || pubState[s] === 2) ev++;
  return ev * readyAtMeasureStart;
}

function finish(aborted) {
  if (finished) return; finished = true;
  const prevPhase = phase;
  phase = 'done';
  eld.disable();
  clearInterval(sampler); clearTimeout(watchdog);
  const endPerf = performance.now();
  const selfEnd = selfSnapshot();
  const srvEnd = serverSnapshot();
  // counts
  let evAccepted = 0, evInflight = 0, evHttpErr = 0, evNetErr = 0, evDropped = 0, evZero = 0, evPartial = 0;
  let minPer = Infinity, maxPer = 0;
  for (let s = WARM_EVENTS; s < TOTAL_EVENTS; s++) {
    const p = pubState[s];
    if (p === 2) evAccepted++; else if (p === 1) evInflight++; else if (p === 3) evHttpErr++; else if (p === 4) evNetErr++; else if (p === 5) evDropped++;
    if (p === 1 || p === 2) {
      const n = perSeqCount[s];
      if (n === 0) evZero++; else if (n < readyAtMeasureStart) evPartial++;
      if (n < minPer) minPer = n; if (n > maxPer) maxPer = n;
    }
  }
  const subs = readyAtMeasureStart;
  const expected = (evAccepted + evInflight) * subs;
  const received = st.measuredRecv;
  let subMin = Infinity, subMax = 0;
  for (const c of conns) if (c.isReady) { if (c.recv < subMin) subMin = c.recv; if (c.recv > subMax) subMax = c.recv; }
  const ms = snapMeasureStart ?? selfStart;
  const measWall = ((drainEndPerf ?? endPerf) - (measureStartPerf ?? endPerf)) / 1000;
  // publishing window: measure start -> last publish + one interval (so N events at R/s span N/R s)
  const pubWindow = ((publishEndPerf ?? endPerf) - (measureStartPerf ?? endPerf)) / 1000 + 1 / CFG.rate;
  const genMainCpu = selfEnd.main_cpu_s !== null && ms.main_cpu_s !== null ? selfEnd.main_cpu_s - ms.main_cpu_s : null;
  const genProcCpu = selfEnd.proc_cpu_s - ms.proc_cpu_s;
  const genMainPct = genMainCpu !== null && measWall > 0 ? (100 * genMainCpu) / measWall : null;
  // delivery window: measure start -> last measured delivery, but never shorter than the publishing window
  const deliveryWindow = st.firstMeasuredRecvT !== null ? Math.max(pubWindow, (st.lastMeasuredRecvT - (measureStartPerf ?? st.firstMeasuredRecvT)) / 1000) : null;
  const r3 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);
  const srvPer = CFG.serverPids.map((pid, i) => {
    const a = (srvMeasureStart ?? srvStart)[i], b = srvEnd[i], z = srvStart[i];
    return { pid, cpu_s_window: a && b && a.cpu_s !== null && b.cpu_s !== null ? r3(b.cpu_s - a.cpu_s) : null,
      cpu_s_run: z && b && z.cpu_s !== null && b.cpu_s !== null ? r3(b.cpu_s - z.cpu_s) : null,
      rss_kb_before: z?.rss_kb ?? null, rss_kb_after: b?.rss_kb ?? null, hwm_kb_before: z?.hwm_kb ?? null, hwm_kb_after: b?.hwm_kb ?? null,
      alive_at_end: b?.cpu_s !== null && b?.cpu_s !== undefined };
  });
  const sumOrNull = (arr, k) => (arr.length && arr.every((x) => x[k] !== null) ? arr.reduce((a, x) => a + x[k], 0) : null);
  const srvCpuWin = sumOrNull(srvPer, 'cpu_s_window');
  let host = null;
  if (ms.host && selfEnd.host) {
    const d = {}; let tot = 0;
    for (const k of Object.keys(ms.host)) { d[k] = selfEnd.host[k] - ms.host[k]; tot += d[k]; }
    const cores = await_cores() || 1, windowS = tot / CLK_TCK / cores;
    host = { cores, busy_pct_of_all_cores: tot ? r3((100 * (tot - d.idle)) / tot) : null };
    for (const k of Object.keys(d)) host[`${k}_pct`] = tot ? r3((100 * d[k]) / tot) : null;
    // CPU that neither the measured server PIDs nor this generator account for, minus irq/softirq
    // time (loopback TCP work is often charged there): other tenants of the machine. > 0.25 = noisy.
    const busyCoreS = (tot - d.idle) / CLK_TCK, irqCoreS = (d.irq + d.softirq) / CLK_TCK;
    if (srvCpuWin !== null && windowS > 0) host.other_load_cores = r3(Math.max(0, busyCoreS - irqCoreS - srvCpuWin - genProcCpu) / windowS);
  }
  const eldMs = (v) => r3(Math.max(0, v / 1e6 - ELD_RES_MS));
  const loopP99 = eld.count ? eldMs(eld.percentile(99)) : null;
  // generator_saturated: its main thread was ≥90% busy or its event loop stalled ≥100 ms at p99 —
  // latencies then include generator queueing. host_saturated: both cores ≥95% busy in total.
  const genSaturated = (genMainPct !== null && genMainPct >= 90) || (loopP99 !== null && loopP99 >= 100);
  const report = {
    tool: 'sse-load', version: 1, label: CFG.label, started_at: new Date(RUN_T0).toISOString(), aborted,
    aborted_in_phase: aborted ? prevPhase : null,
    config: { ...CFG, publish_method: PUB_METHOD, publish_url: PUB_URL_STR, warmup_events: WARM_EVENTS, measured_events: MEAS_EVENTS },
    subscribers: { requested: CFG.subs, ready: st.ready, ready_at_measure_start: subs, failed: st.failed, connect_errors: st.connectErrors,
      http_status: st.httpStatus, not_event_stream: st.notEventStream, connect_ms: r3(connectMs), closed_after_ready: st.closedAfterReady,
      per_sub_received_min: Number.isFinite(subMin) ? subMin : null, per_sub_received_max: subMax },
    publish: { target_rate: CFG.rate, measured_events_scheduled: MEAS_EVENTS, accepted: evAccepted, unacked_at_end: evInflight, http_errors: evHttpErr,
      net_errors: evNetErr, dropped_inflight_cap: evDropped, status_counts: st.pubStatus, error_kinds: st.pubErrKinds,
      achieved_rate: pubWindow > 0 ? r3((evAccepted + evInflight + evHttpErr + evNetErr) / pubWindow) : null,
      ack_ms: pubAck.summary(), schedule_lag_ms: pubLag.summary(), warmup_events_sent: WARM_EVENTS },
    deliveries: { expected, received, pct: expected ? r3((100 * received) / expected) : null,
      events_with_zero_deliveries: evZero, events_partially_delivered: evPartial,
      per_event_min: Number.isFinite(minPer) ? minPer : null, per_event_max: maxPer,
      warmup_received: st.warmRecv, stale_ignored: st.staleRecv, unmatched_data_events: st.unmatched, parse_fallbacks: st.parseFallback,
      out_of_order_or_duplicate: st.outOfOrder },
    latency_ms: lat.summary(),
    throughput: { deliveries_per_s: deliveryWindow ? r3(received / deliveryWindow) : null, delivery_window_s: r3(deliveryWindow),
      expected_deliveries_per_s: r3(CFG.rate * subs), publish_window_s: r3(pubWindow), measure_window_s: r3(measWall) },
    server: { pids: CFG.serverPids, cpu_s: r3(srvCpuWin), cpu_pct_of_one_core: srvCpuWin !== null && measWall > 0 ? r3((100 * srvCpuWin) / measWall) : null,
      cpu_s_whole_run: r3(sumOrNull(srvPer, 'cpu_s_run')),
      peak_rss_kb: srvPer.length ? sumOrNull(srvPer, 'hwm_kb_after') : null, rss_kb_after: srvPer.length ? sumOrNull(srvPer, 'rss_kb_after') : null,
      sampled_peak_rss_kb_max_pid: peakServerRss || null, per_pid: srvPer },
    generator: { cpu_s: r3(genProcCpu), main_thread_cpu_s: r3(genMainCpu), main_thread_cpu_pct: r3(genMainPct),
      cpu_s_whole_run: r3(selfEnd.proc_cpu_s - selfStart.proc_cpu_s),
      event_loop_delay_ms: eld.count ? { p50: eldMs(eld.percentile(50)), p99: loopP99, max: eldMs(eld.max) } : null,
      peak_rss_kb: Math.round(peakSelfRss), saturated: genSaturated },
    host_cpu: host,
    flags: { generator_saturated: genSaturated, host_saturated: !!(host && host.busy_pct_of_all_cores >= 95),
      noisy_host: !!(host && host.other_load_cores !== undefined && host.other_load_cores > 0.25),
      all_subscribers_ready: st.ready === CFG.subs, aborted },
    timeline_per_s: timeline,
  };
  const L = report.latency_ms, D = report.deliveries, S = report.server, G = report.generator;
  const f = (x, d = 1) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(d));
  report.summary = `${CFG.label ? `[${CFG.label}] ` : ''}subs ${subs}/${CFG.subs} | events ${evAccepted + evInflight}/${MEAS_EVENTS} @${CFG.rate}/s` +
    ` | deliveries ${received}/${expected} (${f(D.pct, 2)}%) | latency ms p50 ${f(L.p50, 2)} p90 ${f(L.p90, 2)} p99 ${f(L.p99, 2)} max ${f(L.max, 1)}` +
    ` | ${f(report.throughput.deliveries_per_s, 0)} deliv/s | server cpu ${f(S.cpu_s, 2)}s (${f(S.cpu_pct_of_one_core, 0)}%) peak rss ${S.peak_rss_kb ? f(S.peak_rss_kb / 1024, 1) + ' MiB' : 'n/a'}` +
    ` | generator cpu ${f(G.cpu_s, 2)}s (main ${f(G.main_thread_cpu_pct, 0)}%, loop p99 ${f(G.event_loop_delay_ms?.p99, 0)}ms) | host busy ${f(host?.busy_pct_of_all_cores, 0)}% (sys ${f(host?.system_pct, 0)}% si ${f(host?.softirq_pct, 0)}% other ${f(host?.other_load_cores, 2)} cores)${G.saturated ? ' GENERATOR-SATURATED' : ''}${host && host.busy_pct_of_all_cores >= 95 ? ' HOST-SATURATED' : ''}${aborted ? ' ABORTED' : ''}`;
  if (CFG.out) fs.writeFileSync(CFG.out, JSON.stringify(report, null, 1) + '\n');
  console.log(report.summary);
  for (const c of conns) c.sock?.destroy();
  pubAgent.destroy();
  setTimeout(() => process.exit(aborted ? 3 : 0), 50);
}

main().catch((e) => { console.error('sse-load: fatal', e); finish(true); });
