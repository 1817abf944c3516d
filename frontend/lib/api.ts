/**
 * The one client of the HAR services. Everything goes through same-origin prefixes
 * (/api/classifier, /api/pose-single, /api/pose-multi) that server.mjs or nginx strip and proxy,
 * WebSockets included. Paths are the services' own (see openapi/*.json, checked by
 * tests/openapi.test.ts and `npm run openapi:check`).
 */
import type { PoseService, Service, StreamMessage, VideoAnalysis } from './types';

/** Where the proxied services live; '' means this page's own origin. */
let apiOrigin = '';
export function setApiOrigin(origin: string) {
  apiOrigin = origin.replace(/\/$/, '');
}

export const ENDPOINTS = {
  uploadVideo: { method: 'post', path: '/v1/videos' },
  listJobs: { method: 'get', path: '/v1/jobs' },
  getJob: { method: 'get', path: '/v1/jobs/{id}' },
  deleteJob: { method: 'delete', path: '/v1/jobs/{id}' },
  jobResult: { method: 'get', path: '/v1/jobs/{id}/result' },
  jobCsv: { method: 'get', path: '/v1/jobs/{id}/keypoints.csv' },
  jobVideo: { method: 'get', path: '/v1/jobs/{id}/video' },
  info: { method: 'get', path: '/v1/info' },
  models: { method: 'get', path: '/v1/models' },
} as const;

export function serviceBase(service: Service): string {
  return `${apiOrigin}/api/${service}`;
}

export function serviceLabel(service: Service): string {
  return { classifier: 'classifier', 'pose-single': 'single-person pose', 'pose-multi': 'multi-person pose' }[service];
}

