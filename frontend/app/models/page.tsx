'use client';
import { useEffect, useState } from 'react';
import ErrorBanner from '@/components/ErrorBanner';
import ModelCard from '@/components/ModelCard';
import ModelTable from '@/components/ModelTable';
import { listModels, type ApiError, type ModelList } from '@/lib/api';

export default function ModelsPage() {
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());
  useEffect(() => {
    listModels()
      .then(setList)
      .catch((e) => setError((e as ApiError).message));
  }, []);
  const isDefault = (name: string) => name === list?.default_model;
  const models = list && [...list.models].sort((a, b) => Number(isDefault(b.name)) - Number(isDefault(a.name)));
  const toggle = (name: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(name)) n.delete(name);
      else n.add(name);
      return n;
    });
  return (
    <>
      <h1>Models</h1>
      <p className="lead">The action classifiers the service has loaded, side by side; open a model&apos;s card for its classes, figures per class and report.</p>
      {error && <ErrorBanner title="Service unavailable.">{error}</ErrorBanner>}
      {!error && models === null && <p className="muted">Loading…</p>}
      {models?.length === 0 && <p className="muted">The classifier has no models loaded.</p>}
      {models && models.length > 0 && (
        <section className="panel">
          <h2 className="sub" style={{ marginTop: 0 }}>
            Compared
          </h2>
          <ModelTable models={models} defaultModel={list?.default_model} open={open} onToggle={toggle} />
          <p className="small muted">
            Real video: annotated spans of real clips (never trained on) whose action the model named, a label counting when it came up to the
            benchmark&apos;s lag late (docs/benchmark.md). Accuracy and macro-F1: the test subjects of the cross-subject split. Speed: windows
            classified per second at batch 1 by the served engine, measured when the model was exported, on that machine.
          </p>
        </section>
      )}
      {models?.filter((m) => open.has(m.name)).map((m) => <ModelCard key={m.name} model={m} isDefault={isDefault(m.name)} />)}
    </>
  );
}
