'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { VideoAnalysis } from '@/lib/types';
import { actionState, presenceRuns, reasonAt } from '@/lib/actionState';
import { hasProbabilities, recutSegments } from '@/lib/recut';
import { drawPersons, fitCanvas, formatMs, frameIndexAt, segmentsFromFrames, trackColor, trackIds } from '@/lib/skeleton';
import ActionChip, { TopClasses } from './ActionChip';
import SegmentTable from './SegmentTable';
import Timeline from './Timeline';
import SceneRow from './SceneRow';
import KineticsPanel from './KineticsPanel';

export interface VideoSource {
  id: string;
  label: string;
  src: string;
  /** The skeleton is already burnt into this one. */
  annotated?: boolean;
}

export interface PlayerProps {
  analysis: VideoAnalysis;
  sources: VideoSource[];
  downloads?: { label: string; href: string; filename: string }[];
  /** Where to start, in milliseconds of the video (a link from the review page). */
  startMs?: number;
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number;
  cancelVideoFrameCallback?: (h: number) => void;
};

/**
 * The result player: the video with skeletons and labels drawn on a canvas over it, in sync
 * (requestVideoFrameCallback where the browser has it, else requestAnimationFrame on currentTime),
 * the per-person timeline, the segment table and the downloads.
 */
