import { afterEach, vi } from 'vitest';
import { cleanup } from '@testing-library/react';

/** jsdom has no canvas: a 2D context that records what was drawn. */
export interface RecordingContext {
  calls: { op: string; args: unknown[] }[];
  canvas: HTMLCanvasElement;
  [k: string]: unknown;
}

export function recordingContext(canvas: HTMLCanvasElement): RecordingContext {
  const calls: { op: string; args: unknown[] }[] = [];
  const rec = (op: string) => (...args: unknown[]) => {
    calls.push({ op, args });
  };
  return {
    calls,
    canvas,
    clearRect: rec('clearRect'),
    fillRect: rec('fillRect'),
    beginPath: rec('beginPath'),
    moveTo: rec('moveTo'),
    lineTo: rec('lineTo'),
    stroke: rec('stroke'),
    arc: rec('arc'),
    fill: rec('fill'),
    fillText: rec('fillText'),
    drawImage: rec('drawImage'),
    measureText: (t: string) => ({ width: t.length * 7 }),
  };
}

const contexts = new WeakMap<HTMLCanvasElement, RecordingContext>();
const browserLike = typeof HTMLCanvasElement !== 'undefined';
if (browserLike) {
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
    let c = contexts.get(this);
    if (!c) {
      c = recordingContext(this);
      contexts.set(this, c);
    }
    return c as unknown as CanvasRenderingContext2D;
  } as unknown as typeof HTMLCanvasElement.prototype.getContext;
  // jsdom's media elements do not play; keep their methods quiet.
  HTMLMediaElement.prototype.play = function () {
    return Promise.resolve();
  };
  HTMLMediaElement.prototype.pause = function () {};
  HTMLMediaElement.prototype.load = function () {};
}

export function contextOf(canvas: HTMLCanvasElement): RecordingContext {
  return canvas.getContext('2d') as unknown as RecordingContext;
}

vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), back: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});
