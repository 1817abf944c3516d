/**
 * The one client of the HAR services. Everything goes through same-origin prefixes
 * (/api/classifier, /api/pose-single, /api/pose-multi) that server.mjs or nginx strip and proxy,
 * WebSockets included. REST calls go through openapi-fetch, typed by each service's generated
 * OpenAPI `paths` (lib/openapi/*.ts, from the services' code by `npm run openapi:types`): a path,
 * a parameter or an answer field the service does not declare fails `tsc`.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths as ClassifierPaths, components as ClassifierComponents } from './openapi/classifier';
import type { components as ContractComponents } from './openapi/contracts';
import type { paths as PoseSinglePaths, components as PoseComponents } from './openapi/pose-single';
import type { paths as PoseMultiPaths } from './openapi/pose-multi';
import type { PoseService, Service, StreamMessage } from './types';

/** Where the proxied services live; '' means this page's own origin. */
let apiOrigin = '';
export function setApiOrigin(origin: string) {
  apiOrigin = origin.replace(/\/$/, '');
}

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

type Problem = PoseComponents['schemas']['Problem'];
type ValidationError = PoseComponents['schemas']['ValidationError'];

/**
 * The text of an error answer: the services' Problem ({"detail": "text"}) or FastAPI's validation
 * list ({"detail": [{"loc": [...], "msg": "..."}]}); a proxy's own answer may be plain text.
 */
export function detailText(body: unknown): string | undefined {
  if (body == null) return undefined;
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body !== 'object' || !('detail' in body)) return undefined;
  const d = (body as Problem).detail;
  if (typeof d === 'string') return d;
  return (d as ValidationError[])
    .map((e) => {
      const loc = e.loc.filter((x) => x !== 'body').join('.');
      return loc ? `${loc}: ${e.msg}` : e.msg;
    })
    .join('; ');
}

/** An error answer (its body already parsed, or its text) as an ApiError a person can read. */
export function errorFromResponse(service: Service, status: number, body: unknown, statusText = ''): ApiError {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      /* plain text */
    }
  }
  const raw = detailText(parsed);
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

// ---------------------------------------------------------------- typed clients

/**
 * The two pose services are one code base (har_pose_service) with one API, so one client type
 * serves both; this fails to compile when their generated paths part.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type PoseApisAgree = Assert<Same<PoseSinglePaths, PoseMultiPaths>>;
type PoseClient = Client<PoseSinglePaths>;
interface Clients {
  classifier: Client<ClassifierPaths>;
  'pose-single': PoseClient;
  'pose-multi': PoseClient;
}

function makeClients(origin: string): Clients {
  const options = (service: Service) => ({
    baseUrl: `${origin}/api/${service}`,
    headers: { Accept: 'application/json' },
    // globalThis.fetch at call time (tests replace it); a refused connection is an ApiError.
    fetch: async (request: Request) => {
      try {
        return await globalThis.fetch(request);
      } catch (e) {
        throw new ApiError(`The ${serviceLabel(service)} service is not reachable (${(e as Error).message}).`, 0, service);
      }
    },
  });
  return {
    classifier: createClient<ClassifierPaths>(options('classifier')),
    'pose-single': createClient<PoseSinglePaths>(options('pose-single')),
    'pose-multi': createClient<PoseMultiPaths>(options('pose-multi')),
  };
}

let made: { origin: string; clients: Clients } | null = null;
/** The clients for the current origin (absolute: a Request needs one outside the browser). */
function clients(): Clients {
  const origin = apiOrigin || (typeof location !== 'undefined' ? location.origin : '');
  if (made?.origin !== origin) made = { origin, clients: makeClients(origin) };
  return made.clients;
}
const poseClient = (service: PoseService): PoseClient => clients()[service];

/** What openapi-fetch answers: the declared success body, or the error body, and the Response. */
type Answer = { data?: unknown; error?: unknown; response: Response };
type Data<A> = A extends { data: infer D; error?: never } ? D : never;

/** The success body of a call; an error answer becomes an ApiError with the service's message. */
async function send<A extends Answer>(service: Service, call: Promise<A>): Promise<Data<A>> {
  let answer: A;
  try {
    answer = await call;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(`The ${serviceLabel(service)} service sent an answer that could not be read (${(e as Error).message}).`, 0, service);
  }
  const { response } = answer;
  if (!response.ok) throw errorFromResponse(service, response.status, answer.error, response.statusText);
  return answer.data as Data<A>;
}

// ---------------------------------------------------------------- jobs

type PoseSchemas = PoseComponents['schemas'];
/** A video job as the pose services send it (GET /v1/jobs/{job_id}, the upload's answer, the list's items). */
export type ServiceJob = PoseSchemas['Job'];
export type JobStatus = ServiceJob['status'];
/** A job and the pose service that holds it. */
export type Job = ServiceJob & { service: PoseService };
/** One message of WS /v1/jobs/{id}/events. */
export type JobEvent = ContractComponents['schemas']['JobEvent'];

export const withService = (service: PoseService, job: ServiceJob): Job => ({ ...job, service });

export const isFinished = (j: Job) => j.status === 'done' || j.status === 'failed' || j.status === 'cancelled';

const jobPath = (id: string) => ({ params: { path: { job_id: id } } });

export async function getJob(service: PoseService, id: string): Promise<Job> {
  return withService(service, await send(service, poseClient(service).GET('/v1/jobs/{job_id}', jobPath(id))));
}

