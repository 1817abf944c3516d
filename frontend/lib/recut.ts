/**
 * Segments re-cut in the browser at a chosen minimum confidence, from the per-frame probabilities
 * the services send (`action.top_k`, the smoothed probabilities of the three most likely classes):
 * a person's label at a frame is the most likely class when its probability reaches the minimum,
 * else `uncertain`; the segments are then cut from those labels as the services cut theirs
 * (lib/skeleton.ts segmentsFromFrames). The services' hysteresis (a label is kept until another
 * beats it) is not applied here, so at the services' own threshold the cut can differ a little.
 */
import { segmentsFromFrames } from './skeleton';
import type { ActionSegment, FrameResult } from './types';

/** Whether the frames carry the probabilities a re-cut needs. */
export const hasProbabilities = (frames: FrameResult[]) => frames.some((f) => (f.persons ?? []).some((p) => (p.action?.top_k?.length ?? 0) > 0));

/** The frames with each person's label decided again at ``min`` (a share, 0 to 1). */
export function relabelFrames(frames: FrameResult[], min: number): FrameResult[] {
  return frames.map((f) => ({
    ...f,
    persons: (f.persons ?? []).map((p) => {
      const a = p.action;
      if (!a) return p;
      const best = a.top_k?.[0];
      const [label, confidence] = best ? [best.label, best.probability] : [a.label, a.confidence];
      return { ...p, action: { ...a, label: confidence >= min ? label : 'uncertain', confidence } };
    }),
  }));
}

export function recutSegments(frames: FrameResult[], min: number): ActionSegment[] {
  return segmentsFromFrames(relabelFrames(frames, min));
}
