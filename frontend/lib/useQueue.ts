'use client';
import { useEffect, useRef, useState } from 'react';
import { listQueue } from './api';
import { SpeedMeter, queueFacts, type QueueFacts } from './queue';
import type { PoseService } from './types';

/** While `active`, looks at a service's queue every `everyMs` and says where job `id` stands. */
export function useQueueFacts(service: PoseService, id: string, active: boolean, everyMs = 2000): QueueFacts | undefined {
  const [facts, setFacts] = useState<QueueFacts | undefined>(undefined);
  const meter = useRef(new SpeedMeter());
  useEffect(() => {
    if (!active || !id) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = async () => {
      try {
        const { jobs, queueDepth } = await listQueue(service);
        if (stop) return;
        meter.current.observe(jobs, performance.now());
        setFacts(queueFacts(jobs, (s) => meter.current.fps(s), { [service]: queueDepth }).get(`${service}:${id}`));
      } catch {
        /* the job watcher says when the service is down */
      }
      if (!stop) timer = setTimeout(look, everyMs);
    };
    void look();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [service, id, active, everyMs]);
  return active ? facts : undefined;
}
