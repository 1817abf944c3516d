import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import ReviewCard from '@/components/ReviewCard';
import type { ActionSegment } from '@/lib/types';

const seg: ActionSegment = { schema_version: '1.0', track_id: 2, label: 'walking', start_ms: 1500, end_ms: 4500, duration_ms: 3000, mean_confidence: 0.81 };

describe('ReviewCard', () => {
  it('shows the still, the person, the label with its confidence and the time, and takes a correction', () => {
    const onCorrect = vi.fn();
    render(<ReviewCard segment={seg} thumbnail="data:image/jpeg;base64,AAAA" correction="" choices={['walking', 'running', 'other']} playHref="/analysis/?service=pose-multi&id=j&t=1500" onCorrect={onCorrect} />);
    expect(screen.getByRole('img').getAttribute('alt')).toBe('Still of person 2 at 0:03.0, labelled walking');
    expect(screen.getByRole('heading', { name: 'person 2' })).toBeTruthy();
    expect(screen.getByText('81%', { exact: false })).toBeTruthy();
    expect(screen.getByText('0:01.5 – 0:04.5 (3.0 s)')).toBeTruthy();
    const select = screen.getByLabelText('Right label') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['— not reviewed —', 'walking (as labelled)', 'running', 'other']);
    fireEvent.change(select, { target: { value: 'other' } });
    expect(onCorrect).toHaveBeenCalledWith('other');
    const play = screen.getByRole('link', { name: 'Play from here: person 2 walking from 0:01.5' });
    expect(play.getAttribute('href')).toMatch(/^\/analysis\/?\?service=pose-multi&id=j&t=1500$/); // next/link keeps the slash in the export
  });

  it('says when no still could be taken, and marks a corrected card', () => {
    const { container } = render(<ReviewCard segment={seg} thumbnail={null} correction="running" choices={['walking', 'running']} playHref="#" onCorrect={() => {}} />);
    expect(screen.getByText(/No still: the video cannot be read here/)).toBeTruthy();
    expect(container.querySelector('.review-card.corrected')).toBeTruthy();
    expect((screen.getByLabelText('Right label') as HTMLSelectElement).value).toBe('running');
  });
});
