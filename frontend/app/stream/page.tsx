'use client';
import { useEffect, useRef, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import { LiveSidebar, StatsPanel } from '@/components/LivePanels';
import { cameraUrlStreamUrl, getInfo, validCameraUrl, type ApiError } from '@/lib/api';
import { emptyStats, LiveClient, type LiveStats } from '@/lib/liveClient';
import { drawPersons, fitCanvas } from '@/lib/skeleton';
import { ServicePicker } from '@/components/ServicePicker';
import type { ActionSegment, FrameResult, PoseService } from '@/lib/types';

type Allowed = 'checking' | 'yes' | 'no' | 'down';

export default function StreamPage() {
  const [service, setService] = useState<PoseService>('pose-single');
  // What the chosen service said about camera URLs; an answer for another service reads as 'checking'.
  const [answer, setAnswer] = useState<{ service: PoseService; allowed: Allowed; error: string | null } | null>(null);
  const allowed: Allowed = answer?.service === service ? answer.allowed : 'checking';
  const infoError = answer?.service === service ? answer.error : null;
  const [url, setUrl] = useState('');
  const [running, setRunning] = useState(false);
  const [state, setState] = useState('stopped');
  const [stats, setStats] = useState<LiveStats>(emptyStats());
  const [frame, setFrame] = useState<FrameResult | null>(null);
  const [segments, setSegments] = useState<ActionSegment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [aspect, setAspect] = useState('16 / 9');
  const client = useRef<LiveClient | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    let live = true;
    getInfo(service)
      .then((info) => live && setAnswer({ service, allowed: info.allow_stream_urls ? 'yes' : 'no', error: null }))
      .catch((e) => live && setAnswer({ service, allowed: 'down', error: (e as ApiError).message }));
    return () => {
      live = false;
    };
  }, [service]);

  useEffect(() => () => client.current?.close(), []);

  const stop = (why = 'stopped') => {
    client.current?.close();
    client.current = null;
    setRunning(false);
    setState(why);
  };

  const start = () => {
    const bad = validCameraUrl(url);
    if (bad) {
      setError(bad);
      return;
    }
    setError(null);
    setSegments([]);
    setFrame(null);
    setStats(emptyStats());
    const c = new LiveClient(cameraUrlStreamUrl(service, url.trim()), {
      onOpen: () => setState('live'),
      onFrame: (f, segs, st) => {
        setFrame(f);
        setStats(st);
        setAspect(`${f.width} / ${f.height}`);
        if (segs.length) setSegments((old) => [...old, ...segs].slice(-200));
        const cv = canvas.current;
        if (!cv) return;
        const { sx, sy } = fitCanvas(cv, f.width, f.height);
        const ctx = cv.getContext('2d')!;
        ctx.fillStyle = '#0b1220';
        ctx.fillRect(0, 0, cv.width, cv.height);
        drawPersons(ctx, f.persons ?? [], { sx, sy });
      },
      onServerError: (msg) => setError(msg),
      onClose: (reason) => {
        if (client.current === c) {
          if (reason) setError(reason);
          stop('disconnected');
        }
      },
    });
    client.current = c;
    setRunning(true);
    setState('connecting');
    c.connect();
  };

  return (
    <>
      <h1>Camera stream</h1>
      <p className="lead">The server reads an RTSP or HTTP camera itself and sends back poses and actions.</p>
      <div className="panel row">
        <ServicePicker value={service} onChange={setService} disabled={running} />
      </div>
      {allowed === 'checking' && <p className="muted">Asking the server whether it reads camera URLs…</p>}
      {allowed === 'down' && <ErrorBanner title="Service unavailable.">{infoError}</ErrorBanner>}
      {allowed === 'no' && (
        <p className="notice" data-testid="stream-disabled">
          This server does not read camera URLs: the setting <code>allow_stream_urls</code> is off (the default). An operator can turn it on;
          the Live page works with a webcam meanwhile.
        </p>
      )}
      {allowed === 'yes' && (
        <>
          <form
            className="panel row"
            onSubmit={(e) => {
              e.preventDefault();
              if (running) stop();
              else start();
            }}
          >
            <input type="url" placeholder="rtsp://camera.local/stream" value={url} onChange={(e) => setUrl(e.target.value)} style={{ flex: 1, minWidth: 260 }} aria-label="Camera URL" disabled={running} />
            <button type="submit">{running ? 'Stop' : 'Start'}</button>
            <span className="muted small">{state}</span>
          </form>
          {error && (
            <ErrorBanner title="Stream problem." onDismiss={() => setError(null)}>
              {error}
            </ErrorBanner>
          )}
          <div className="grid2">
            <div>
              <div className="stage" style={{ aspectRatio: aspect, background: '#0b1220' }}>
                <canvas ref={canvas} className="overlay" data-testid="overlay" />
              </div>
              <p className="muted small">The server sends poses, not pictures: the skeletons are drawn on a blank stage.</p>
              <StatsPanel stats={stats} state={state} />
            </div>
            <LiveSidebar frame={frame} segments={segments} classifier={stats.classifier} />
          </div>
        </>
      )}
    </>
  );
}
