import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MIN_FRAMES, correctionExport, correctionZip, cutToSegment, loadCorrections, saveCorrections, segmentKey } from '@/lib/corrections';
import type { ActionSegment, VideoAnalysis } from '@/lib/types';
import { example } from './example';

/** Two people over 40 frames (a frame every 100 ms), person 1 only in the second half. */
function twoPeople(): VideoAnalysis {
  const p0 = example.frames[0].persons![0];
  const frames = Array.from({ length: 40 }, (_, i) => ({
    ...example.frames[0],
    frame_index: i,
    timestamp_ms: i * 100,
    persons: [{ ...p0, track_id: 0 }, ...(i >= 20 ? [{ ...p0, track_id: 1 }] : [])],
  }));
  const seg = (track_id: number, label: string, start_ms: number, end_ms: number): ActionSegment => ({
    schema_version: '1.0', track_id, label, start_ms, end_ms, duration_ms: end_ms - start_ms, mean_confidence: 0.8,
  });
  return {
    ...example,
    source: { ...example.source, filename: 'two, "people".mp4' },
    frames,
    segments: [seg(0, 'walking', 0, 1900), seg(0, 'running', 2000, 3900), seg(1, 'walking', 2000, 3900), seg(1, 'waving', 3900, 3900)],
    unlabelled: [{ track_id: 0, start_ms: 0, end_ms: 300, reason: 'window_filling' }],
  };
}

describe('label corrections', () => {
  it('cuts a segment to its time and its person', () => {
    const a = twoPeople();
    const cut = cutToSegment(a, a.segments![2], 'boxing');
    expect(cut.frames.map((f) => f.frame_index)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    expect(cut.frames.every((f) => f.persons!.length === 1 && f.persons![0].track_id === 1)).toBe(true);
    expect(cut.segments).toEqual([{ ...a.segments![2], label: 'boxing' }]);
    expect(cut.unlabelled).toEqual([]);
    expect(cut.source).toEqual(a.source);
  });

  it('exports the labels CSV the importer reads, one cut analysis per corrected segment', () => {
    const a = twoPeople();
    const [s0, s1, s2, short] = a.segments!;
    const exp = correctionExport(a, a.segments!, { [segmentKey(s1)]: 'boxing', [segmentKey(s2)]: 'walking', [segmentKey(short)]: 'other' }, a.source.filename!);
    expect(exp.csv).toBe(
      'file,label,subject\n' +
        'clips/two_people_p0_2000ms.analysis.json,boxing,two_people_p0\n' +
        'clips/two_people_p1_2000ms.analysis.json,walking,two_people_p1\n',
    );
    expect(exp.tooShort).toBe(1); // one frame: under the importer's MIN_FRAMES
    expect(MIN_FRAMES).toBe(10);
    expect(Object.keys(exp.files)).toEqual(['clips/two_people_p0_2000ms.analysis.json', 'clips/two_people_p1_2000ms.analysis.json']);
    const cut = JSON.parse(exp.files['clips/two_people_p0_2000ms.analysis.json']) as VideoAnalysis;
    expect(cut.frames).toHaveLength(20);
    expect(cut.segments![0].label).toBe('boxing');
    expect(s0.label).toBe('walking'); // not corrected: not exported
    // the ZIP holds exactly these, labels.csv first
    const files = unzipSync(correctionZip(exp));
    expect(Object.keys(files)).toEqual(['labels.csv', ...Object.keys(exp.files)]);
    expect(strFromU8(files['labels.csv'])).toBe(exp.csv);
    expect(JSON.parse(strFromU8(files['clips/two_people_p1_2000ms.analysis.json'])).frames).toHaveLength(20);
  });

  it('quotes what CSV must quote, and keeps corrections per result in the browser', () => {
    const a = twoPeople();
    const exp = correctionExport(a, a.segments!, { [segmentKey(a.segments![0])]: 'sat, then "stood"' }, 'clip.mp4');
    expect(exp.csv.split('\n')[1]).toBe('clips/clip_p0_0ms.analysis.json,"sat, then ""stood""",clip_p0');
    expect(loadCorrections('pose-single', 'j1')).toEqual({});
    saveCorrections('pose-single', 'j1', { '0@2000': 'boxing' });
    expect(loadCorrections('pose-single', 'j1')).toEqual({ '0@2000': 'boxing' });
    expect(loadCorrections('pose-multi', 'j1')).toEqual({});
    saveCorrections('pose-single', 'j1', {});
    expect(localStorage.getItem('har.corrections.pose-single.j1')).toBeNull();
    localStorage.setItem('har.corrections.pose-single.j2', 'not json');
    expect(loadCorrections('pose-single', 'j2')).toEqual({});
  });
});
