'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { cancelJob, deleteJob, listQueue, type ApiError, type Job } from '@/lib/api';
import { SpeedMeter, queueFacts, queueText } from '@/lib/queue';
import { forgetUpload } from '@/lib/localSources';
import { POSE_SERVICES, type PoseService } from '@/lib/types';
import ErrorBanner from './ErrorBanner';

export interface JobListProps {
  refreshKey?: number;
  onOpen: (job: Job) => void;
}

/** created_at and updated_at are seconds since the epoch. */
function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}

export default function JobList({ refreshKey = 0, onOpen }: JobListProps) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [errors, setErrors] = useState<Partial<Record<PoseService, string>>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [depth, setDepth] = useState<Partial<Record<PoseService, number>>>({});
  const meter = useRef(new SpeedMeter());

  const load = useCallback(async () => {
    const results = await Promise.allSettled(POSE_SERVICES.map((s) => listQueue(s.id)));
    const all: Job[] = [];
    const errs: Partial<Record<PoseService, string>> = {};
    const depths: Partial<Record<PoseService, number>> = {};
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        all.push(...r.value.jobs);
        depths[POSE_SERVICES[i].id] = r.value.queueDepth;
      } else errs[POSE_SERVICES[i].id] = (r.reason as ApiError).message;
    });
    all.sort((a, b) => b.created_at - a.created_at);
    meter.current.observe(all, performance.now());
    setJobs(all);
    setDepth(depths);
    setErrors(errs);
  }, []);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  // While something is still running, refresh now and then.
  useEffect(() => {
    if (!jobs?.some((j) => j.status === 'running' || j.status === 'queued')) return;
    const t = setTimeout(load, 2000);
    return () => clearTimeout(t);
  }, [jobs, load]);

  const remove = async (job: Job) => {
    if (typeof window !== 'undefined' && !window.confirm(`Delete the analysis of ${job.filename ?? job.id}?`)) return;
    setBusy(job.id);
    try {
      await deleteJob(job.service, job.id);
      forgetUpload(job.service, job.id);
      setJobs((js) => js?.filter((j) => !(j.id === job.id && j.service === job.service)) ?? null);
    } catch (e) {
      setErrors((er) => ({ ...er, [job.service]: (e as ApiError).message }));
    } finally {
      setBusy(null);
    }
  };

  const cancel = async (job: Job) => {
    setBusy(job.id);
    try {
      const j = await cancelJob(job.service, job.id);
      setJobs((js) => js?.map((x) => (x.id === j.id && x.service === j.service ? j : x)) ?? null);
    } catch (e) {
      setErrors((er) => ({ ...er, [job.service]: (e as ApiError).message }));
    } finally {
      setBusy(null);
    }
  };

  const facts = jobs ? queueFacts(jobs, (s) => meter.current.fps(s), depth) : new Map();

  return (
    <section className="panel" aria-labelledby="jobs-title">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="jobs-title" style={{ margin: 0 }}>
          Past analyses
        </h2>
        <button type="button" className="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {Object.entries(errors).map(([svc, msg]) => (
        <ErrorBanner key={svc} title="Service unavailable.">
          {msg}
        </ErrorBanner>
      ))}
      {jobs === null ? (
        <p className="muted">Loading…</p>
      ) : jobs.length === 0 ? (
        <p className="muted">No analyses yet.</p>
      ) : (
        <table data-testid="job-table" className="cards">
          <thead>
            <tr>
              <th>Video</th>
              <th>People</th>
              <th>Status</th>
              <th>Created</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={`${j.service}:${j.id}`} data-job-id={j.id}>
                <td className="name">{j.filename ?? <span className="muted">{j.id}</span>}</td>
                <td>{j.service === 'pose-multi' ? 'several people' : 'one person'}</td>
                <td>
                  <span className={`status ${j.status}`}>
                    {j.status}
                    {j.status === 'running' && ` ${Math.round(j.progress)}%`}
                  </span>
                  {(j.status === 'running' || j.status === 'queued') && (
                    <div className="small muted" data-testid="queue-text">
                      {queueText(j, facts.get(`${j.service}:${j.id}`))}
                    </div>
                  )}
                  {j.error && j.error !== j.status && <div className="small" style={{ color: 'var(--danger)' }}>{j.error}</div>}
                </td>
                <td className="small muted">{when(j.created_at)}</td>
                <td style={{ whiteSpace: 'nowrap', textAlign: 'right' }}>
                  <button type="button" className="secondary" disabled={j.status === 'failed' || j.status === 'cancelled'} onClick={() => onOpen(j)}>
                    {j.status === 'done' ? 'Open' : j.status === 'running' || j.status === 'queued' ? 'Watch' : 'Open'}
                  </button>{' '}
                  {(j.status === 'running' || j.status === 'queued') && (
                    <>
                      <button type="button" className="secondary" disabled={busy === j.id} onClick={() => void cancel(j)} aria-label={`Cancel ${j.filename ?? j.id}`}>
                        Cancel
                      </button>{' '}
                    </>
                  )}
                  <button type="button" className="danger" disabled={busy === j.id} onClick={() => void remove(j)} aria-label={`Delete ${j.filename ?? j.id}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
