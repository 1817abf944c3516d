'use client';
import { useEffect, useState } from 'react';
import { getInfo, listModels, type ApiError, type ModelList, type ServiceInfo } from './api';
import type { PoseService } from './types';

export interface ServiceFacts {
  info: ServiceInfo | null;
  models: ModelList | null;
  infoError: string | null;
  modelsError: string | null;
  loading: boolean;
}

/** GET /v1/info of a pose service (limits, formats, its classifier) and the classifier's GET /v1/models. */
export function useServiceFacts(service: PoseService): ServiceFacts {
  const [facts, setFacts] = useState<ServiceFacts & { service: PoseService | null }>({ service: null, info: null, models: null, infoError: null, modelsError: null, loading: true });
  useEffect(() => {
    let alive = true;
    void Promise.allSettled([getInfo(service), listModels()]).then(([info, models]) => {
      if (!alive) return;
      setFacts({
        service,
        info: info.status === 'fulfilled' ? info.value : null,
        infoError: info.status === 'rejected' ? (info.reason as ApiError).message : null,
        models: models.status === 'fulfilled' ? models.value : null,
        modelsError: models.status === 'rejected' ? (models.reason as ApiError).message : null,
        loading: false,
      });
    });
    return () => {
      alive = false;
    };
  }, [service]);
  return facts.service === service ? facts : { ...facts, loading: true };
}
