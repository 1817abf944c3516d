'use client';
import { useEffect, useRef, useState } from 'react';
import { ApiError, uploadVideo, type Job } from '@/lib/api';
import { watchJob } from '@/lib/jobWatch';
import { rememberUpload } from '@/lib/localSources';
import { POSE_SERVICES, type PoseService } from '@/lib/types';
import { useServiceFacts } from '@/lib/useServiceInfo';
import type { ServiceLimits } from '@/lib/api';
import ErrorBanner from './ErrorBanner';
import KineticsOption from './KineticsOption';
import { ClassesOf } from './ModelClasses';
import ProgressBar from './ProgressBar';
import SampleOffer from './SampleOffer';

export const VIDEO_ACCEPT = 'video/*,.mp4,.avi,.mov,.webm,.mkv';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
const minutes = (s: number) => (s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

/** What is wrong with a file before it is sent, in plain words (null: nothing known to be wrong). */
export function checkFile(file: File, limits: ServiceLimits | null, formats: string[] | null, durationS: number | null): string | null {
  const ext = (file.name.match(/\.([^.]+)$/)?.[1] ?? '').toLowerCase();
  if (formats?.length && !formats.includes(ext))
    return `“${file.name}” is not a video format the service reads (${formats.join(', ')}).`;
  if (limits && file.size > limits.max_upload_bytes)
    return `“${file.name}” is ${mb(file.size)}; the service takes files up to ${mb(limits.max_upload_bytes)}. Cut or compress it first.`;
  if (limits && durationS != null && durationS > limits.max_video_duration_s)
    return `“${file.name}” lasts ${minutes(durationS)}; the service takes videos up to ${minutes(limits.max_video_duration_s)}. Cut it first.`;
  return null;
}

/** The length of a video the browser can read (null when it cannot, e.g. an AVI, or takes too long). */
function probeDuration(file: File, timeoutMs = 4000): Promise<number | null> {
  return new Promise((resolve) => {
    if (typeof URL.createObjectURL !== 'function' || typeof document === 'undefined') return resolve(null);
    const v = document.createElement('video');
    const url = URL.createObjectURL(file);
    const done = (d: number | null) => {
      clearTimeout(timer);
      v.removeAttribute('src');
      URL.revokeObjectURL(url);
      resolve(d != null && Number.isFinite(d) && d > 0 ? d : null);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    v.preload = 'metadata';
    v.onloadedmetadata = () => done(v.duration);
    v.onerror = () => done(null);
    v.src = url;
  });
}

type Phase = 'idle' | 'uploading' | 'processing' | 'done' | 'failed';

export interface UploadPanelProps {
  /** Called when a job has been created (to refresh the list) and when it is done. */
  onJobCreated?: (job: Job) => void;
  onJobDone?: (job: Job) => void;
  onOpen?: (job: Job) => void;
}

export default function UploadPanel({ onJobCreated, onJobDone, onOpen }: UploadPanelProps) {
  const [service, setService] = useState<PoseService>('pose-single');
  const [file, setFile] = useState<File | null>(null);
  const [kinetics, setKinetics] = useState(false);
  const [over, setOver] = useState(false);
  const [phase, setPhase] = useState<Phase>('idle');
  const [uploadFrac, setUploadFrac] = useState(0);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [durationS, setDurationS] = useState<number | null>(null);
  const facts = useServiceFacts(service);
  const limits = facts.info?.limits ?? null;
  const formats = facts.info?.video_formats ?? null;
  const problem = file ? checkFile(file, limits, formats, durationS) : null;
  const input = useRef<HTMLInputElement>(null);
  const statusRef = useRef<HTMLDivElement>(null);
  const busy = phase === 'uploading' || phase === 'processing';
  const stopWatch = useRef<(() => void) | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => {
    stopWatch.current?.();
    abort.current?.abort();
  }, []);

  const pick = (f: File | undefined | null) => {
    if (!f) return;
    setFile(f);
    setError(null);
    setPhase('idle');
    setJob(null);
    setDurationS(null);
    void probeDuration(f).then((d) => setDurationS((old) => old ?? d));
  };

  /** Uploads the chosen file, or ``f`` (a sample picked this moment, not in the state yet). */
  const start = async (f: File | null = file) => {
    if (!f || busy) return;
    if (f === file ? problem : checkFile(f, limits, formats, null)) return;
    setError(null);
    setPhase('uploading');
    // the button turns into "Working…"; keep the keyboard focus on the progress that follows
    requestAnimationFrame(() => statusRef.current?.focus());
    setUploadFrac(0);
    abort.current = new AbortController();
    let created: Job;
    try {
      const query = kinetics ? { kinetics: true } : undefined;
      created = await uploadVideo(service, f, { onProgress: setUploadFrac, signal: abort.current.signal, query });
    } catch (e) {
      setPhase('failed');
      const err = e as ApiError;
      const title = err.serviceDown ? 'Service unavailable.' : err.status ? 'File rejected.' : 'Upload failed.';
      setError({ title, message: err.message });
      return;
    }
    rememberUpload(service, created.id, f);
    setJob(created);
    setPhase('processing');
    onJobCreated?.(created);
    stopWatch.current = watchJob(service, created.id, (j) => {
      setJob(j);
      if (j.status === 'done') {
        setPhase('done');
        onJobDone?.(j);
      } else if (j.status === 'failed' || j.status === 'cancelled') {
        setPhase('failed');
        setError({ title: 'Processing failed.', message: j.error ?? `The job ended as ${j.status}.` });
      }
    });
  };

  return (
    <section className="panel" aria-labelledby="upload-title">
      <h2 id="upload-title" style={{ marginTop: 0 }}>
        Analyse a video
      </h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        role="button"
        tabIndex={0}
        aria-describedby="upload-limits"
        onClick={() => input.current?.click()}
        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          pick(e.dataTransfer.files?.[0]);
        }}
      >
        <strong>
          {file ? (
            <>
              Chosen video: <span>{file.name}</span>
            </>
          ) : (
            'Drop a video here, or click to choose one'
          )}
        </strong>
        <span className="muted small">
          {file ? `${mb(file.size)}${durationS != null ? `, ${minutes(durationS)}` : ''}; click or drop to choose another` : (formats ?? ['mp4', 'avi', 'mov', 'webm', 'mkv']).join(', ')}
        </span>
        <input
          ref={input}
          type="file"
          accept={VIDEO_ACCEPT}
          data-testid="file-input"
          hidden
          onChange={(e) => {
            pick(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
      <fieldset className="choice" style={{ border: 'none', padding: 0 }}>
        <legend className="sr-only">
          People in the video
        </legend>
        {POSE_SERVICES.map((s) => (
          <label key={s.id} className={service === s.id ? 'selected' : undefined}>
            <input type="radio" name="service" value={s.id} checked={service === s.id} onChange={() => setService(s.id)} disabled={busy} />
            <span>
              <b>{s.label}</b>
              <br />
              <span className="muted small">{s.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <KineticsOption checked={kinetics} onChange={setKinetics} disabled={busy} />
      <p className="muted small limits" data-testid="upload-limits" id="upload-limits">
        {limits
          ? `Up to ${mb(limits.max_upload_bytes)} and ${minutes(limits.max_video_duration_s)} per video; formats: ${(formats ?? []).join(', ')}.`
          : facts.infoError
            ? `The service's limits could not be read: ${facts.infoError}`
            : 'Reading the service’s limits…'}
      </p>
      <ClassesOf facts={facts} />
      {problem && (
        <ErrorBanner title="This file cannot be sent.">
          <span data-testid="file-problem">{problem}</span>
        </ErrorBanner>
      )}
      <div className="row" style={{ marginTop: '0.75rem' }}>
        <button type="button" onClick={() => void start()} disabled={!file || !!problem} aria-disabled={busy || undefined}>
          {busy ? 'Working…' : 'Upload and analyse'}
        </button>
        {phase === 'uploading' && (
          <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      <div ref={statusRef} tabIndex={-1} aria-live="polite" data-testid="upload-status">
        {phase === 'uploading' && <ProgressBar value={uploadFrac * 100} label="Uploading" />}
        {(phase === 'processing' || (phase === 'done' && job)) && job && (
          <ProgressBar value={job.progress} label={job.status === 'queued' ? 'Queued' : phase === 'done' ? 'Done' : 'Processing'} />
        )}
      </div>
      {phase === 'done' && job && (
        <p className="notice" role="status">
          Analysis ready.{' '}
          <button type="button" className="secondary" data-testid="open-result" onClick={() => onOpen?.(job)}>
            Open the result
          </button>
        </p>
      )}
      {!file && phase === 'idle' && (
        <SampleOffer
          disabled={busy}
          onSample={(f) => {
            pick(f);
            void start(f);
          }}
        />
      )}
      {error && (
        <ErrorBanner title={error.title} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      )}
    </section>
  );
}
