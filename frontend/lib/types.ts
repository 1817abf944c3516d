/**
 * The JSON contracts of har_common.schemas (schema version 1.0), as TypeScript.
 * docs/schemas.md documents them; tests/contracts.test.ts checks these against the JSON schema the
 * services publish (openapi/*.json), so a change on the Python side fails the frontend's tests.
 */

/** One keypoint: x and y in image pixels, score in [0, 1]; score 0 means missing. */
export type Keypoint = [number, number, number];

export interface ActionLabel {
  label: string;
  confidence: number;
}

export interface PersonPose {
  track_id?: number | null;
  /** 17 COCO keypoints. */
  keypoints: Keypoint[];
  score?: number;
  bbox?: [number, number, number, number] | null;
  raw_keypoints?: [number, number, number, number][] | null;
  action?: ActionLabel | null;
}

export interface FrameResult {
  schema_version?: '1.0';
  frame_index: number;
  timestamp_ms: number;
  width: number;
  height: number;
  persons?: PersonPose[];
}

export interface ActionSegment {
  schema_version?: '1.0';
  track_id?: number | null;
  label: string;
  start_ms: number;
  end_ms: number;
  duration_ms?: number | null;
  mean_confidence: number;
}

export interface SourceInfo {
  filename?: string | null;
  width: number;
  height: number;
  fps: number;
  frame_count: number;
  duration_ms: number;
}

export interface ModelInfo {
  pose: string;
  classifier?: string | null;
}

export interface VideoAnalysis {
  schema_version?: '1.0';
  layout?: 'coco17';
  source: SourceInfo;
  models: ModelInfo;
  frames: FrameResult[];
  segments?: ActionSegment[];
}

export interface ActionPrediction {
  schema_version?: '1.0';
  model: string;
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
}

/** Server -> client messages on WS /v1/stream and /v1/stream/url (.coord/RULES.md). */
export type StreamMessage =
  | {
      type: 'frame';
      seq: number;
      frame: FrameResult;
      segments: ActionSegment[];
      dropped: number;
      classifier: 'ok' | 'unavailable' | 'off';
      latency_ms: number;
    }
  | { type: 'error'; seq: number | null; message: string };

export type PoseService = 'pose-single' | 'pose-multi';
export type Service = PoseService | 'classifier';

export const POSE_SERVICES: { id: PoseService; label: string; hint: string }[] = [
  { id: 'pose-single', label: 'Single person', hint: 'MediaPipe Pose: fast, one person' },
  { id: 'pose-multi', label: 'Several people', hint: 'YOLO11-pose with tracking: an action per person' },
];
