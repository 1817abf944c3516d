import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VideoAnalysis } from '@/lib/types';

/** docs/examples/analysis.json: a real result (three frames of ta_chi.mp4 through MediaPipe). */
export const example = JSON.parse(readFileSync(path.join(process.cwd(), '..', 'docs', 'examples', 'analysis.json'), 'utf8')) as VideoAnalysis;
