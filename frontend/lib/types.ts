/**
 * The contracts the services send, taken from their generated OpenAPI types (lib/openapi/*.ts,
 * `npm run openapi:types`): nothing here restates a field. The result file, the poses and the
 * segments are har_common.schemas, declared by the pose services' routes.
 */
import type { components as PoseSingle } from './openapi/pose-single';

type Schemas = PoseSingle['schemas'];

export type ActionLabel = Schemas['ActionLabel'];
export type PersonPose = Schemas['PersonPose'];
/** One keypoint: x and y in image pixels, score in [0, 1]; score 0 means missing. */
export type Keypoint = PersonPose['keypoints'][number];
export type FrameResult = Schemas['FrameResult'];
export type ActionSegment = Schemas['ActionSegment'];
export type SourceInfo = Schemas['SourceInfo'];
export type VideoAnalysis = Schemas['VideoAnalysis'];
export type ClassifierStatus = Schemas['ClassifierLink']['status'];

/**
 * Server -> client messages on WS /v1/stream and /v1/stream/url. No route declares them (a
 * WebSocket has no OpenAPI), so this one is written here, from docs/pose-api.md, over the generated
 * frame and segment types.
 */
export type StreamMessage =
  | {
      type: 'frame';
      seq: number;
      frame: FrameResult;
      segments: ActionSegment[];
      dropped: number;
      classifier: ClassifierStatus;
      latency_ms: number;
    }
  | { type: 'error'; seq: number | null; message: string };

export type PoseService = 'pose-single' | 'pose-multi';
export type Service = PoseService | 'classifier';

export const POSE_SERVICES: { id: PoseService; label: string; hint: string }[] = [
  { id: 'pose-single', label: 'Single person', hint: 'MediaPipe Pose: fast, one person' },
  { id: 'pose-multi', label: 'Several people', hint: 'YOLO11-pose with tracking: an action per person' },
];
export type UnlabelledSpan = Schemas['UnlabelledSpan'];
export type SceneWindow = Schemas['SceneWindow'];
