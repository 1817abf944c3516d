import { vi } from 'vitest';
import type { JobEvent, ModelDescription, ModelList, ServiceInfo, ServiceJob } from '@/lib/api';
import type { paths as ClassifierPaths, components as ClassifierComponents } from '@/lib/openapi/classifier';
import type { paths as PoseSinglePaths, components as PoseComponents } from '@/lib/openapi/pose-single';
import type { paths as PoseMultiPaths } from '@/lib/openapi/pose-multi';
import type { StreamMessage } from '@/lib/types';

/*
 * The services' answers in these fakes are built from the generated OpenAPI types (lib/openapi/*.ts):
 * a fake answer that the service could not send does not compile.
 */

type Problem = PoseComponents['schemas']['Problem'];
type WindowSpec = ClassifierComponents['schemas']['WindowSpec'];

/** A job as the pose services send it; the fields a test does not care about filled in. */
export function fakeJob(job: Pick<ServiceJob, 'id'> & Partial<ServiceJob>): ServiceJob {
  return {
    status: 'queued',
    progress: 0,
    created_at: 1763735000,
    updated_at: 1763735000,
    filename: null,
    error: null,
    options: { actions: true, kinetics: false, labels: 'centred', model: null, raw: false, render: true, stride: 1 },
    source: null,
    frames_done: 0,
    stats: {},
    result_url: null,
    links: null,
    ...job,
  };
}

/** A message of WS /v1/jobs/{id}/events. */
export function jobEvent(job: ServiceJob): JobEvent {
  return { type: 'progress', job };
}

/** GET /v1/info of a pose service. */
export function fakeInfo(info: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    service: 'pose-single',
    version: '0.1.0',
    ready: true,
    allow_stream_urls: false,
    job_frame_stride: 1,
    video_formats: ['mp4'],
    classifier: { status: 'ok' },
    limits: { max_inflight: 4, max_message_bytes: 1 << 20, max_streams: 4, max_upload_bytes: 500_000_000, max_video_duration_s: 600 },
    ...info,
  };
}

export function fakeWindow(window: Partial<Omit<WindowSpec, 'seconds'>> = {}): WindowSpec {
  const w = { center: 'sequence' as const, drop_face: true, fps: 10, length: 32, mask_threshold: 0.3, stride: 8, ...window };
  return { ...w, seconds: w.length / w.fps };
}

/** One model of GET /v1/models. */
export function fakeModel(model: Pick<ModelDescription, 'name' | 'classes'> & Partial<ModelDescription>): ModelDescription {
  return { engine: 'tflite', layout: 'coco17', temperature: 1, window: fakeWindow(), ...model };
}

export function fakeModelList(default_model: string, models: ModelDescription[]): ModelList {
  return { default_model, max_batch: 64, models };
}

/** A WebSocket stand-in: records what was sent; tests drive open/message/close. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static reset() {
    FakeWebSocket.instances = [];
  }
  readyState = 0;
  binaryType = 'blob';
  sent: unknown[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor(public url: string) {
    FakeWebSocket.instances.push(this);
  }
  send(d: unknown) {
    this.sent.push(d);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  // test side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  /** A message from the server: a job event, a stream message, or raw text. */
  receive(message: JobEvent | StreamMessage | string) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** An XMLHttpRequest stand-in for uploads. */
export class FakeXHR {
  static last: FakeXHR | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXHR.last = this;
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: unknown) {
    this.body = b;
  }
  abort() {
    this.onabort?.();
  }
  // test side
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  /** The upload's answer: the created job (202), or the services' Problem (or a proxy's text). */
  respond(status: 202, body: ServiceJob): void;
  respond(status: number, body: Problem | string): void;
  respond(status: number, body: ServiceJob | Problem | string) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}

/** An error answer: the services' Problem, or a proxy's own text (an HTML page). */
export function problem(status: number, detail: Problem['detail'] | { text: string }): Response {
  const body = typeof detail === 'object' && 'text' in detail ? detail.text : JSON.stringify({ detail } satisfies Problem);
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

type ServicePaths = { classifier: ClassifierPaths; 'pose-single': PoseSinglePaths; 'pose-multi': PoseMultiPaths };
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';
type Operation<S extends keyof ServicePaths, P extends keyof ServicePaths[S], M extends Method> = M extends keyof ServicePaths[S][P]
  ? ServicePaths[S][P][M]
  : undefined;
/** The JSON body of an operation's success answer. */
type JsonAnswer<Op> = Op extends { responses: infer R }
  ? { [C in keyof R]: C extends 200 | 201 | 202 ? (R[C] extends { content: { 'application/json': infer T } } ? T : never) : never }[keyof R]
  : never;
/** Every route of every service, as "METHOD /api/<service><path template>", with its JSON answer. */
type Route = {
  [S in keyof ServicePaths]: {
    [P in keyof ServicePaths[S] & string]: {
      [M in Method]: Operation<S, P, M> extends undefined ? never : { key: `${Uppercase<M>} /api/${S}${P}`; answer: JsonAnswer<Operation<S, P, M>> };
    }[Method];
  }[keyof ServicePaths[S] & string];
}[keyof ServicePaths];
export type RouteKey = Route['key'];
export type AnswerOf<K extends RouteKey> = Extract<Route, { key: K }>['answer'];
/** Answers a request: the route's declared JSON answer (sent with 200), or a Response of its own (errors, 204). */
export type Handler<K extends RouteKey> = (req: Request, params: Record<string, string>) => AnswerOf<K> | Response | Promise<AnswerOf<K> | Response>;
export type Routes = { [K in RouteKey]?: Handler<K> };

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/**
 * fetch routed by "METHOD /api/<service><path template>" (the services' own paths, path parameters
 * in braces, handed to the handler); unmatched requests get 404.
 */
export function routeFetch(routes: Routes) {
  const table = Object.entries(routes).map(([key, handler]) => ({
    pattern: new RegExp(`^${escape(key).replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
    handler: handler as (req: Request, params: Record<string, string>) => unknown,
  }));
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost:3000'), init);
    const u = new URL(req.url);
    const key = `${req.method.toUpperCase()} ${u.pathname}`;
    for (const { pattern, handler } of table) {
      const m = pattern.exec(key);
      if (!m) continue;
      const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const answer = await handler(req, params);
      return answer instanceof Response ? answer : new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return problem(404, `no route ${key}`);
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}
