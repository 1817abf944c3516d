// The end-to-end stack: the real services from ../.venvs (started here unless already answering),
// server.mjs over the built export, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(FRONTEND, '..');
export const SHARED = process.env.HAR_SHARED_DIR || path.resolve(ROOT, '..', 'shared');
export const VENVS = process.env.HAR_VENVS || path.join(ROOT, '.venvs');
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
export const MEDIA = path.join(FRONTEND, 'e2e', '.media');
export const CHROMIUM = process.env.HAR_CHROMIUM || '/usr/bin/chromium';

export const SERVICES = {
  classifier: { port: 8001, module: 'har_classifier.main:app', env: 'classifier', pkg: 'services/classifier/har_classifier/main.py', urlVar: 'HAR_CLASSIFIER_URL' },
  'pose-single': { port: 8002, module: 'har_pose_single.main:app', env: 'pose-single', pkg: 'services/pose-single/har_pose_single/main.py', urlVar: 'HAR_POSE_SINGLE_URL' },
  'pose-multi': { port: 8003, module: 'har_pose_multi.main:app', env: 'pose-multi', pkg: 'services/pose-multi/har_pose_multi/main.py', urlVar: 'HAR_POSE_MULTI_URL' },
};

const children = [];
const log = (...a) => console.error('[e2e]', ...a);

