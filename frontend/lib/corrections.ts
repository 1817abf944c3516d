/**
 * Labels a person corrects on a result's segments, kept in the browser, and their export as a
 * training set that `har dataset import analysis labels.csv` reads (docs/dataset-format.md): a ZIP
 * with `labels.csv` (header `file,label,subject`) and, per corrected segment, an analysis JSON cut
 * to that segment's time and that one person, so that the importer's "every track of the file gets
 * the row's label" labels exactly the corrected stretch.
 */
import { strToU8, zipSync } from 'fflate';
import type { ActionSegment, VideoAnalysis } from './types';

/** The importer's default `--min-length`: a person needs this many frames to become a sequence. */
export const MIN_FRAMES = 10;

/** Segment key -> the label a person gave it. */
export type Corrections = Record<string, string>;

/** A segment's key: its person and start (unique within one result). */
export const segmentKey = (s: Pick<ActionSegment, 'track_id' | 'start_ms'>) => `${s.track_id ?? 'none'}@${Math.round(s.start_ms)}`;

const storeKey = (service: string, id: string) => `har.corrections.${service}.${id}`;

export function loadCorrections(service: string, id: string): Corrections {
  try {
    const raw = globalThis.localStorage?.getItem(storeKey(service, id));
    const parsed = raw ? (JSON.parse(raw) as unknown) : {};
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string' && v)) as Corrections;
  } catch {
    return {}; // storage off or damaged: start afresh
  }
}

export function saveCorrections(service: string, id: string, c: Corrections): void {
  try {
    if (Object.keys(c).length) globalThis.localStorage?.setItem(storeKey(service, id), JSON.stringify(c));
    else globalThis.localStorage?.removeItem(storeKey(service, id));
  } catch {
    /* storage full or off: the corrections live as long as the page */
  }
}

/** The analysis cut to one segment: the frames of its time span with only its person in them. */
export function cutToSegment(analysis: VideoAnalysis, seg: ActionSegment, label: string): VideoAnalysis {
  const track = seg.track_id ?? null;
  const frames = analysis.frames
    .filter((f) => f.timestamp_ms >= seg.start_ms - 0.5 && f.timestamp_ms <= seg.end_ms + 0.5)
    .map((f) => ({ ...f, persons: (f.persons ?? []).filter((p) => (p.track_id ?? null) === track), persons_left_out: 0 }))
    .filter((f) => f.persons.length > 0);
  const cut: Record<string, unknown> = {
    ...analysis,
    frames,
    segments: [{ ...seg, label }],
    unlabelled: [],
    lost_frames: [],
    notices: [],
  };
  // any other per-window field a newer service adds (a list over the whole video) is left out too
  for (const [k, v] of Object.entries(cut)) if (Array.isArray(v) && !(k in { frames: 1, segments: 1 })) cut[k] = [];
  return cut as unknown as VideoAnalysis;
}

/** A CSV field, quoted when it must be (RFC 4180). */
const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A name safe in a file path. */
export const safeName = (s: string) =>
  s.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_').replace(/_+/g, '_').replace(/^[._]+|_+$/g, '') || 'video';

export interface CorrectionExport {
  /** labels.csv's text. */
  csv: string;
  /** Path inside the ZIP -> the analysis JSON of one segment. */
  files: Record<string, string>;
  /** Corrected segments left out: fewer frames of the person than the importer takes. */
  tooShort: number;
}

/**
 * The labels CSV and the cut analyses for every corrected segment. ``video``: the name the files
 * and subjects are made from (the subject is the video and person, so an evaluation by subject
 * keeps one person's clips together).
 */
export function correctionExport(analysis: VideoAnalysis, segments: ActionSegment[], corrections: Corrections, video: string): CorrectionExport {
  const stem = safeName(video);
  const rows = ['file,label,subject'];
  const files: Record<string, string> = {};
  let tooShort = 0;
  for (const seg of segments) {
    const label = corrections[segmentKey(seg)];
    if (!label) continue;
    const cut = cutToSegment(analysis, seg, label);
    if (cut.frames.length < MIN_FRAMES) {
      tooShort++;
      continue;
    }
    const person = seg.track_id == null ? 'p' : `p${seg.track_id}`;
    const path = `clips/${stem}_${person}_${Math.round(seg.start_ms)}ms.analysis.json`;
    files[path] = JSON.stringify(cut);
    rows.push([path, label, `${stem}_${person}`].map(field).join(','));
  }
  return { csv: rows.join('\n') + '\n', files, tooShort };
}

/** The export as ZIP bytes: labels.csv at the top, the analyses under clips/. */
export function correctionZip(exp: CorrectionExport): Uint8Array {
  const entries: Record<string, Uint8Array> = { 'labels.csv': strToU8(exp.csv) };
  for (const [p, text] of Object.entries(exp.files)) entries[p] = strToU8(text);
  return zipSync(entries, { level: 6 });
}