/** An error worth showing a person: what failed, in words, with the server's own message. */
export class ApiError extends Error {
  constructor(
    message: string,
    public readonly status: number, // 0: no answer at all
    public readonly service?: Service,
    public readonly detail?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The service (or the proxy in front of it) could not be reached. */
  get serviceDown(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** FastAPI errors: {"detail": "text"} or {"detail": [{"loc": [...], "msg": "..."}]}. */
export function detailText(body: unknown): string | undefined {
  if (body == null) return undefined;
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body !== 'object') return String(body);
  const d = (body as Record<string, unknown>).detail ?? (body as Record<string, unknown>).message ?? (body as Record<string, unknown>).error;
  if (d == null) return undefined;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) {
    return d
      .map((e) => {
        if (e && typeof e === 'object' && 'msg' in e) {
          const loc = Array.isArray((e as { loc?: unknown[] }).loc) ? (e as { loc: unknown[] }).loc.filter((x) => x !== 'body').join('.') : '';
          return loc ? `${loc}: ${(e as { msg: string }).msg}` : (e as { msg: string }).msg;
        }
        return typeof e === 'string' ? e : JSON.stringify(e);
      })
      .join('; ');
  }
  return JSON.stringify(d);
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function errorFromResponse(service: Service, status: number, bodyText: string, statusText = ''): ApiError {
  const raw = detailText(parseBody(bodyText));
  // An HTML error page (a proxy's own) says nothing a person can use.
  const detail = raw && /^\s*</.test(raw) ? undefined : raw;
  const name = serviceLabel(service);
  let message: string;
  // server.mjs and nginx say which service is down in their own words; keep those.
  if (status === 502 || status === 504) message = detail && /not reachable|unreachable|down/i.test(detail) ? detail : `The ${name} service is not reachable${detail ? `: ${detail}` : '.'}`;
  else if (status === 503) message = `The ${name} service is not ready yet${detail ? `: ${detail}` : '.'}`;
  else if (status === 413) message = detail ?? 'The file is too large for the server.';
  else message = detail ?? `The ${name} service answered ${status}${statusText ? ` ${statusText}` : ''}.`;
  return new ApiError(message, status, service, detail);
}

async function request<T>(service: Service, path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(serviceBase(service) + path, { ...init, headers: { Accept: 'application/json', ...(init?.headers ?? {}) } });
  } catch (e) {
    throw new ApiError(`The ${serviceLabel(service)} service is not reachable (${(e as Error).message}).`, 0, service);
  }
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(service, res.status, text, res.statusText);
  return (text ? parseBody(text) : undefined) as T;
}

const path = (template: string, id: string) => template.replace('{id}', encodeURIComponent(id));

// ---------------------------------------------------------------- jobs

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'unknown';

/** A video job as the UI sees it; normalised from whatever the service sends (see normalizeJob). */
export interface Job {
  id: string;
  service: PoseService;
  status: JobStatus;
  /** 0..100 */
  progress: number;
  filename?: string;
  /** Milliseconds since the epoch. */
  createdAt?: number;
  error?: string;
  raw: Record<string, unknown>;
}

const STATUS_WORDS: Record<string, JobStatus> = {
  queued: 'queued', pending: 'queued', waiting: 'queued', created: 'queued',
  running: 'running', processing: 'running', started: 'running', in_progress: 'running',
  done: 'done', finished: 'done', completed: 'done', complete: 'done', succeeded: 'done', success: 'done',
  failed: 'failed', error: 'failed', errored: 'failed',
  cancelled: 'cancelled', canceled: 'cancelled', deleted: 'cancelled',
};

/** Epoch seconds (the services' REAL columns), epoch ms or an ISO string, to epoch ms. */
export function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

export function normalizeJob(service: PoseService, raw: Record<string, unknown>): Job {
  const s = String(raw.status ?? raw.state ?? 'unknown').toLowerCase();
  const status = STATUS_WORDS[s] ?? 'unknown';
  let progress = Number(raw.progress ?? raw.progress_percent ?? raw.percent ?? (status === 'done' ? 100 : 0));
  if (!Number.isFinite(progress)) progress = 0;
  // Progress is in percent (GET /v1/jobs/{id}).
  if (status === 'done') progress = 100;
  const errVal = raw.error ?? raw.message ?? raw.detail;
  const source = raw.source as Record<string, unknown> | undefined;
  return {
    id: String(raw.id ?? raw.job_id ?? ''),
    service,
    status,
    progress: Math.max(0, Math.min(100, progress)),
    filename: (raw.filename ?? raw.original_filename ?? raw.name ?? source?.filename) as string | undefined,
    createdAt: toEpochMs(raw.created_at ?? raw.created ?? raw.submitted_at),
    error: status === 'failed' && errVal != null ? String(typeof errVal === 'object' ? detailText({ detail: errVal }) : errVal) : undefined,
    raw,
  };
}

export const isFinished = (j: Job) => j.status === 'done' || j.status === 'failed' || j.status === 'cancelled';

export async function getJob(service: PoseService, id: string): Promise<Job> {
  return normalizeJob(service, await request<Record<string, unknown>>(service, path(ENDPOINTS.getJob.path, id)));
}

export async function listJobs(service: PoseService): Promise<Job[]> {
  const body = await request<unknown>(service, ENDPOINTS.listJobs.path);
  const items = Array.isArray(body) ? body : ((body as Record<string, unknown>)?.jobs ?? (body as Record<string, unknown>)?.items ?? []);
  return (items as Record<string, unknown>[]).map((j) => normalizeJob(service, j));
}

export async function deleteJob(service: PoseService, id: string): Promise<void> {
  await request<unknown>(service, path(ENDPOINTS.deleteJob.path, id), { method: 'DELETE' });
}

export async function getResult(service: PoseService, id: string): Promise<VideoAnalysis> {
  return request<VideoAnalysis>(service, path(ENDPOINTS.jobResult.path, id));
}

export const resultUrl = (service: PoseService, id: string) => serviceBase(service) + path(ENDPOINTS.jobResult.path, id);
export const csvUrl = (service: PoseService, id: string) => serviceBase(service) + path(ENDPOINTS.jobCsv.path, id);
export const annotatedVideoUrl = (service: PoseService, id: string) => serviceBase(service) + path(ENDPOINTS.jobVideo.path, id);

export interface UploadOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Extra form fields (e.g. options the service takes). */
  fields?: Record<string, string>;
}

/**
 * POST /v1/videos as multipart form ("file"), with XMLHttpRequest so the browser reports upload
 * progress. Resolves to the created job.
 */
