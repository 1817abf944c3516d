'use client';
import { useEffect, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import ModelCard from '@/components/ModelCard';
import { listModels, type ApiError, type ClassifierModel } from '@/lib/api';

export default function ModelsPage() {
  const [models, setModels] = useState<ClassifierModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listModels()
      .then((r) => setModels([...r.models].sort((a, b) => Number(b.isDefault) - Number(a.isDefault))))
      .catch((e) => setError((e as ApiError).message));
  }, []);
  return (
    <>
      <h1>Models</h1>
      <p className="lead">The action classifiers the service has loaded: their classes and how they scored on held-out subjects.</p>
      {error && <ErrorBanner title="Service unavailable.">{error}</ErrorBanner>}
      {!error && models === null && <p className="muted">Loading…</p>}
      {models?.length === 0 && <p className="muted">The classifier has no models loaded.</p>}
      {models?.map((m) => <ModelCard key={m.name} model={m} />)}
    </>
  );
}
