#!/usr/bin/env node
// Serves the static export (out/) at :3000 and proxies the services under same-origin prefixes,
// WebSocket upgrades included. Node built-ins only. The compose stack does the same with nginx.
//
//   /api/classifier/...  -> HAR_CLASSIFIER_URL  (default http://127.0.0.1:8001)
//   /api/pose-single/... -> HAR_POSE_SINGLE_URL (default http://127.0.0.1:8002)
//   /api/pose-multi/...  -> HAR_POSE_MULTI_URL  (default http://127.0.0.1:8003)
//
// The prefix is stripped. A service that does not answer gets a 502 with a JSON body
// {"detail": "..."} in FastAPI's shape, so the UI shows it like any other service error.
// Environment: HAR_FRONTEND_PORT (3000), HAR_FRONTEND_HOST (127.0.0.1), HAR_FRONTEND_DIR (out/),
// HAR_FRONTEND_HOSTS (the host names the web app is reached by; default localhost, 127.0.0.1, [::1]).
//
// Because the proxy adds the API key, it guards what a browser may ask of it: a request to /api/ must
// name an allowed host (a DNS-rebinding page names its own: 421), and a state-changing request (POST,
// PUT, PATCH, DELETE) or a WebSocket from another site is refused (403: Origin not this host, or
// Sec-Fetch-Site cross-site).
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
};

export function routesFromEnv(env = process.env) {
  return {
    classifier: new URL(env.HAR_CLASSIFIER_URL || 'http://127.0.0.1:8001'),
    'pose-single': new URL(env.HAR_POSE_SINGLE_URL || 'http://127.0.0.1:8002'),
    'pose-multi': new URL(env.HAR_POSE_MULTI_URL || 'http://127.0.0.1:8003'),
  };
}

/** '/api/pose-single/v1/jobs?x=1' -> {name, target URL, path '/v1/jobs?x=1'}; null when not proxied. */
export function matchRoute(routes, url) {
  const m = /^\/api\/([a-z-]+)(\/.*)?$/.exec(url.split('?')[0]);
  if (!m || !routes[m[1]]) return null;
  const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  const base = routes[m[1]];
  const prefix = base.pathname.replace(/\/$/, '');
  return { name: m[1], target: base, path: prefix + (m[2] || '/') + query };
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate']);

// With HAR_API_KEY set the services require it; the proxy adds it, so the key never reaches the browser.
function forwardHeaders(req, target, apiKey = '') {
  const h = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) h[k] = v;
  if (apiKey && !h['x-api-key']) h['x-api-key'] = apiKey;
  h.host = target.host;
  const prior = req.headers['x-forwarded-for'];
  const ip = req.socket.remoteAddress || '';
  h['x-forwarded-for'] = prior ? `${prior}, ${ip}` : ip;
  h['x-forwarded-proto'] = 'http';
  h['x-forwarded-host'] = req.headers.host || '';
  h['x-forwarded-prefix'] = `/api/${req.harRoute}`;
  return h;
}

