'use client';
import { useCallback, useEffect, useState } from 'react';
import { deleteJob, listJobs, type ApiError, type Job } from '@/lib/api';
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

  const load = useCallback(async () => {
    const results = await Promise.allSettled(POSE_SERVICES.map((s) => listJobs(s.id)));
    const all: Job[] = [];
    const errs: Partial<Record<PoseService, string>> = {};
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') all.push(...r.value);
      else errs[POSE_SERVICES[i].id] = (r.reason as ApiError).message;
    });
    all.sort((a, b) => b.created_at - a.created_at);
    setJobs(all);
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
                    {(j.status === 'running' || j.status === 'queued') && ` ${Math.round(j.progress)}%`}
                  </span>
                  {j.error && <div className="small" style={{ color: 'var(--danger)' }}>{j.error}</div>}
                </td>
                <td className="small muted">{when(j.created_at)}</td>
                <td style={{ whiteSpace: 'nowrap', textAlign: 'right' }}>
                  <button type="button" className="secondary" disabled={j.status !== 'done'} onClick={() => onOpen(j)}>
                    Open
                  </button>{' '}
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
