import { describe, expect, it } from 'vitest';
import { hasProbabilities, recutSegments, relabelFrames } from '@/lib/recut';
import type { FrameResult } from '@/lib/types';
import { example } from './example';

/** One person over 20 frames (100 ms apart): walking at 0.9, then at 0.6, then running at 0.7. */
function frames(): FrameResult[] {
  const p0 = example.frames[0].persons![0];
  return Array.from({ length: 20 }, (_, i) => {
    const [label, p] = i < 8 ? ['walking', 0.9] : i < 14 ? ['walking', 0.6] : ['running', 0.7];
    const other = label === 'walking' ? 'running' : 'walking';
    return {
      ...example.frames[0],
      frame_index: i,
      timestamp_ms: i * 100,
      persons: [
        {
          ...p0,
          track_id: 0,
          action: { label, confidence: p, reason: null, top_k: [{ label, probability: p }, { label: other, probability: 1 - p - 0.05 }, { label: 'other', probability: 0.05 }] },
        },
      ],
    };
  });
}

describe('re-cutting segments at a minimum confidence', () => {
  it('keeps every label above the minimum, and cuts where the most likely class changes', () => {
    const cut = recutSegments(frames(), 0.5).map((s) => [s.label, s.start_ms, s.end_ms]);
    expect(cut).toEqual([
      ['walking', 0, 1400],
      ['running', 1400, 1900],
    ]);
  });

  it('leaves out what falls under a higher minimum', () => {
    const cut = recutSegments(frames(), 0.8).map((s) => [s.label, s.start_ms, s.end_ms]);
    expect(cut).toEqual([['walking', 0, 800]]); // 0.6 and 0.7 go uncertain
    expect(relabelFrames(frames(), 0.8)[10].persons![0].action!.label).toBe('uncertain');
    expect(relabelFrames(frames(), 0.8)[10].persons![0].action!.confidence).toBe(0.6);
  });

  it('knows whether a result carries the probabilities', () => {
    expect(hasProbabilities(frames())).toBe(true);
    expect(hasProbabilities(example.frames)).toBe(false);
  });
});
