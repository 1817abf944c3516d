// @vitest-environment node
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types
import { createServer, matchRoute } from '../server.mjs';

const listen = (s: http.Server | net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));

let upstream: http.Server;
let front: http.Server;
let base: string;
let frontPort: number;
let root: string;
const seen: { url?: string; host?: string; prefix?: string; key?: string }[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'har-out-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>');
  fs.mkdirSync(path.join(root, 'live'));
  fs.writeFileSync(path.join(root, 'live', 'index.html'), '<h1>live</h1>');
  fs.writeFileSync(path.join(root, '404.html'), '<h1>missing</h1>');
  upstream = http.createServer((req, res) => {
    seen.push({ url: req.url, host: req.headers.host, prefix: req.headers['x-forwarded-prefix'] as string, key: req.headers['x-api-key'] as string });
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(req.url === '/v1/bad' ? 422 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/v1/bad' ? { detail: 'not a video' } : { url: req.url, method: req.method, body }));
    });
  });
  // A minimal WebSocket-ish upgrade: answer 101, then echo bytes.
  upstream.on('upgrade', (req, socket) => {
    seen.push({ url: req.url, key: req.headers['x-api-key'] as string });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(d));
  });
  const upPort = await listen(upstream);
  // a port with nothing listening
  const dead = net.createServer();
  const deadPort = await listen(dead);
  await new Promise((r) => dead.close(r));
  front = createServer({
    root,
    apiKey: '',
    routes: {
      classifier: new URL(`http://127.0.0.1:${upPort}`),
      'pose-single': new URL(`http://127.0.0.1:${upPort}`),
      'pose-multi': new URL(`http://127.0.0.1:${deadPort}`),
    },
  });
  frontPort = await listen(front);
  base = `http://127.0.0.1:${frontPort}`;
});

afterAll(() => {
  front?.close();
  upstream?.close();
});

