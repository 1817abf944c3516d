'use client';
import { useEffect, useRef, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import { LiveSidebar, StatsPanel } from '@/components/LivePanels';
import ModelClasses from '@/components/ModelClasses';
import { streamUrl } from '@/lib/api';
import { backoffMs, cameraErrorText, emptyStats, LiveClient, SentFrames, shouldReconnect, type LiveStats } from '@/lib/liveClient';
import { drawPersons, fitCanvas } from '@/lib/skeleton';
import { ServicePicker } from '@/components/ServicePicker';
import type { ActionSegment, FrameResult, PoseService } from '@/lib/types';

const MAX_WIDTH = 640;
/** Answers missing for this long: the figures are marked stale and the page says it is waiting. */
const STALE_MS = 1000;

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: () => void) => number;
  cancelVideoFrameCallback?: (h: number) => void;
};

interface Session {
  stream: MediaStream;
  client: LiveClient | null;
  raf: number;
  vfc: number;
  ticker: ReturnType<typeof setInterval> | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
  attempt: number;
  lastAnswer: number;
  sent: SentFrames<HTMLCanvasElement>;
  pool: HTMLCanvasElement[];
  cameraFrames: number[];
  labelled: Set<number | null>;
}

function clearCanvas(c: HTMLCanvasElement | null) {
  c?.getContext('2d')?.clearRect(0, 0, c.width, c.height);
}

/** The camera asked for: about 640x480, facing the person (front) or away (back); a wish, not a must. */
const cameraConstraints = (facing: 'user' | 'environment'): MediaTrackConstraints => ({
  facingMode: { ideal: facing },
  width: { ideal: 640 },
  height: { ideal: 480 },
});

/** How many cameras the browser offers (named only after permission was given). */
async function countCameras(): Promise<number> {
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.filter((d) => d.kind === 'videoinput').length;
  } catch {
    return 0;
  }
}