export function uploadVideo(service: PoseService, file: File, opts: UploadOptions = {}): Promise<Job> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', serviceBase(service) + ENDPOINTS.uploadVideo.path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && opts.onProgress) opts.onProgress(e.total ? e.loaded / e.total : 0);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        opts.onProgress?.(1);
        const body = parseBody(xhr.responseText) as Record<string, unknown>;
        resolve(normalizeJob(service, { status: 'queued', ...body }));
      } else {
        reject(errorFromResponse(service, xhr.status, xhr.responseText, xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(`The ${serviceLabel(service)} service is not reachable.`, 0, service));
    xhr.onabort = () => reject(new ApiError('Upload cancelled.', 0, service));
    opts.signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

// ---------------------------------------------------------------- info and models

export type ServiceInfo = Record<string, unknown>;

export async function getInfo(service: Service): Promise<ServiceInfo> {
  return request<ServiceInfo>(service, ENDPOINTS.info.path);
}

/** Whether the service lets its server read camera URLs (setting allow_stream_urls, off by default). */
export function streamUrlsAllowed(info: ServiceInfo | null | undefined): boolean {
  if (!info) return false;
  const settings = (info.settings ?? {}) as Record<string, unknown>;
  const features = (info.features ?? {}) as Record<string, unknown>;
  return Boolean(info.allow_stream_urls ?? settings.allow_stream_urls ?? features.stream_urls ?? features.allow_stream_urls ?? false);
}

export interface ClassifierModel {
  name: string;
  isDefault: boolean;
  classes: string[];
  raw: Record<string, unknown>;
}

export async function listModels(): Promise<{ models: ClassifierModel[]; defaultModel?: string; raw: unknown }> {
  const body = await request<unknown>('classifier', ENDPOINTS.models.path);
  const obj = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const defaultModel = (obj.default ?? obj.default_model) as string | undefined;
  let items: Record<string, unknown>[] = [];
  if (Array.isArray(body)) items = body;
  else if (Array.isArray(obj.models)) items = obj.models as Record<string, unknown>[];
  else if (obj.models && typeof obj.models === 'object')
    items = Object.entries(obj.models as Record<string, Record<string, unknown>>).map(([name, m]) => ({ name, ...m }));
  const models = items.map((m) => ({
    name: String(m.name ?? m.id ?? 'model'),
    isDefault: Boolean(m.default ?? m.is_default ?? (defaultModel !== undefined && (m.name ?? m.id) === defaultModel)),
    classes: (m.classes ?? m.labels ?? []) as string[],
    raw: m,
  }));
  return { models, defaultModel, raw: body };
}

/** A classifier-relative URL (e.g. a report PNG path the service gives) made reachable through the proxy. */
export function classifierUrl(p: string): string {
  if (/^https?:\/\//.test(p)) return p;
  return serviceBase('classifier') + (p.startsWith('/') ? p : `/${p}`);
}

/** Why a camera URL is refused before asking the server (null: fine). */
export function validCameraUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'That is not a URL.';
  }
  if (!['rtsp:', 'http:', 'https:'].includes(u.protocol)) return 'Only rtsp://, http:// and https:// camera URLs are accepted.';
  return null;
}

// ---------------------------------------------------------------- WebSockets

export function wsUrl(service: Service, p: string): string {
  const base = apiOrigin || (typeof location !== 'undefined' ? location.origin : 'http://localhost:3000');
  return base.replace(/^http/, 'ws') + `/api/${service}` + p;
}

export const jobEventsUrl = (service: PoseService, id: string) => wsUrl(service, `/v1/jobs/${encodeURIComponent(id)}/events`);
export const streamUrl = (service: PoseService) => wsUrl(service, '/v1/stream');
export const cameraUrlStreamUrl = (service: PoseService, url: string) => wsUrl(service, `/v1/stream/url?url=${encodeURIComponent(url)}`);

/** A binary stream frame: 4-byte big-endian sequence number, then the image bytes. */
export function encodeFrame(seq: number, image: ArrayBuffer | Uint8Array): Uint8Array {
  const bytes = image instanceof Uint8Array ? image : new Uint8Array(image);
  const out = new Uint8Array(4 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, seq >>> 0, false);
  out.set(bytes, 4);
  return out;
}

export function parseStreamMessage(data: unknown): StreamMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const m = JSON.parse(data);
    if (m && (m.type === 'frame' || m.type === 'error')) return m as StreamMessage;
  } catch {
    /* not JSON */
  }
  return null;
}

/** Words for a WebSocket close, for a person. */
export function closeReason(code: number, reason: string): string {
  if (code === 1009) return 'The frame was larger than the server accepts (1009).';
  if (code === 1008 || code === 4403 || code === 4003) return reason || 'The server refused the stream (policy).';
  if (code === 1006) return reason || 'The connection was lost or could not be opened: is the service running?';
  if (code === 1011) return reason || 'The server hit an internal error.';
  if (code === 1013) return reason || 'The server is overloaded; try again.';
  return reason || `Connection closed (${code}).`;
}
