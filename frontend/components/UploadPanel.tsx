'use client';
import { useEffect, useRef, useState } from 'react';
import { ApiError, uploadVideo, type Job } from '@/lib/api';
import { watchJob } from '@/lib/jobWatch';
import { rememberUpload } from '@/lib/localSources';
import { POSE_SERVICES, type PoseService } from '@/lib/types';
import ErrorBanner from './ErrorBanner';
import ProgressBar from './ProgressBar';

export const VIDEO_ACCEPT = 'video/*,.mp4,.avi,.mov,.webm,.mkv';

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
  const [over, setOver] = useState(false);
  const [phase, setPhase] = useState<Phase>('idle');
  const [uploadFrac, setUploadFrac] = useState(0);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const input = useRef<HTMLInputElement>(null);
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
  };

  const start = async () => {
    if (!file) return;
    setError(null);
    setPhase('uploading');
    setUploadFrac(0);
    abort.current = new AbortController();
    let created: Job;
    try {
      created = await uploadVideo(service, file, { onProgress: setUploadFrac, signal: abort.current.signal });
    } catch (e) {
      setPhase('failed');
      const err = e as ApiError;
      const title = err.serviceDown ? 'Service unavailable.' : err.status ? 'File rejected.' : 'Upload failed.';
      setError({ title, message: err.message });
      return;
    }
    rememberUpload(service, created.id, file);
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

  const busy = phase === 'uploading' || phase === 'processing';
  return (
    <section className="panel" aria-labelledby="upload-title">
      <h2 id="upload-title" style={{ marginTop: 0 }}>
        Analyse a video
      </h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        role="button"
        tabIndex={0}
        aria-label="Choose a video file or drop one here"
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
        <strong>{file ? file.name : 'Drop a video here, or click to choose one'}</strong>
        <span className="muted small">{file ? `${(file.size / 1e6).toFixed(1)} MB` : 'mp4, avi, mov, webm or mkv'}</span>
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
        <legend className="sr-only" style={{ position: 'absolute', left: -9999 }}>
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
      <div className="row">
        <button type="button" onClick={start} disabled={!file || busy}>
          {busy ? 'Working…' : 'Upload and analyse'}
        </button>
        {phase === 'uploading' && (
          <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {phase === 'uploading' && <ProgressBar value={uploadFrac * 100} label="Uploading" />}
      {(phase === 'processing' || (phase === 'done' && job)) && job && (
        <ProgressBar value={job.progress} label={job.status === 'queued' ? 'Queued' : phase === 'done' ? 'Done' : 'Processing'} />
      )}
      {phase === 'done' && job && (
        <p className="notice" role="status">
          Analysis ready.{' '}
          <button type="button" className="secondary" data-testid="open-result" onClick={() => onOpen?.(job)}>
            Open the result
          </button>
        </p>
      )}
      {error && (
        <ErrorBanner title={error.title} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      )}
    </section>
  );
}