export async function listJobs(service: PoseService): Promise<Job[]> {
  return (await listQueue(service)).jobs;
}

/** The jobs of a service, newest first, and how many wait in its queue (`queue_depth`). */
export async function listQueue(service: PoseService): Promise<{ jobs: Job[]; queueDepth: number }> {
  const list = await send(service, poseClient(service).GET('/v1/jobs'));
  return { jobs: list.jobs.map((j) => withService(service, j)), queueDepth: list.queue_depth };
}

/** Stops a queued or running job; the service keeps it as `cancelled` (409 once it has ended). */
export async function cancelJob(service: PoseService, id: string): Promise<Job> {
  return withService(service, await send(service, poseClient(service).POST('/v1/jobs/{job_id}/cancel', jobPath(id))));
}

export async function deleteJob(service: PoseService, id: string): Promise<void> {
  await send(service, poseClient(service).DELETE('/v1/jobs/{job_id}', jobPath(id)));
}

export async function getResult(service: PoseService, id: string) {
  return send(service, poseClient(service).GET('/v1/jobs/{job_id}/result', jobPath(id)));
}

/** Links to a job's files, for <a href> and <video src>: the paths the services declare. */
type JobFile = '/v1/jobs/{job_id}/result' | '/v1/jobs/{job_id}/keypoints.csv' | '/v1/jobs/{job_id}/video';
type HasGet<P extends keyof PoseSinglePaths> = PoseSinglePaths[P]['get'] extends undefined ? never : P;
const jobFileUrl = (service: PoseService, file: HasGet<JobFile>, id: string) => serviceBase(service) + file.replace('{job_id}', encodeURIComponent(id));
export const resultUrl = (service: PoseService, id: string) => jobFileUrl(service, '/v1/jobs/{job_id}/result', id);
export const csvUrl = (service: PoseService, id: string) => jobFileUrl(service, '/v1/jobs/{job_id}/keypoints.csv', id);
export const annotatedVideoUrl = (service: PoseService, id: string) => jobFileUrl(service, '/v1/jobs/{job_id}/video', id);

type Upload = PoseSinglePaths['/v1/videos']['post'];
/** The job an upload creates (202). */
type UploadAnswer = Upload['responses'][202]['content']['application/json'];
export type UploadQuery = NonNullable<Upload['parameters']['query']>;

export interface UploadOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** How the job analyses the video (the upload's query parameters). */
  query?: UploadQuery;
}

/**
 * POST /v1/videos as multipart form ("file"), with XMLHttpRequest so the browser reports upload
 * progress (fetch does not). Resolves to the created job.
 */
export function uploadVideo(service: PoseService, file: File, opts: UploadOptions = {}): Promise<Job> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v != null) query.set(k, String(v));
    const path: keyof PoseSinglePaths = '/v1/videos';
    xhr.open('POST', serviceBase(service) + path + (query.size ? `?${query}` : ''));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && opts.onProgress) opts.onProgress(e.total ? e.loaded / e.total : 0);
    };
    xhr.onload = () => {
      if (xhr.status === 202) {
        let job: UploadAnswer;
        try {
          job = JSON.parse(xhr.responseText) as UploadAnswer;
        } catch {
          reject(new ApiError(`The ${serviceLabel(service)} service sent an answer that could not be read.`, xhr.status, service));
          return;
        }
        opts.onProgress?.(1);
        resolve(withService(service, job));
      } else {
        reject(errorFromResponse(service, xhr.status, xhr.responseText, xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(`The ${serviceLabel(service)} service is not reachable.`, 0, service));
    xhr.onabort = () => reject(new ApiError('Upload cancelled.', 0, service));
    opts.signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

// ---------------------------------------------------------------- info and models

/** GET /v1/info of a pose service. */
export type ServiceInfo = PoseSchemas['ServiceInfo'];
export type ServiceLimits = PoseSchemas['ServiceLimits'];

export async function getInfo(service: PoseService): Promise<ServiceInfo> {
  return send(service, poseClient(service).GET('/v1/info'));
}

type ClassifierSchemas = ClassifierComponents['schemas'];
/** GET /v1/models of the classifier. */
export type ModelList = ClassifierSchemas['ModelList'];
export type ModelDescription = ClassifierSchemas['ModelDescription'];
export type ModelMetrics = ClassifierSchemas['ModelMetrics'];

export async function listModels(): Promise<ModelList> {
  return send('classifier', clients().classifier.GET('/v1/models'));
}

/** A classifier-relative URL (a report file's path from report_files) made reachable through the proxy. */
export function classifierUrl(p: string): string {
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
/** One live frame message: a 4-byte big-endian sequence number, then (when given) the capture time
 * as an 8-byte big-endian float in milliseconds (any clock that grows; the server counts from the
 * first frame), then the JPEG or PNG bytes. */
export function encodeFrame(seq: number, image: ArrayBuffer | Uint8Array, captureMs?: number): Uint8Array {
  const bytes = image instanceof Uint8Array ? image : new Uint8Array(image);
  const head = captureMs === undefined ? 4 : 12;
  const out = new Uint8Array(head + bytes.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, seq >>> 0, false);
  if (captureMs !== undefined) view.setFloat64(4, Math.max(0, captureMs), false);
  out.set(bytes, head);
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
