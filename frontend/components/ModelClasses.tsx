'use client';
import type { ServiceFacts } from '@/lib/useServiceInfo';
import { useServiceFacts } from '@/lib/useServiceInfo';
import type { PoseService } from '@/lib/types';

/** The classes of the model the chosen pose service labels with: the actions it can tell apart. */
export function ClassesOf({ facts }: { facts: ServiceFacts }) {
  const { info, models, modelsError, infoError, loading } = facts;
  if (loading) return <p className="muted small" data-testid="model-classes">Asking which actions the model knows…</p>;
  if (info?.classifier.status === 'off')
    return (
      <p className="muted small" data-testid="model-classes">
        This service has no action classifier: poses only, no action labels.
      </p>
    );
  const name = info?.classifier.model?.name ?? models?.default_model;
  const model = models?.models.find((m) => m.name === name) ?? info?.classifier.model ?? null;
  if (!model)
    return (
      <p className="muted small" data-testid="model-classes">
        The action classes could not be read ({modelsError ?? infoError ?? 'no model loaded'}); poses still work, labels may be missing.
      </p>
    );
  return (
    <div className="small" data-testid="model-classes">
      Actions the model <b>{model.name}</b> tells apart ({model.classes.length}); anything else reads as <i>uncertain</i>:
      <ul className="classes" aria-label={`Classes of ${model.name}`}>
        {model.classes.map((c) => (
          <li key={c} className="status">
            {c}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default function ModelClasses({ service }: { service: PoseService }) {
  return <ClassesOf facts={useServiceFacts(service)} />;
}
