import { describe, expect, it } from 'vitest';
import { withService, type Job } from '@/lib/api';
import { SpeedMeter, aboutTime, framesDone, ordinal, queueFacts, queueText } from '@/lib/queue';
import { fakeJob } from './fakes';

const source = (frame_count: number) => ({ width: 640, height: 480, fps: 30, frame_count, duration_ms: (frame_count * 1000) / 30, filename: null, rotation: 0 as const, mirrored: false });
const job = (id: string, status: Job['status'], created_at: number, frames: number, progress = 0, service: Job['service'] = 'pose-single') =>
  withService(service, fakeJob({ id, status, created_at, progress, source: source(frames), frames_done: Math.round((frames * progress) / 100) }));

describe('queue position and time left', () => {
  it('measures frames per second from two looks at a running job', () => {
    const m = new SpeedMeter();
    expect(m.fps('pose-single')).toBeNull();
    m.observe([job('a', 'running', 1, 300, 10)], 0);
    expect(m.fps('pose-single')).toBeNull(); // one look says nothing
    m.observe([job('a', 'running', 1, 300, 30)], 2000); // 60 frames in 2 s
    expect(m.fps('pose-single')).toBeCloseTo(30);
    m.observe([job('a', 'running', 1, 300, 50)], 4000); // 60 frames in 2 s again
    expect(m.fps('pose-single')).toBeCloseTo(30);
    expect(m.fps('pose-multi')).toBeNull();
  });

  it('puts queued jobs in line behind the running one, oldest first, with the frames ahead', () => {
    const jobs = [
      job('new', 'queued', 30, 300),
      job('old', 'queued', 20, 600),
      job('run', 'running', 10, 300, 50),
      job('done', 'done', 5, 300, 100),
      job('other', 'queued', 25, 300, 0, 'pose-multi'),
    ];
    const facts = queueFacts(jobs, (s) => (s === 'pose-single' ? 30 : null), { 'pose-single': 2, 'pose-multi': 1 });
    expect(facts.get('pose-single:run')).toEqual({ position: null, waiting: 2, etaS: 5 }); // 150 frames left at 30/s
    expect(facts.get('pose-single:old')).toEqual({ position: 1, waiting: 2, etaS: 25 }); // 150 + 600
    expect(facts.get('pose-single:new')).toEqual({ position: 2, waiting: 2, etaS: 35 }); // + 300
    expect(facts.get('pose-multi:other')).toEqual({ position: 1, waiting: 1, etaS: null }); // no speed yet
    expect(facts.has('pose-single:done')).toBe(false);
  });

  it('counts queued jobs the listing leaves out as ahead, and gives no time then', () => {
    const facts = queueFacts([job('q', 'queued', 10, 300)], () => 30, { 'pose-single': 3 });
    expect(facts.get('pose-single:q')).toEqual({ position: 3, waiting: 3, etaS: null });
  });

  it('says it in words', () => {
    const q = job('q', 'queued', 1, 300);
    expect(queueText(q, { position: 2, waiting: 3, etaS: 95 })).toBe('2nd in line of 3 · done in about 2 min');
    expect(queueText(q, { position: 1, waiting: 1, etaS: null })).toBe('1st in line');
    expect(queueText(job('r', 'running', 1, 300, 40), { position: null, waiting: 0, etaS: 12 })).toBe('about 10 s left');
    expect(queueText(job('r', 'running', 1, 300, 40), { position: null, waiting: 0, etaS: null })).toBe('measuring the speed…');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']);
    expect(aboutTime(3)).toBe('a few seconds');
    expect(framesDone(job('r', 'running', 1, 200, 25))).toBe(50);
  });
});
