/**
 * Compile-time check that the hand-written contracts (lib/types.ts) and the API client's endpoints
 * match the services' generated OpenAPI types: `tsc` (npm run typecheck, next build) fails when
 * they drift. Regenerate the types with `npm run openapi:types`.
 */
import type { ENDPOINTS } from '../api';
import type * as T from '../types';
import type { components as Contracts } from './contracts';
import type { components as Classifier, paths as ClassifierPaths } from './classifier';
import type { paths as PoseSinglePaths } from './pose-single';
import type { paths as PoseMultiPaths } from './pose-multi';

type C = Contracts['schemas'];
type Assert<X extends true> = X;
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
/** What the server sends fits the client's type. */
type Fits<Server, Client> = Server extends Client ? true : false;

export type Checks = [
  Assert<SameKeys<T.VideoAnalysis, C['VideoAnalysis']>>,
  Assert<SameKeys<T.FrameResult, C['FrameResult']>>,
  Assert<SameKeys<T.PersonPose, C['PersonPose']>>,
  Assert<SameKeys<T.ActionLabel, C['ActionLabel']>>,
  Assert<SameKeys<T.ActionSegment, C['ActionSegment']>>,
  Assert<SameKeys<T.SourceInfo, C['SourceInfo']>>,
  Assert<SameKeys<T.ModelInfo, C['ModelInfo']>>,
  Assert<SameKeys<T.ActionPrediction, C['ActionPrediction']>>,
  Assert<Fits<C['VideoAnalysis'], T.VideoAnalysis>>,
  Assert<Fits<C['FrameResult'], T.FrameResult>>,
  Assert<Fits<C['ActionSegment'], T.ActionSegment>>,
  Assert<Fits<Classifier['schemas']['ActionPrediction'], T.ActionPrediction>>,
];

/** '/v1/jobs/{id}' in the client is '/v1/jobs/{job_id}' in the services. */
type ServicePath<P extends string> = P extends `${infer A}{id}${infer B}` ? `${A}{job_id}${B}` : P;
type Endpoint<K extends keyof typeof ENDPOINTS> = ServicePath<(typeof ENDPOINTS)[K]['path']>;
type Has<Paths, P extends string, M extends string> = P extends keyof Paths ? (M extends keyof Paths[P] ? (Paths[P][M] extends undefined | never ? false : true) : false) : false;
type PoseKeys = 'uploadVideo' | 'listJobs' | 'getJob' | 'deleteJob' | 'jobResult' | 'jobCsv' | 'jobVideo' | 'info';
type PoseHas<Paths> = { [K in PoseKeys]: Has<Paths, Endpoint<K>, (typeof ENDPOINTS)[K]['method']> }[PoseKeys];

export type EndpointChecks = [
  Assert<PoseHas<PoseSinglePaths>>,
  Assert<PoseHas<PoseMultiPaths>>,
  Assert<Has<ClassifierPaths, Endpoint<'models'>, 'get'>>,
];
