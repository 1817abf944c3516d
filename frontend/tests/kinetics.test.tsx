import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import KineticsPanel, { summarise } from '@/components/KineticsPanel';
import SceneRow from '@/components/SceneRow';
import type { ActionSegment, SceneWindow } from '@/lib/types';

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
