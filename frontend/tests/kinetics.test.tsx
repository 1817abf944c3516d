import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import KineticsPanel, { summarise } from '@/components/KineticsPanel';
import SceneRow from '@/components/SceneRow';
import UploadPanel from '@/components/UploadPanel';
import type { ActionSegment, SceneWindow } from '@/lib/types';
import { FakeXHR, problem } from './fakes';

const scene: SceneWindow[] = [
  { track_id: null, start_ms: 0, end_ms: 2000, labels: [{ label: 'tai chi', probability: 0.9 }, { label: 'yoga', probability: 0.05 }] },
  { track_id: null, start_ms: 2000, end_ms: 4000, labels: [{ label: 'yoga', probability: 0.6 }, { label: 'tai chi', probability: 0.3 }] },
  { track_id: 1, start_ms: 0, end_ms: 2000, labels: [{ label: 'hugging', probability: 0.4 }] },
];

describe('SceneRow', () => {
  it('draws a row for the whole frame and one per person, a bar per window, and seeks on a click', () => {
    const onSeek = vi.fn();
    render(<SceneRow scene={scene} durationMs={4000} onSeek={onSeek} />);
    const rows = screen.getByTestId('scene-timeline');
    expect(within(rows).getByText('scene')).toBeTruthy();
    expect(within(rows).getByText('person 1')).toBeTruthy();
    const bar = screen.getByRole('button', { name: 'scene yoga 60% from 0:02.0 to 0:04.0' });
    expect(bar.getAttribute('title')).toContain('yoga 60%, tai chi 30%');
    fireEvent.click(bar, { detail: 0 });
    expect(onSeek).toHaveBeenCalledWith(2000);
  });

  it('draws nothing without scene windows', () => {
    const { container } = render(<SceneRow scene={[]} durationMs={4000} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('KineticsPanel', () => {
  it('names the most likely class per row by its mean probability', () => {
    expect(summarise(scene)).toEqual([
      { track: null, label: 'tai chi', probability: 0.6, windows: 2 },
      { track: 1, label: 'hugging', probability: 0.4, windows: 1 },
    ]);
  });

  it('explains the other segments with the Kinetics label', () => {
    const segments: ActionSegment[] = [
      { track_id: 0, label: 'other', start_ms: 0, end_ms: 3000, duration_ms: 3000, mean_confidence: 0.7, kinetics: { label: 'tai chi', probability: 0.97 }, schema_version: '1.0' },
    ];
    render(<KineticsPanel scene={scene} model="i3d-kinetics400" segments={segments} unlabelled={[]} />);
    expect(screen.getAllByTestId('kinetics-summary')[0].textContent).toContain('tai chi');
    expect(screen.getByTestId('kinetics-explained').textContent).toContain('other: tai chi 97%');
  });
});

describe('the upload', () => {
  it('asks for the clip model with kinetics=true when the box is ticked', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR);
    const clip = new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]);
    const files: Record<string, () => Response> = {
      '/samples.json': () =>
        new Response(JSON.stringify({ samples: [{ file: 'samples/walk.mp4', title: 'A walk', source: 'our own footage', licence: 'CC0' }] }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      '/samples/walk.mp4': () => new Response(clip, { status: 200, headers: { 'content-type': 'video/mp4' } }),
    };
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const p = new URL(input instanceof Request ? input.url : String(input), 'http://localhost:3000').pathname;
      return files[p]?.() ?? problem(404, `no route GET ${p}`);
    }));
    render(<UploadPanel />);
    fireEvent.click(screen.getByTestId('kinetics-option'));
    const offer = await screen.findByTestId('sample-offer');
    fireEvent.click(within(offer).getByRole('button', { name: 'Analyse “A walk”' }));
    await waitFor(() => expect(FakeXHR.last?.url).toBe('/api/pose-single/v1/videos?kinetics=true'));
    vi.unstubAllGlobals();
  });
});
