'use client';
import { useEffect, useRef, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import { LiveSidebar, StatsPanel } from '@/components/LivePanels';
import { streamUrl } from '@/lib/api';
import { cameraErrorText, emptyStats, LiveClient, type LiveStats } from '@/lib/liveClient';
import { drawPersons, fitCanvas } from '@/lib/skeleton';
import { ServicePicker } from '@/components/ServicePicker';
import type { ActionSegment, FrameResult, PoseService } from '@/lib/types';

const MAX_WIDTH = 640;

export default function LivePage() {
  const [service, setService] = useState<PoseService>('pose-single');
  const [running, setRunning] = useState(false);
  const [state, setState] = useState('stopped');
  const [stats, setStats] = useState<LiveStats>(emptyStats());
  const [frame, setFrame] = useState<FrameResult | null>(null);
  const [segments, setSegments] = useState<ActionSegment[]>([]);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [serverNote, setServerNote] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const session = useRef<{ stream: MediaStream; client: LiveClient; raf: number } | null>(null);
  const [aspect, setAspect] = useState('4 / 3');

  const stop = (why?: string) => {
    const s = session.current;
    session.current = null;
    if (s) {
      cancelAnimationFrame(s.raf);
      s.client.close();
      s.stream.getTracks().forEach((t) => t.stop());
    }
    if (video.current) video.current.srcObject = null;
    setRunning(false);
    setState(why ?? 'stopped');
  };

  useEffect(() => () => stop(), []);

  const start = async () => {
    setError(null);
    setServerNote(null);
    setSegments([]);
    setFrame(null);
    setStats(emptyStats());
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no mediaDevices'), { name: 'NoMediaDevices' });
      setState('asking for the camera');
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (e) {
      setState('stopped');
      setError({ title: 'Camera unavailable.', message: cameraErrorText(e) });
      return;
    }
    const v = video.current!;
    v.srcObject = stream;
    await v.play().catch(() => undefined);
    const work = document.createElement('canvas');
    let encoding = false;
    const client = new LiveClient(streamUrl(service), {
      onOpen: () => setState('live'),
      onFrame: (f, segs, st) => {
        setFrame(f);
        setStats(st);
        if (segs.length) setSegments((old) => [...old, ...segs].slice(-200));
        const c = overlay.current;
        if (c) {
          const { sx, sy } = fitCanvas(c, f.width, f.height);
          const ctx = c.getContext('2d')!;
          ctx.clearRect(0, 0, c.width, c.height);
          drawPersons(ctx, f.persons ?? [], { sx, sy });
        }
      },
      onServerError: (msg) => setServerNote(msg),
      onClose: (reason) => {
        if (session.current?.client === client) {
          if (reason) setError({ title: 'Stream closed.', message: reason });
          stop('disconnected');
        }
      },
    });
    session.current = { stream, client, raf: 0 };
    setRunning(true);
    setState('connecting');
    client.connect();

    const loop = () => {
      if (!session.current || session.current.client !== client) return;
      session.current.raf = requestAnimationFrame(loop);
      if (encoding || !client.canSend() || v.readyState < 2 || !v.videoWidth) return;
      const scale = Math.min(1, MAX_WIDTH / v.videoWidth);
      const w = Math.round(v.videoWidth * scale);
      const h = Math.round(v.videoHeight * scale);
      if (work.width !== w || work.height !== h) {
        work.width = w;
        work.height = h;
        setAspect(`${w} / ${h}`);
      }
      const capturedAt = performance.now();
      work.getContext('2d')!.drawImage(v, 0, 0, w, h);
      encoding = true;
      work.toBlob(
        async (blob) => {
          try {
            if (blob && client.canSend()) client.send(await blob.arrayBuffer(), capturedAt);
          } finally {
            encoding = false;
          }
        },
        'image/jpeg',
        0.8,
      );
    };
    session.current.raf = requestAnimationFrame(loop);
  };

  return (
    <>
      <h1>Live camera</h1>
      <p className="lead">Your webcam, frame by frame, at the rate the server keeps up with: one frame on its way at a time.</p>
      <div className="panel row">
        <ServicePicker value={service} onChange={setService} disabled={running} />
        {running ? (
          <button type="button" className="secondary" onClick={() => stop()}>
            Stop
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            Start camera
          </button>
        )}
        <span className="muted small" data-testid="live-state">
          {state}
        </span>
      </div>
      {error && (
        <ErrorBanner title={error.title} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      )}
      {serverNote && <p className="notice small">Server: {serverNote}</p>}
      <div className="grid2">
        <div>
          <div className="stage" style={{ aspectRatio: aspect }}>
            <video ref={video} muted playsInline data-testid="camera" />
            <canvas ref={overlay} className="overlay" data-testid="overlay" />
          </div>
          <StatsPanel stats={stats} state={state} />
        </div>
        <LiveSidebar frame={frame} segments={segments} />
      </div>
    </>
  );
}