describe('server.mjs', () => {
  it('matches prefixes and strips them', () => {
    const routes = { 'pose-single': new URL('http://h:1/base/') };
    expect(matchRoute(routes, '/api/pose-single/v1/jobs?limit=5')).toMatchObject({ name: 'pose-single', path: '/base/v1/jobs?limit=5' });
    expect(matchRoute(routes, '/api/other/v1')).toBeNull();
    expect(matchRoute(routes, '/live/')).toBeNull();
  });

  it('serves the static export, with trailing-slash redirects and a 404 page', async () => {
    expect(await (await fetch(base + '/')).text()).toBe('<h1>home</h1>');
    const r = await fetch(base + '/live', { redirect: 'manual' });
    expect(r.status).toBe(308);
    expect(r.headers.get('location')).toBe('/live/');
    expect(await (await fetch(base + '/live/')).text()).toBe('<h1>live</h1>');
    const nf = await fetch(base + '/nope/');
    expect(nf.status).toBe(404);
    expect((await fetch(base + '/../../etc/passwd')).status).toBe(404);
    // a sibling folder whose name starts like the root's
    fs.mkdirSync(root + '-secret', { recursive: true });
    fs.writeFileSync(path.join(root + '-secret', 'x.txt'), 'secret');
    const raw = await new Promise<string>((resolve) => {
      const sock = net.connect(frontPort, '127.0.0.1', () => sock.write(`GET /..${path.sep}${path.basename(root)}-secret/x.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let buf = '';
      sock.on('data', (d) => (buf += d));
      sock.on('end', () => resolve(buf));
    });
    expect(raw).not.toMatch(/secret$/);
  });

  it('proxies requests with the prefix stripped, bodies and errors intact', async () => {
    const r = await fetch(base + '/api/pose-single/v1/jobs?limit=3', { method: 'POST', body: 'hello' });
    expect(await r.json()).toEqual({ url: '/v1/jobs?limit=3', method: 'POST', body: 'hello' });
    expect(seen.at(-1)?.prefix).toBe('/api/pose-single');
    const bad = await fetch(base + '/api/classifier/v1/bad');
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ detail: 'not a video' });
  });

  it('answers 502 with a JSON detail when a service is down', async () => {
    const r = await fetch(base + '/api/pose-multi/v1/jobs');
    expect(r.status).toBe(502);
    expect((await r.json()).detail).toMatch(/pose-multi service at http:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
    const unknown = await fetch(base + '/api/nothing/v1');
    expect(unknown.status).toBe(404);
  });

  const upgrade = (p: string) =>
    new Promise<{ head: string; sock: net.Socket }>((resolve, reject) => {
      const sock = net.connect(frontPort, '127.0.0.1', () => {
        sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      });
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n\r\n')) {
          sock.removeAllListeners('data');
          resolve({ head: buf, sock });
        }
      });
      sock.on('error', reject);
    });

  it('pipes WebSocket upgrades both ways', async () => {
    const { head, sock } = await upgrade('/api/pose-single/v1/stream?raw=1');
    expect(head).toMatch(/^HTTP\/1.1 101/);
    expect(seen.at(-1)?.url).toBe('/v1/stream?raw=1');
    const echoed = await new Promise<string>((r) => {
      sock.once('data', (d) => r(d.toString()));
      sock.write('ping');
    });
    expect(echoed).toBe('ping');
    sock.destroy();
  });

  it('answers a WebSocket upgrade to a dead service with 502', async () => {
    const { head, sock } = await upgrade('/api/pose-multi/v1/stream');
    expect(head).toMatch(/^HTTP\/1.1 502/);
    sock.destroy();
  });
});

describe('cross-site and rebinding guards', () => {
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const sock = net.connect(frontPort, '127.0.0.1', () => sock.write(request));
      let buf = '';
      sock.on('data', (d) => (buf += d.toString()));
      sock.on('end', () => resolve(buf));
      sock.on('error', reject);
    });

  it('refuses /api/ under a host name it does not serve (DNS rebinding), REST and WebSocket', async () => {
    const rest = await raw('GET /api/pose-single/v1/jobs HTTP/1.1\r\nHost: evil.example:3000\r\nConnection: close\r\n\r\n');
    expect(rest).toMatch(/^HTTP\/1.1 421/);
    expect(rest).toContain('not served here');
    const ws = await raw(
      'GET /api/pose-single/v1/stream HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    expect(ws).toMatch(/^HTTP\/1.1 421/);
    // the static pages are not the services: still served
    expect((await fetch(`${base}/`, { headers: { host: 'evil.example' } })).status).toBe(200);
  });

  it('refuses state-changing requests and sockets from another site, lets same-origin ones through', async () => {
    const n = seen.length;
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/pose-single/v1/videos`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain', ...headers } });
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(seen.length).toBe(n); // nothing reached the service
    expect((await post({ origin: base })).status).toBe(200);
    expect((await post({})).status).toBe(200); // no Origin: not a browser
    const ws = await raw(
      `GET /api/pose-single/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:${frontPort}\r\nOrigin: http://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    );
    expect(ws).toMatch(/^HTTP\/1.1 403/);
  });
});

describe('API key', () => {
  it('adds HAR_API_KEY to proxied requests and WebSocket upgrades, never without one', async () => {
    const keyed = createServer({ root, apiKey: 's3cret', routes: { classifier: new URL(`http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`) } });
    const port = await listen(keyed);
    try {
      seen.length = 0;
      await fetch(`http://127.0.0.1:${port}/api/classifier/v1/models`);
      expect(seen.at(-1)?.key).toBe('s3cret');
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', () => sock.write(
          'GET /api/classifier/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
        sock.once('data', () => { sock.destroy(); resolve(); });
        sock.once('error', reject);
      });
      expect(seen.at(-1)?.key).toBe('s3cret');
      seen.length = 0;
      await fetch(`${base}/api/classifier/v1/models`);
      expect(seen.at(-1)?.key).toBeUndefined();
    } finally {
      keyed.close();
    }
  });
});