export default function LivePage() {
  const [service, setService] = useState<PoseService>('pose-single');
  const [running, setRunning] = useState(false);
  const [state, setState] = useState('stopped');
  const [stats, setStats] = useState<LiveStats>(emptyStats());
  const [frame, setFrame] = useState<FrameResult | null>(null);
  const [segments, setSegments] = useState<ActionSegment[]>([]);
  const [labelled, setLabelled] = useState<Set<number | null>>(new Set());
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [serverNote, setServerNote] = useState<string | null>(null);
  const [waitingS, setWaitingS] = useState<number | null>(null);
  const [cameraFps, setCameraFps] = useState<number | null>(null);
  /** Which camera a phone uses (getUserMedia's facingMode), and how many cameras there are. */
  const [facing, setFacing] = useState<'user' | 'environment'>('user');
  const [cameras, setCameras] = useState(0);
  const video = useRef<FrameCallbackVideo>(null);
  const picture = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const session = useRef<Session | null>(null);
  const [aspect, setAspect] = useState('4 / 3');

  const stop = (why?: string) => {
    const s = session.current;
    session.current = null;
    if (s) {
      cancelAnimationFrame(s.raf);
      if (s.vfc && video.current?.cancelVideoFrameCallback) video.current.cancelVideoFrameCallback(s.vfc);
      clearInterval(s.ticker);
      clearTimeout(s.retry);
      s.client?.close();
      s.sent.clear();
      s.stream.getTracks().forEach((t) => t.stop());
    }
    if (video.current) video.current.srcObject = null;
    clearCanvas(picture.current);
    clearCanvas(overlay.current);
    setFrame(null);
    setWaitingS(null);
    setCameraFps(null);
    setRunning(false);
    setState(why ?? 'stopped');
  };

  useEffect(() => () => stop(), []);

  const connect = (s: Session) => {
    const client = new LiveClient(streamUrl(service), {
      onOpen: () => {
        s.lastAnswer = performance.now();
        setState('live');
      },
      onFrame: (f, segs, st, seq) => {
        if (session.current !== s) return;
        s.lastAnswer = performance.now();
        if (s.attempt) {
          s.attempt = 0;
          setError(null);
        }
        setFrame(f);
        setStats(st);
        setState('live');
        if (segs.length) setSegments((old) => [...old, ...segs].slice(-200));
        let grew = false;
        for (const p of f.persons ?? [])
          if (p.action && p.action.label !== 'uncertain' && !s.labelled.has(p.track_id ?? null)) {
            s.labelled.add(p.track_id ?? null);
            grew = true;
          }
        if (grew) setLabelled(new Set(s.labelled));
        // the picture this answer was computed from, and its skeletons over it
        const snap = s.sent.take(seq);
        const pc = picture.current;
        if (snap && pc) {
          fitCanvas(pc, f.width, f.height);
          pc.getContext('2d')?.drawImage(snap, 0, 0, pc.width, pc.height);
        }
        if (snap) s.pool.push(snap);
        const c = overlay.current;
        if (c) {
          const { sx, sy } = fitCanvas(c, f.width, f.height);
          const ctx = c.getContext('2d')!;
          ctx.clearRect(0, 0, c.width, c.height);
          drawPersons(ctx, f.persons ?? [], { sx, sy });
        }
        if (c) c.dataset.seq = String(seq);
      },
      onServerError: (msg) => setServerNote(msg),
      onClose: (reason, code) => {
        if (session.current !== s || s.client !== client) return;
        s.client = null;
        if (!reason) return stop('disconnected');
        if (!shouldReconnect(code)) {
          setError({ title: 'Stream closed.', message: reason });
          return stop('disconnected');
        }
        s.attempt += 1;
        const wait = backoffMs(s.attempt);
        setError({ title: 'Connection lost.', message: `${reason} Reconnecting by itself in ${Math.round(wait / 1000)} s (attempt ${s.attempt}).` });
        setState(`reconnecting (attempt ${s.attempt})`);
        s.retry = setTimeout(() => {
          if (session.current === s) connect(s);
        }, wait);
      },
    });
    s.client = client;
    setState(s.attempt ? `reconnecting (attempt ${s.attempt})` : 'connecting');
    client.connect();
  };

  const start = async () => {
    setError(null);
    setServerNote(null);
    setSegments([]);
    setFrame(null);
    setLabelled(new Set());
    setStats(emptyStats());
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no mediaDevices'), { name: 'NoMediaDevices' });
      setState('asking for the camera');
      stream = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(facing), audio: false });
    } catch (e) {
      setState('stopped');
      setError({ title: 'Camera unavailable.', message: cameraErrorText(e) });
      return;
    }
    const v = video.current!;
    v.srcObject = stream;
    await v.play().catch(() => undefined);
    void countCameras().then(setCameras);
    const s: Session = {
      stream,
      client: null,
      raf: 0,
      vfc: 0,
      ticker: undefined,
      retry: undefined,
      attempt: 0,
      lastAnswer: performance.now(),
      pool: [],
      sent: new SentFrames<HTMLCanvasElement>(8, (c) => s.pool.push(c)),
      cameraFrames: [],
      labelled: new Set(),
    };
    session.current = s;
    setRunning(true);
    connect(s);

    // camera frames per second: frames the browser presented, over the last 2 s
    const onCameraFrame = () => {
      if (session.current !== s) return;
      s.cameraFrames.push(performance.now());
      s.vfc = v.requestVideoFrameCallback!(onCameraFrame);
    };
    if (typeof v.requestVideoFrameCallback === 'function') s.vfc = v.requestVideoFrameCallback(onCameraFrame);
    s.ticker = setInterval(() => {
      const now = performance.now();
      while (s.cameraFrames.length && now - s.cameraFrames[0] > 2000) s.cameraFrames.shift();
      const n = s.cameraFrames.length;
      setCameraFps(n > 1 ? ((n - 1) * 1000) / (s.cameraFrames[n - 1] - s.cameraFrames[0] || 1) : s.vfc ? 0 : null);
      const quiet = now - s.lastAnswer;
      setWaitingS(quiet > STALE_MS ? Math.floor(quiet / 1000) : null);
    }, 250);

    let encoding = false;
    const loop = () => {
      if (session.current !== s) return;
      s.raf = requestAnimationFrame(loop);
      const client = s.client;
      if (encoding || !client || !client.canSend() || v.readyState < 2 || !v.videoWidth) return;
      const scale = Math.min(1, MAX_WIDTH / v.videoWidth);
      const w = Math.round(v.videoWidth * scale);
      const h = Math.round(v.videoHeight * scale);
      const snap = s.pool.pop() ?? document.createElement('canvas');
      if (snap.width !== w || snap.height !== h) {
        snap.width = w;
        snap.height = h;
      }
      setAspect(`${w} / ${h}`);
      const capturedAt = performance.now();
      snap.getContext('2d')!.drawImage(v, 0, 0, w, h);
      encoding = true;
      snap.toBlob(
        async (blob) => {
          try {
            if (blob && s.client === client && client.canSend()) s.sent.put(client.send(await blob.arrayBuffer(), capturedAt), snap);
            else s.pool.push(snap);
          } finally {
            encoding = false;
          }
        },
        'image/jpeg',
        0.8,
      );
    };
    s.raf = requestAnimationFrame(loop);
  };

  /** The other camera (front or back), swapped in under the running stream: the socket stays open. */
  const switchCamera = async () => {
    const s = session.current;
    const next = facing === 'user' ? 'environment' : 'user';
    if (!s) return setFacing(next);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(next), audio: false });
      if (session.current !== s) return stream.getTracks().forEach((t) => t.stop());
      s.stream.getTracks().forEach((t) => t.stop());
      s.stream = stream;
      const v = video.current!;
      v.srcObject = stream;
      await v.play().catch(() => undefined);
      setFacing(next);
    } catch (e) {
      setError({ title: 'Could not switch the camera.', message: cameraErrorText(e) });
    }
  };

  const stale = running && waitingS !== null;
  const shownState = stale && state === 'live' ? `waiting for the server, ${waitingS} s` : state;
  return (
    <>
      <h1>Live camera</h1>
      <p className="lead">Your webcam, frame by frame, at the rate the server keeps up with: one frame on its way at a time.</p>
      <div className="panel">
        <div className="row">
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
          {running && cameras > 1 && (
            <button type="button" className="secondary" onClick={() => void switchCamera()} data-testid="switch-camera">
              {facing === 'user' ? 'Use the back camera' : 'Use the front camera'}
            </button>
          )}
          <span className="muted small" data-testid="live-state" role="status">
            {shownState}
          </span>
        </div>
        <ModelClasses service={service} />
      </div>
      {error && (
        <ErrorBanner title={error.title} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      )}
      {serverNote && <p className="notice small">Server: {serverNote}</p>}
      <div className="grid2">
        <div>
          <div className={`stage${stale ? ' stale' : ''}`} style={{ aspectRatio: aspect }} data-testid="live-stage">
            <canvas ref={picture} className="overlay" data-testid="picture" aria-label="The camera frame the skeletons were computed from" role="img" />
            <canvas ref={overlay} className="overlay" data-testid="overlay" />
            <video ref={video} muted playsInline data-testid="camera" className="pip" aria-label="Camera preview" />
            {stale && (
              <span className="stale-note" data-testid="stale-note">
                {state === 'live' ? `Waiting for the server, ${waitingS} s` : state}
              </span>
            )}
          </div>
          <p className="muted small">The big picture is the frame the server last analysed, with its skeletons; the small one is the camera now.</p>
          <StatsPanel stats={stats} state={shownState} cameraFps={running || cameraFps != null ? cameraFps : null} stale={stale} />
        </div>
        <LiveSidebar frame={frame} segments={segments} labelled={labelled} classifier={stats.classifier} stale={stale} />
      </div>
    </>
  );
}
