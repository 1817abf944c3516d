import { describe, expect, it } from 'vitest';
import { BONES, drawPersons, frameIndexAt, labelColor, segmentsFromFrames, trackIds, formatMs } from '@/lib/skeleton';
import type { FrameResult, PersonPose } from '@/lib/types';
import { example } from './example';
import { contextOf } from './setup';


const frame = (i: number, t: number, persons: FrameResult['persons'] = []): FrameResult => ({ schema_version: '1.0', frame_index: i, timestamp_ms: t, width: 100, height: 100, persons, persons_left_out: 0 });
const person = (id: number | null, label?: string, conf = 0.9): PersonPose => ({
  track_id: id,
  score: 1,
  keypoints: Array.from({ length: 17 }, (_, j) => [10 + j, 20 + j, 1] as [number, number, number]),
  action: label ? { label, confidence: conf } : null,
});

describe('frame lookup', () => {
  const frames = [frame(0, 0), frame(1, 33.367), frame(2, 66.733)];
  it('finds the frame on screen at a time', () => {
    expect(frameIndexAt(frames, 0)).toBe(0);
    expect(frameIndexAt(frames, 20)).toBe(0);
    expect(frameIndexAt(frames, 33.2)).toBe(1); // within half a millisecond counts
    expect(frameIndexAt(frames, 50)).toBe(1);
    expect(frameIndexAt(frames, 10_000)).toBe(2);
    expect(frameIndexAt(frames, -5)).toBe(0);
    expect(frameIndexAt([], 5)).toBe(-1);
  });
  it('works on the real example', () => {
    expect(frameIndexAt(example.frames, 40)).toBe(1);
  });
});

describe('drawing', () => {
  it('draws the COCO-17 bones, joints and a label for the real example', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 340;
    canvas.height = 256;
    const ctx = contextOf(canvas);
    const drawn = drawPersons(canvas.getContext('2d')!, example.frames[0].persons!);
    expect(drawn).toBe(17); // every joint of frame 0 has score >= 0.3
    expect(ctx.calls.filter((c) => c.op === 'lineTo')).toHaveLength(BONES.length);
    const text = ctx.calls.find((c) => c.op === 'fillText');
    expect(text?.args[0]).toBe('#0 uncertain'); // no percentage: uncertain is not a result
  });
  it('skips missing joints and bones touching them', () => {
    const canvas = document.createElement('canvas');
    const p = person(3, 'walking');
    p.keypoints[9] = [0, 0, 0]; // left wrist missing: bone 7-9 goes
    const ctx = contextOf(canvas);
    expect(drawPersons(canvas.getContext('2d')!, [p], { sx: 2, sy: 2 })).toBe(16);
    expect(ctx.calls.filter((c) => c.op === 'lineTo')).toHaveLength(BONES.length - 1);
    expect(ctx.calls.find((c) => c.op === 'moveTo')?.args).toEqual([(10 + 15) * 2, (20 + 15) * 2]);
  });
  it('colours labels stably, uncertain grey', () => {
    expect(labelColor('walking')).toBe(labelColor('walking'));
    expect(labelColor('uncertain')).toBe('#9ca3af');
  });
});

describe('segments from per-frame labels', () => {
  it('groups runs of one label per track, bridging short gaps, leaving out uncertain', () => {
    const frames = [
      frame(0, 0, [person(1, 'walking', 0.8), person(2, 'sitting', 0.6), person(null)]),
      frame(1, 100, [person(1, 'walking', 1.0), person(2, 'sitting', 0.6)]),
      frame(2, 200, [person(1, 'running', 0.5)]),
      frame(3, 300, [person(1, 'running', 0.7), person(2, 'uncertain', 0)]),
      frame(4, 400, [person(2, 'sitting', 0.5)]), // track 1 missing for a moment
      frame(5, 500, [person(1, 'running', 0.9)]),
      frame(6, 1500, [person(1, 'running', 0.9)]), // a long gap ends the segment
    ];
    const segs = segmentsFromFrames(frames);
    expect(segs.map((s) => [s.track_id, s.label, s.start_ms, s.end_ms])).toEqual([
      [1, 'walking', 0, 200],
      [1, 'running', 200, 500],
      [1, 'running', 1500, 1500],
      [2, 'sitting', 0, 300],
      [2, 'sitting', 400, 400],
    ]);
    expect(segs[0].mean_confidence).toBeCloseTo(0.9);
    expect(trackIds(frames, segs)).toEqual([1, 2]);
    expect(trackIds([frame(0, 0, [person(null)])], [])).toEqual([null]);
  });
  it('formats times', () => {
    expect(formatMs(65_432)).toBe('1:05.4');
    expect(formatMs(0)).toBe('0:00.0');
  });
});
