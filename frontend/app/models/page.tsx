'use client';
import { useEffect, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import ModelCard from '@/components/ModelCard';
import { listModels, type ApiError, type ModelList } from '@/lib/api';

export default function ModelsPage() {
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listModels()
      .then(setList)
      .catch((e) => setError((e as ApiError).message));
  }, []);
  const isDefault = (name: string) => name === list?.default_model;
  const models = list && [...list.models].sort((a, b) => Number(isDefault(b.name)) - Number(isDefault(a.name)));
  return (
    <>
      <h1>Models</h1>
      <p className="lead">The action classifiers the service has loaded: their classes and how they scored on held-out subjects.</p>
      {error && <ErrorBanner title="Service unavailable.">{error}</ErrorBanner>}
      {!error && models === null && <p className="muted">Loading…</p>}
      {models?.length === 0 && <p className="muted">The classifier has no models loaded.</p>}
      {models?.map((m) => <ModelCard key={m.name} model={m} isDefault={isDefault(m.name)} />)}
    </>
  );
}