export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function ready(url, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(url + '/readyz');
      if (r.ok) return true;
      const body = await r.json().catch(() => ({}));
      if (body.status === 'error' || body.status === 'failed') return false; // will not get better
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * Makes sure a service answers on its port: reuses one already running (HAR_E2E_REUSE=1, the
 * default) or starts it from its environment. Resolves to its URL, or to null with a reason when
 * the service or its environment is not there.
 */
export async function ensureService(name, { dataDir, extraEnv = {}, timeoutMs = 180_000, port } = {}) {
  const svc = { ...SERVICES[name], ...(port ? { port } : {}) };
  const url = `http://127.0.0.1:${svc.port}`;
  if (!port && (await portOpen(svc.port))) {
    if (await ready(url, 60_000)) return { url, reason: null, started: false };
    return { url: null, reason: `${name}: port ${svc.port} is taken but /readyz never answered 200` };
  }
  const python = path.join(VENVS, svc.env, 'bin', 'python');
  if (!fs.existsSync(path.join(ROOT, svc.pkg))) return { url: null, reason: `${name}: ${svc.pkg} is not in the tree yet` };
  if (!fs.existsSync(python)) return { url: null, reason: `${name}: no environment at ${path.dirname(path.dirname(python))} (run scripts/setup ${svc.env})` };
  const logFile = path.join(ARTIFACTS, 'e2e', `${name}-${svc.port}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const prefix = `HAR_${name.replace('-', '_').toUpperCase()}_`;
  const env = { ...process.env, [`${prefix}DATA_DIR`]: path.join(dataDir, name), ...extraEnv };
  log(`starting ${name} on :${svc.port} (log ${path.relative(ROOT, logFile)})`);
  const child = spawn(python, ['-m', 'uvicorn', svc.module, '--host', '127.0.0.1', '--port', String(svc.port)], {
    cwd: ROOT, env, stdio: ['ignore', out, out], detached: false,
  });
  children.push(child);
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  const ok = await Promise.race([ready(url, timeoutMs), exited.then(() => false)]);
  if (!ok) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    return { url: null, reason: `${name} did not become ready; its log ends:\n${tail}` };
  }
  return { url, reason: null, started: true };
}

export async function startFrontend(routes, { apiKey = '', port: wanted } = {}) {
  if (!fs.existsSync(path.join(FRONTEND, 'out', 'index.html'))) throw new Error('frontend/out is missing: run `npm run build` first');
  const { createServer } = await import(path.join(FRONTEND, 'server.mjs'));
  const port = Number(wanted || process.env.HAR_E2E_FRONTEND_PORT || (await freePort()));
  const server = createServer({
    root: path.join(FRONTEND, 'out'),
    routes: Object.fromEntries(Object.entries(SERVICES).map(([k, s]) => [k, new URL(routes[k] || `http://127.0.0.1:${s.port}`)])),
    apiKey,
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${port}` };
}

/**
 * A fake camera for Chromium: the first seconds of a real video as Y4M (what
 * --use-file-for-fake-video-capture reads), made with ffmpeg, or PyAV from the pose-single
 * environment when ffmpeg is missing. Kept in the git-ignored e2e/.media.
 */
export function fakeCameraFile(video = path.join(SHARED, 'data', 'videos', 'ta_chi.mp4'), seconds = 6) {
  fs.mkdirSync(MEDIA, { recursive: true });
  const out = path.join(MEDIA, `${path.basename(video, path.extname(video))}-${seconds}s.y4m`);
  if (fs.existsSync(out) && fs.statSync(out).size > 0) return out;
  const tmp = out + '.part';
  try {
    execFileSync('ffmpeg', ['-y', '-loglevel', 'error', '-i', video, '-t', String(seconds), '-vf', 'scale=640:-2,fps=15', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', tmp]);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    const py = path.join(VENVS, 'pose-single', 'bin', 'python');
    execFileSync(py, ['-c', PYAV_Y4M, video, tmp, String(seconds)]);
  }
  fs.renameSync(tmp, out);
  return out;
}

const PYAV_Y4M = `
import sys, av
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
with av.open(src) as c, open(dst, "wb") as out:
    s = c.streams.video[0]
    w, h = s.codec_context.width // 2 * 2, s.codec_context.height // 2 * 2
    out.write(f"YUV4MPEG2 W{w} H{h} F15:1 Ip A1:1 C420jpeg\\n".encode())
    step, nxt = 1 / 15, 0.0
    for f in c.decode(s):
        t = float(f.pts * s.time_base) if f.pts is not None else nxt
        if t > secs: break
        if t + 1e-6 < nxt: continue
        nxt += step
        out.write(b"FRAME\\n" + f.reformat(width=w, height=h, format="yuv420p").to_ndarray().tobytes())
`;

export async function launchBrowser({ fakeCamera } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'har-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required',
  ];
  if (fakeCamera) args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${fakeCamera}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args, acceptDownloads: true, viewport: { width: 1280, height: 900 },
    ignoreDefaultArgs: ['--enable-automation'],
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The phone and laptop sizes every page is checked at. */
export const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1366, height: 768 },
];

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Checks a page in the state it is in: at each viewport, that nothing makes it scroll sideways
 * (`scrollWidth <= innerWidth`, naming the widest elements when it does) and a screenshot
 * (`<name>-<width>.png`); then axe-core's serious and critical violations. Returns the problems
 * found, in words; the viewport is put back as it was.
 */
export async function audit(page, name, { viewports = VIEWPORTS } = {}) {
  const problems = [];
  const was = page.viewportSize();
  for (const vp of viewports) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(300);
    const m = await page.evaluate(() => {
      const iw = window.innerWidth;
      const sw = document.documentElement.scrollWidth;
      const wide = sw > iw
        ? [...document.querySelectorAll('body *')]
          .map((e) => [e, e.getBoundingClientRect().right])
          .map(([e, r]) => [e, Math.max(r, e.getBoundingClientRect().left + e.scrollWidth)])
          .filter(([e, r]) => r > iw + 1 && getComputedStyle(e).overflowX === 'visible')
          .slice(-4)
          .map(([e, r]) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} to ${Math.round(r)}`)
        : [];
      return { iw, sw, wide };
    });
    await screenshot(page, `${name}-${vp.width}`);
    if (m.sw > m.iw) problems.push(`${name} at ${vp.width}px is ${m.sw}px wide: ${m.wide.join(', ')}`);
  }
  if (was) await page.setViewportSize(was);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}${n.any?.[0]?.message ? ` (${n.any[0].message})` : ''}`),
    }));
  });
  for (const v of violations)
    if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${name}: axe ${v.id} (${v.impact}): ${v.help}: ${v.nodes.join(' | ')}`);
  return problems;
}

/** Console errors and page errors of a page, collected as they come. */
export function consoleErrors(page) {
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()} ${m.location()?.url ?? ''}`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Counts non-transparent pixels of a canvas (the overlay has nothing else on it). */
export async function paintedPixels(page, selector) {
  return page.$eval(selector, (c) => {
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

export function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
