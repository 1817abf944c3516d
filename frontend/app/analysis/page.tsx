'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useMemo, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import Notices from '@/components/Notices';
import Player, { type VideoSource } from '@/components/Player';
import ProgressBar from '@/components/ProgressBar';
import { annotatedVideoUrl, cancelJob, csvUrl, getJob, getResult, resultUrl, type ApiError, type Job } from '@/lib/api';
import { queueText } from '@/lib/queue';
import { useQueueFacts } from '@/lib/useQueue';
import { watchJob } from '@/lib/jobWatch';
import { uploadedUrl } from '@/lib/localSources';
import type { PoseService, VideoAnalysis } from '@/lib/types';

function stem(name: string | undefined | null, fallback: string) {
  return (name ?? fallback).replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || fallback;
}

function AnalysisView() {
  const params = useSearchParams();
  const service = (params.get('service') === 'pose-multi' ? 'pose-multi' : 'pose-single') as PoseService;
  const id = params.get('id') ?? '';
  const [job, setJob] = useState<Job | null>(null);
  const [analysis, setAnalysis] = useState<VideoAnalysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  // a cancelled analysis is the user's choice, not a failure: told in a neutral panel
  const [ended, setEnded] = useState<string | null>(null);
  const startMs = Number(params.get('t')) || 0;
  const localUrl = useMemo(() => uploadedUrl(service, id), [service, id]);
  const waiting = !!job && (job.status === 'queued' || job.status === 'running');
  const facts = useQueueFacts(service, id, waiting);
  const [cancelling, setCancelling] = useState(false);
  const cancel = async () => {
    setCancelling(true);
    try {
      setJob(await cancelJob(service, id));
      setEnded('The analysis was cancelled.');
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setCancelling(false);
    }
  };

  useEffect(() => {
    if (!id) return;
    let stop: (() => void) | undefined;
    let cancelled = false;
    const loadResult = async () => {
      try {
        const r = await getResult(service, id);
        if (!cancelled) setAnalysis(r);
      } catch (e) {
        if (!cancelled) setError((e as ApiError).message);
      }
    };
    getJob(service, id)
      .then((j) => {
        if (cancelled) return;
        setJob(j);
        if (j.status === 'done') void loadResult();
        else if (j.status === 'failed') setError(j.error ?? 'The analysis failed.');
        else if (j.status === 'cancelled') setEnded('The analysis was cancelled.');
        else
          stop = watchJob(service, id, (u) => {
            setJob(u);
            if (u.status === 'done') void loadResult();
            if (u.status === 'failed') setError(u.error ?? 'The analysis failed.');
            if (u.status === 'cancelled') setEnded('The analysis was cancelled.');
          });
      })
      .catch((e) => !cancelled && setError((e as ApiError).message));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [service, id]);

  if (!id) return <ErrorBanner>No analysis chosen. <Link href="/">Pick one</Link>.</ErrorBanner>;

  const name = analysis?.source.filename ?? job?.filename;
  const base = stem(name, id);
  const sources: VideoSource[] = [];
  if (localUrl) sources.push({ id: 'original', label: 'Original upload', src: localUrl });
  sources.push({ id: 'annotated', label: 'Annotated MP4 (from the service)', src: annotatedVideoUrl(service, id), annotated: true });
  const downloads = [
    { label: 'Keypoints JSON', href: resultUrl(service, id), filename: `${base}.analysis.json` },
    { label: 'CSV', href: csvUrl(service, id), filename: `${base}.keypoints.csv` },
    { label: 'Annotated MP4', href: annotatedVideoUrl(service, id), filename: `${base}.annotated.mp4` },
  ];

  return (
    <>
      <p className="small">
        <Link href="/">← All analyses</Link>
      </p>
      <h1>{name ?? 'Analysis'}</h1>
      <p className="lead">
        {service === 'pose-multi' ? 'Several people' : 'One person'} · job <code>{id}</code>
      </p>
      {error && <ErrorBanner title="Could not load the analysis.">{error}</ErrorBanner>}
      {ended && (
        <p className="panel" role="status" data-testid="job-ended">
          {ended} <Link href="/">Start another</Link>.
        </p>
      )}
      {!analysis && !error && !ended && waiting && job && (
        <div className="panel" data-testid="job-waiting">
          <ProgressBar value={job.progress} label={job.status === 'queued' ? 'Queued' : 'Processing'} />
          <p className="small" aria-live="polite">
            {job.source?.frame_count ? `${job.frames_done ?? 0} of ${job.source.frame_count} frames analysed` : 'Analysing'}
            {facts && ` · ${queueText(job, facts)}`}. The result opens here when it is ready.
          </p>
          <button type="button" className="secondary" onClick={() => void cancel()} disabled={cancelling}>
            Cancel the analysis
          </button>
        </div>
      )}
      {!analysis && !error && !ended && (!job || job.status === 'done') && <p className="muted">Loading the result…</p>}
      {analysis && <Notices analysis={analysis} />}
      {analysis && (
        <p className="small">
          <Link href={`/review/?service=${service}&id=${encodeURIComponent(id)}`}>Review the segments one by one, and correct labels →</Link>
        </p>
      )}
      {analysis && <Player analysis={analysis} sources={sources} downloads={downloads} startMs={startMs} />}
    </>
  );
}

export default function AnalysisPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <AnalysisView />
    </Suspense>
  );
}