export function allowedHostsFromEnv(env = process.env) {
  const names = (env.HAR_FRONTEND_HOSTS || 'localhost,127.0.0.1,[::1]').split(',').map((h) => h.trim().toLowerCase());
  return new Set(names.filter(Boolean));
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why the proxy refuses this request to /api/, as [status, detail], or null when it may pass. */
export function refusal(req, allowedHosts) {
  const host = (req.headers.host || '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!allowedHosts.has(name)) return [421, `host ${name || '(none)'} is not served here (HAR_FRONTEND_HOSTS)`];
  const upgrade = (req.headers.upgrade || '').toLowerCase() === 'websocket';
  if (SAFE.has(req.method) && !upgrade) return null;
  const origin = req.headers.origin;
  if (origin) {
    let originHost = '';
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return [403, 'bad Origin header'];
    }
    if (originHost !== host) return [403, `cross-site request from ${origin} refused`];
  } else if (req.headers['sec-fetch-site'] === 'cross-site') {
    return [403, 'cross-site request refused'];
  }
  return null;
}

function downBody(name, target, err) {
  return JSON.stringify({ detail: `The ${name} service at ${target.origin} is not reachable (${err.code || err.message}).` });
}

function sendJson(res, status, body) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function proxyHttp(req, res, route, apiKey) {
  req.harRoute = route.name;
  const upstream = http.request(
    { host: route.target.hostname, port: route.target.port || 80, method: req.method, path: route.path, headers: forwardHeaders(req, route.target, apiKey) },
    (up) => {
      const headers = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) headers[k] = v;
      res.writeHead(up.statusCode || 502, up.statusMessage, headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
    },
  );
  upstream.on('error', (err) => sendJson(res, 502, downBody(route.name, route.target, err)));
  req.on('aborted', () => upstream.destroy());
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function proxyUpgrade(req, socket, head, route, apiKey) {
  req.harRoute = route.name;
  const port = Number(route.target.port || 80);
  const up = net.connect(port, route.target.hostname);
  const fail = (err) => {
    if (socket.writable && !up.harConnected) {
      const body = downBody(route.name, route.target, err);
      socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  };
  up.once('error', fail);
  up.on('connect', () => {
    up.harConnected = true;
    up.removeListener('error', fail);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
    const headers = forwardHeaders(req, route.target, apiKey);
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade || 'websocket';
    let head0 = `${req.method} ${route.path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      for (const one of Array.isArray(v) ? v : [v]) head0 += `${k}: ${one}\r\n`;
    }
    up.write(head0 + '\r\n');
    if (head && head.length) up.write(head);
    socket.pipe(up);
    up.pipe(socket);
    socket.on('close', () => up.destroy());
    up.on('close', () => socket.destroy());
  });
  up.setNoDelay(true);
  socket.setNoDelay(true);
}

function serveStatic(req, res, root) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, JSON.stringify({ detail: 'method not allowed' }));
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    return sendJson(res, 400, JSON.stringify({ detail: 'bad path' }));
  }
  const file = path.normalize(path.join(root, pathname));
  if (file !== root && !file.startsWith(root + path.sep)) return sendJson(res, 403, JSON.stringify({ detail: 'forbidden' }));
  const candidates = pathname.endsWith('/') ? [path.join(file, 'index.html')] : [file, `${file}.html`, path.join(file, 'index.html')];
  for (const c of candidates) {
    let st;
    try {
      st = fs.statSync(c);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    if (!pathname.endsWith('/') && c.endsWith(`${path.sep}index.html`) && !file.endsWith('index.html')) {
      // /live -> /live/ so relative asset paths and the router agree (trailingSlash export).
      res.writeHead(308, { location: pathname + '/' + (req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '') });
      return res.end();
    }
    const type = MIME[path.extname(c)] || 'application/octet-stream';
    const immutable = pathname.startsWith('/_next/static/');
    res.writeHead(200, {
      'content-type': type,
      'content-length': st.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    return fs.createReadStream(c).pipe(res);
  }
  const notFound = path.join(root, '404.html');
  if (fs.existsSync(notFound)) {
    res.writeHead(404, { 'content-type': MIME['.html'] });
    return fs.createReadStream(notFound).pipe(res);
  }
  sendJson(res, 404, JSON.stringify({ detail: 'not found' }));
}

export function createServer({
  root = path.join(HERE, 'out'),
  routes = routesFromEnv(),
  apiKey = process.env.HAR_API_KEY || '',
  allowedHosts = allowedHostsFromEnv(),
} = {}) {
  root = path.resolve(root);
  const server = http.createServer((req, res) => {
    const route = matchRoute(routes, req.url || '/');
    if (route) {
      const refused = refusal(req, allowedHosts);
      if (refused) return sendJson(res, refused[0], JSON.stringify({ detail: refused[1] }));
      return proxyHttp(req, res, route, apiKey);
    }
    if ((req.url || '').startsWith('/api/')) return sendJson(res, 404, JSON.stringify({ detail: `no service under ${req.url.split('?')[0]}` }));
    serveStatic(req, res, root);
  });
  server.on('upgrade', (req, socket, head) => {
    const route = matchRoute(routes, req.url || '/');
    if (!route) return socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    const refused = refusal(req, allowedHosts);
    if (refused) {
      const body = JSON.stringify({ detail: refused[1] });
      return socket.end(
        `HTTP/1.1 ${refused[0]} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    proxyUpgrade(req, socket, head, route, apiKey);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.HAR_FRONTEND_PORT || 3000);
  const host = process.env.HAR_FRONTEND_HOST || '127.0.0.1';
  const root = process.env.HAR_FRONTEND_DIR || path.join(HERE, 'out');
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`[frontend] ${root}/index.html is missing: run \`npm run build\` in frontend/ (or scripts/setup frontend) first`);
    process.exit(1);
  }
  const routes = routesFromEnv();
  createServer({ root, routes }).listen(port, host, () => {
    console.log(`[frontend] http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/  (static ${root})`);
    for (const [k, v] of Object.entries(routes)) console.log(`[frontend]   /api/${k}/ -> ${v.origin}${v.pathname}`);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
}
