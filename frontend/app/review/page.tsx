'use client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useMemo, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import ReviewCard from '@/components/ReviewCard';
import { annotatedVideoUrl, getResult, listModels, type ApiError } from '@/lib/api';
import { correctionExport, correctionZip, loadCorrections, safeName, saveCorrections, segmentKey, type Corrections } from '@/lib/corrections';
import { uploadedUrl } from '@/lib/localSources';
import { segmentsFromFrames } from '@/lib/skeleton';
import { captureThumbnails } from '@/lib/thumbnails';
import type { ActionSegment, PoseService, VideoAnalysis } from '@/lib/types';

const ALL = '';
const who = (t: number | null | undefined) => (t == null ? 'person' : `person ${t}`);

/** The frame of a segment to show: its middle. */
const middle = (s: ActionSegment) => (s.start_ms + s.end_ms) / 2;

function ReviewView() {
  const params = useSearchParams();
  const service = (params.get('service') === 'pose-multi' ? 'pose-multi' : 'pose-single') as PoseService;
  const id = params.get('id') ?? '';
  const [analysis, setAnalysis] = useState<VideoAnalysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [classes, setClasses] = useState<string[] | null>(null);
  const [label, setLabel] = useState(ALL);
  const [person, setPerson] = useState(ALL);
  const [thumbs, setThumbs] = useState<Record<string, string | null>>({});
  const [corrections, setCorrections] = useState<Corrections>({});
  const [exported, setExported] = useState<string | null>(null);

  useEffect(() => {
    if (!id) return;
    let alive = true;
    getResult(service, id)
      .then((r) => {
        if (!alive) return;
        setCorrections(loadCorrections(service, id));
        setAnalysis(r);
      })
      .catch((e) => alive && setError((e as ApiError).message));
    return () => {
      alive = false;
    };
  }, [service, id]);

  // The classes a label can be corrected to: those of the model that labelled the video.
  useEffect(() => {
    if (!analysis) return;
    listModels()
      .then((list) => {
        const model = list.models.find((m) => m.name === analysis.models.classifier) ?? list.models.find((m) => m.name === list.default_model);
        setClasses(model ? model.classes : null);
      })
      .catch(() => setClasses(null));
  }, [analysis]);

  const segments = useMemo(() => (analysis ? (analysis.segments?.length ? analysis.segments : segmentsFromFrames(analysis.frames)) : []), [analysis]);
  const choices = useMemo(() => {
    const known = classes ?? [...new Set(segments.map((s) => s.label))].sort();
    return known.includes('other') ? known : [...known, 'other'];
  }, [classes, segments]);

  // One still per segment, from the person's own file where the browser can play it, else the annotated MP4.
  useEffect(() => {
    if (!analysis || segments.length === 0) return;
    const sources = [uploadedUrl(service, id), annotatedVideoUrl(service, id)].filter((s): s is string => !!s);
    const srcW = analysis.frames[0]?.width ?? analysis.source.width;
    const srcH = analysis.frames[0]?.height ?? analysis.source.height;
    const requests = segments.map((s) => {
      const t = middle(s);
      const frame = analysis.frames.reduce((best, f) => (Math.abs(f.timestamp_ms - t) < Math.abs(best.timestamp_ms - t) ? f : best), analysis.frames[0]);
      return { key: segmentKey(s), tMs: frame?.timestamp_ms ?? t, persons: (frame?.persons ?? []).filter((p) => (p.track_id ?? null) === (s.track_id ?? null)) };
    });
    let stop = () => {};
    const attempt = (i: number) => {
      let failed = 0;
      stop = captureThumbnails(sources[i], requests, { srcW, srcH, width: 320 }, (key, url) => {
        if (url === null && ++failed === requests.length && i + 1 < sources.length) attempt(i + 1);
        else setThumbs((t) => ({ ...t, [key]: url }));
      });
    };
    if (sources.length) attempt(0);
    return () => stop();
  }, [analysis, segments, service, id]);

  const tracks = [...new Set(segments.map((s) => s.track_id ?? null))];
  const labels = [...new Set(segments.map((s) => s.label))].sort();
  const shown = segments.filter((s) => (label === ALL || s.label === label) && (person === ALL || String(s.track_id ?? null) === person));
  const corrected = segments.filter((s) => corrections[segmentKey(s)]).length;
  const name = analysis?.source.filename ?? id;

  const correct = (s: ActionSegment, value: string) => {
    const next = { ...corrections };
    if (value) next[segmentKey(s)] = value;
    else delete next[segmentKey(s)];
    setCorrections(next);
    saveCorrections(service, id, next);
    setExported(null);
  };

  const download = () => {
    if (!analysis) return;
    const exp = correctionExport(analysis, segments, corrections, name);
    const rows = Object.keys(exp.files).length;
    const bytes = correctionZip(exp);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/zip' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${safeName(name)}.corrections.zip`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setExported(
      `${rows} segment${rows === 1 ? '' : 's'} exported` +
        (exp.tooShort ? `; ${exp.tooShort} left out (fewer than 10 frames of the person, too short to train on)` : '') +
        '.',
    );
  };

  if (!id) return <ErrorBanner>No analysis chosen. <Link href="/">Pick one</Link>.</ErrorBanner>;
  return (
    <>
      <p className="small">
        <Link href={`/analysis/?service=${service}&id=${encodeURIComponent(id)}`}>← Back to the player</Link>
      </p>
      <h1>Review: {name}</h1>
      <p className="lead">One card per action segment: check what each person did, jump to the moment, and correct a label the model got wrong.</p>
      {error && <ErrorBanner title="Could not load the analysis.">{error}</ErrorBanner>}
      {!analysis && !error && <p className="muted">Loading the result…</p>}
      {analysis && (
        <>
          <section className="panel" aria-labelledby="corrections-title">
            <h2 id="corrections-title" className="sub" style={{ marginTop: 0 }}>
              Corrections
            </h2>
            <p className="small">
              <span data-testid="corrected-count">{corrected}</span> of {segments.length} segments labelled by you. The export is a training set:{' '}
              <code>labels.csv</code> (<code>file,label,subject</code>) and one analysis per segment, cut to that person and time. Unzip it and run{' '}
              <code>har dataset import analysis labels.csv --out data/datasets/mine</code>, then train with it (see the README).
            </p>
            <div className="row">
              <button type="button" onClick={download} disabled={corrected === 0}>
                Export corrections (ZIP)
              </button>
              {corrected > 0 && (
                <button type="button" className="secondary" onClick={() => (setCorrections({}), saveCorrections(service, id, {}), setExported(null))}>
                  Clear my labels
                </button>
              )}
            </div>
            {exported && (
              <p className="notice small" role="status" data-testid="export-status">
                {exported}
              </p>
            )}
          </section>
          <h2>Segments</h2>
          <div className="row filters">
            <label>
              Action{' '}
              <select value={label} onChange={(e) => setLabel(e.target.value)} data-testid="filter-label">
                <option value={ALL}>all</option>
                {labels.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Person{' '}
              <select value={person} onChange={(e) => setPerson(e.target.value)} data-testid="filter-person">
                <option value={ALL}>everyone</option>
                {tracks.map((t) => (
                  <option key={String(t)} value={String(t)}>
                    {who(t)}
                  </option>
                ))}
              </select>
            </label>
            <span className="muted small" aria-live="polite" data-testid="shown-count">
              {shown.length} of {segments.length} shown
            </span>
          </div>
          {segments.length === 0 && <p className="muted">No action segments in this result (no classifier, or nobody labelled).</p>}
          <div className="review-grid" data-testid="review-grid">
            {shown.map((s) => (
              <ReviewCard
                key={segmentKey(s)}
                segment={s}
                thumbnail={thumbs[segmentKey(s)]}
                correction={corrections[segmentKey(s)] ?? ''}
                choices={choices}
                playHref={`/analysis/?service=${service}&id=${encodeURIComponent(id)}&t=${Math.round(s.start_ms)}`}
                onCorrect={(v) => correct(s, v)}
              />
            ))}
          </div>
        </>
      )}
    </>
  );
}

export default function ReviewPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ReviewView />
    </Suspense>
  );
}