export default function Player({ analysis, sources, downloads = [], startMs = 0 }: PlayerProps) {
  const video = useRef<FrameCallbackVideo>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [sourceIdx, setSourceIdx] = useState(0);
  const [showSkeleton, setShowSkeleton] = useState(true);
  const [showLabels, setShowLabels] = useState(true);
  const [currentMs, setCurrentMs] = useState(0);
  const [frameIdx, setFrameIdx] = useState(0);
  const [videoError, setVideoError] = useState<string | null>(null);
  const drawState = useRef({ skeleton: true, labels: true, lastIdx: -2 });

  const { frames, source } = analysis;
  /** A minimum confidence (percent) the person chose to re-cut the segments at; null: the service's own. */
  const [minConf, setMinConf] = useState<number | null>(null);
  const canRecut = useMemo(() => hasProbabilities(frames), [frames]);
  const derived = !analysis.segments?.length && minConf == null;
  const segments = useMemo(
    () => (minConf != null ? recutSegments(frames, minConf / 100) : analysis.segments?.length ? analysis.segments : segmentsFromFrames(frames)),
    [analysis.segments, frames, minConf],
  );
  const tracks = useMemo(() => trackIds(frames, segments), [frames, segments]);
  const presence = useMemo(() => presenceRuns(frames), [frames]);
  const classifierOff = !analysis.models.classifier;
  const srcW = frames[0]?.width ?? source.width;
  const srcH = frames[0]?.height ?? source.height;
  const current = sources[sourceIdx];

  const draw = useCallback(
    (tMs: number, force = false) => {
      const c = canvas.current;
      if (!c) return;
      const idx = frameIndexAt(frames, tMs);
      const st = drawState.current;
      if (!force && idx === st.lastIdx) return;
      st.lastIdx = idx;
      const { sx, sy } = fitCanvas(c, srcW, srcH);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.clearRect(0, 0, c.width, c.height);
      const f = frames[idx];
      if (f && st.skeleton) {
        drawPersons(ctx, f.persons ?? [], { sx: (sx * srcW) / f.width, sy: (sy * srcH) / f.height, labels: st.labels });
      }
      c.dataset.frameIndex = String(f?.frame_index ?? -1);
      setFrameIdx(idx);
    },
    [frames, srcW, srcH],
  );

  useEffect(() => {
    drawState.current.skeleton = showSkeleton;
    drawState.current.labels = showLabels;
    draw((video.current?.currentTime ?? 0) * 1000, true);
  }, [showSkeleton, showLabels, draw]);

  // Keep the overlay in step with the video.
  useEffect(() => {
    const v = video.current;
    if (!v) return;
    let raf = 0;
    let vfc = 0;
    let alive = true;
    let shown = -1;
    const tick = () => {
      if (!alive) return;
      const ms = v.currentTime * 1000;
      draw(ms);
      if (Math.abs(ms - shown) >= 40) {
        shown = ms;
        setCurrentMs(ms);
      }
      raf = requestAnimationFrame(tick);
    };
    const onFrame = (_now: number, meta: { mediaTime: number }) => {
      if (!alive) return;
      draw(meta.mediaTime * 1000);
      vfc = v.requestVideoFrameCallback!(onFrame);
    };
    if (typeof v.requestVideoFrameCallback === 'function') vfc = v.requestVideoFrameCallback(onFrame);
    raf = requestAnimationFrame(tick);
    const redraw = () => draw(v.currentTime * 1000, true);
    const toStart = () => {
      if (startMs > 0 && v.currentTime === 0) {
        v.currentTime = startMs / 1000 + 0.001;
        setCurrentMs(startMs);
      }
    };
    if (v.readyState >= 1) toStart();
    v.addEventListener('loadedmetadata', toStart);
    v.addEventListener('seeked', redraw);
    v.addEventListener('loadeddata', redraw);
    window.addEventListener('resize', redraw);
    return () => {
      alive = false;
      cancelAnimationFrame(raf);
      if (vfc && v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(vfc);
      v.removeEventListener('loadedmetadata', toStart);
      v.removeEventListener('seeked', redraw);
      v.removeEventListener('loadeddata', redraw);
      window.removeEventListener('resize', redraw);
    };
  }, [draw, current?.src, startMs]);

  const seek = (ms: number) => {
    const v = video.current;
    if (!v) return;
    v.currentTime = Math.max(0, ms / 1000 + 0.001);
    setCurrentMs(ms);
    draw(ms, true);
  };

  const onVideoError = () => {
    // A format this browser cannot play (an AVI, say): fall back to the next source.
    if (sourceIdx + 1 < sources.length) {
      setVideoError(`This browser cannot play “${current.label}”; showing “${sources[sourceIdx + 1].label}”.`);
      setSourceIdx(sourceIdx + 1);
    } else {
      setVideoError('The video cannot be played here; the skeletons are still drawn on a blank stage.');
    }
  };

  const frame = frames[frameIdx];
  return (
    <div className="grid2">
      <div>
        <div className="stage" style={{ aspectRatio: `${srcW} / ${srcH}` }} data-testid="stage">
          {current && (
            <video
              key={current.src}
              ref={video}
              src={current.src}
              controls
              muted
              playsInline
              preload="auto"
              onError={onVideoError}
              data-testid="video"
              style={{ objectFit: 'fill' }}
            />
          )}
          <canvas ref={canvas} className="overlay" data-testid="overlay" width={srcW} height={srcH} />
        </div>
        <div className="controls">
          {sources.length > 1 && (
            <label>
              Video{' '}
              <select value={sourceIdx} onChange={(e) => setSourceIdx(Number(e.target.value))}>
                {sources.map((s, i) => (
                  <option key={s.id} value={i}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            <input type="checkbox" checked={showSkeleton} onChange={(e) => setShowSkeleton(e.target.checked)} /> Skeletons
          </label>
          <label>
            <input type="checkbox" checked={showLabels} onChange={(e) => setShowLabels(e.target.checked)} disabled={!showSkeleton} /> Labels
          </label>
          <span className="muted small" data-testid="clock">
            {formatMs(currentMs)} / {formatMs(source.duration_ms)} · frame {frame?.frame_index ?? '–'}
          </span>
        </div>
        {current?.annotated && showSkeleton && <p className="muted small">This video has the skeleton drawn into it already; the overlay is drawn on top.</p>}
        {videoError && <p className="notice small">{videoError}</p>}
        <h2 className="sub">Timeline</h2>
        {derived && segments.length > 0 && <p className="muted small">The service sent no segments; these come from the per-frame labels.</p>}
        {canRecut && (
          <div className="row small recut" data-testid="recut">
            <label>
              Minimum confidence{' '}
              <input
                type="range"
                min={0}
                max={95}
                step={5}
                value={minConf ?? 50}
                aria-valuetext={minConf == null ? "the service's segments" : `${minConf}%`}
                onChange={(e) => setMinConf(Number(e.target.value))}
                data-testid="min-confidence"
              />
            </label>
            <output data-testid="min-confidence-value">{minConf == null ? "the service's segments" : `${minConf}%: re-cut here from the per-frame probabilities`}</output>
            {minConf != null && (
              <button type="button" className="secondary" onClick={() => setMinConf(null)}>
                Back to the service&apos;s segments
              </button>
            )}
          </div>
        )}
        <Timeline segments={segments} tracks={tracks} presence={presence} unlabelled={analysis.unlabelled ?? []} durationMs={source.duration_ms} currentMs={currentMs} onSeek={seek} />
        <SceneRow scene={analysis.scene ?? []} durationMs={source.duration_ms} currentMs={currentMs} onSeek={seek} />
        <h2 className="sub">Segments</h2>
        <SegmentTable segments={segments} onSeek={seek} />
      </div>
      <aside>
        <div className="panel">
          <h2 className="sub">Now</h2>
          <ul className="people" data-testid="now-people">
            {(frame?.persons ?? []).length === 0 && <li className="muted">Nobody in this frame.</li>}
            {(frame?.persons ?? []).map((p, i) => (
              <li key={i}>
                <span className="tl-swatch" style={{ background: trackColor(p.track_id) }} />
                <span>{p.track_id == null ? 'person' : `person ${p.track_id}`}</span>
                <ActionChip state={actionState(p, { reason: p.action?.reason ?? reasonAt(analysis.unlabelled, p.track_id, frame.timestamp_ms), classifierOff })} />
                <TopClasses label={p.action} />
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h2 className="sub">About</h2>
          <dl className="kv">
            <dt>File</dt>
            <dd>{source.filename ?? '–'}</dd>
            <dt>Size</dt>
            <dd>
              {source.width}×{source.height}, {source.fps.toFixed(2)} fps
            </dd>
            <dt>Length</dt>
            <dd>
              {formatMs(source.duration_ms)} ({source.frame_count} frames)
            </dd>
            <dt>Pose model</dt>
            <dd>{analysis.models.pose}</dd>
            <dt>Classifier</dt>
            <dd>{analysis.models.classifier ?? 'none'}</dd>
            <dt>People</dt>
            <dd>{tracks.length}</dd>
          </dl>
        </div>
        {downloads.length > 0 && (
          <div className="panel">
            <h2 className="sub">Downloads</h2>
            <div className="downloads">
              {downloads.map((d) => (
                <a key={d.href} className="button secondary" href={d.href} download={d.filename}>
                  {d.label}
                </a>
              ))}
            </div>
          </div>
        )}
        <KineticsPanel scene={analysis.scene ?? []} model={analysis.models.kinetics} segments={segments} unlabelled={analysis.unlabelled ?? []} />
      </aside>
    </div>
  );
}
