/**
 * Still pictures of a video at given times, taken in the browser: a hidden <video> seeks to each
 * time in turn and the frame is drawn to a canvas (the person's skeleton over it when one is
 * given), then kept as a JPEG data URL. The video must be same-origin (the proxied annotated MP4,
 * or the object URL of the person's own file), or the canvas could not be read.
 */
import { drawPersons } from './skeleton';
import type { PersonPose } from './types';

export interface ThumbRequest {
  key: string;
  /** Milliseconds into the video. */
  tMs: number;
  /** Drawn over the picture (result pixels of a `srcW` x `srcH` frame). */
  persons?: PersonPose[];
}

export interface ThumbOptions {
  width?: number;
  /** The result's frame size, to scale the skeletons. */
  srcW: number;
  srcH: number;
  /** Give up on one seek after this long (a source that cannot be decoded). */
  timeoutMs?: number;
}

/**
 * Takes the thumbnails one after the other, calling ``onThumb(key, dataUrl)`` as each is ready
 * (``null``: that one failed). Returns a function that stops it.
 */
export function captureThumbnails(src: string, requests: ThumbRequest[], opts: ThumbOptions, onThumb: (key: string, url: string | null) => void): () => void {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  video.crossOrigin = 'anonymous';
  let stopped = false;
  const canvas = document.createElement('canvas');
  const width = opts.width ?? 320;

  const seek = (tMs: number) =>
    new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        video.removeEventListener('seeked', onSeeked);
        video.removeEventListener('error', onError);
        resolve(ok);
      };
      const onSeeked = () => done(true);
      const onError = () => done(false);
      const timer = setTimeout(() => done(false), opts.timeoutMs ?? 8000);
      video.addEventListener('seeked', onSeeked);
      video.addEventListener('error', onError);
      const d = Number.isFinite(video.duration) ? video.duration : Infinity;
      video.currentTime = Math.min(Math.max(0, tMs / 1000 + 0.001), Math.max(0, d - 0.05));
    });

  const run = async () => {
    const ready = await new Promise<boolean>((resolve) => {
      if (video.readyState >= 2) return resolve(true);
      const t = setTimeout(() => resolve(false), opts.timeoutMs ?? 8000);
      video.addEventListener('loadeddata', () => (clearTimeout(t), resolve(true)), { once: true });
      video.addEventListener('error', () => (clearTimeout(t), resolve(false)), { once: true });
      video.src = src;
      video.load();
    });
    for (const r of requests) {
      if (stopped) return;
      if (!ready || !(await seek(r.tMs)) || stopped) {
        onThumb(r.key, null);
        continue;
      }
      const vw = video.videoWidth || opts.srcW;
      const vh = video.videoHeight || opts.srcH;
      canvas.width = width;
      canvas.height = Math.max(1, Math.round((width * vh) / vw));
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        onThumb(r.key, null);
        continue;
      }
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      if (r.persons?.length) drawPersons(ctx, r.persons, { sx: canvas.width / opts.srcW, sy: canvas.height / opts.srcH, labels: false });
      try {
        onThumb(r.key, canvas.toDataURL('image/jpeg', 0.75));
      } catch {
        onThumb(r.key, null); // a cross-origin picture: the canvas cannot be read
      }
    }
  };
  void run().finally(() => {
    video.removeAttribute('src');
    video.load();
  });
  return () => {
    stopped = true;
  };
}
