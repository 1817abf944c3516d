'use client';
import { classifierUrl, type ModelDescription, type ModelMetrics } from '@/lib/api';
import { TableHead } from '@/components/TableHead';
import { overWhite, textOn } from '@/lib/actionState';

/** A share in [0, 1] as a percentage. */
export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The figures of a model's report, in this order, with their names for a person. */
const FIGURES: { key: keyof ModelMetrics; label: string; share: boolean }[] = [
  { key: 'accuracy', label: 'accuracy', share: true },
  { key: 'macro_f1', label: 'macro F1', share: true },
  { key: 'utd_mhad_accuracy', label: 'UTD-MHAD accuracy', share: true },
  { key: 'utd_classes_accuracy', label: 'UTD-MHAD classes accuracy', share: true },
  { key: 'utd_other_recall', label: 'UTD-MHAD other recall', share: true },
  { key: 'test_windows', label: 'test windows', share: false },
];

/** What a report plot shows, for people who cannot see it. */
export function plotAlt(file: string, model: string): string {
  if (/^confusion/i.test(file)) return `Confusion matrix of ${model} on the test side: how often each true class (rows) was predicted as each class (columns)`;
  if (/^curves/i.test(file)) return `Training curves of ${model}: loss and accuracy per epoch on the training and validation sides`;
  return `Report figure ${file.replace(/\.png$/i, '').replace(/[_-]+/g, ' ')} of ${model}`;
}

/** A free-form figure (calibration, k-fold summary): numbers and words shown, nested values left out. */
const plain = (v: unknown): string | null =>
  typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toFixed(4))) : typeof v === 'string' || typeof v === 'boolean' ? String(v) : null;

function Pairs({ record }: { record: Record<string, unknown> }) {
  const rows = Object.entries(record)
    .map(([k, v]) => [k, plain(v)] as const)
    .filter((kv): kv is readonly [string, string] => kv[1] !== null);
  return rows.map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(', ');
}

export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: string[] }) {
  const rowSums = matrix.map((r) => r.reduce((a, b) => a + b, 0) || 1);
  return (
    <div style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label="Confusion matrix (scrolls sideways)">
      <table className="cm" data-testid="confusion-matrix" aria-label="Confusion matrix: rows are the true class, columns the predicted class">
        <thead>
          <tr>
            <th className="small">true ↓ / predicted →</th>
            {labels.map((l) => (
              <th key={l} className="rot">
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={i}>
              <th style={{ textAlign: 'right' }}>{labels[i] ?? i}</th>
              {row.map((v, j) => {
                const share = v / rowSums[i];
                const bg = i === j ? overWhite([22, 163, 74], 0.1 + 0.9 * share) : overWhite([220, 38, 38], share > 0 ? 0.1 + 0.9 * share : 0);
                return (
                  <td key={j} style={{ background: bg, color: textOn(bg) }} title={`${labels[i]} as ${labels[j]}: ${v}`}>
                    {Number.isInteger(v) ? v : v.toFixed(2)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function ModelCard({ model, isDefault = false }: { model: ModelDescription; isDefault?: boolean }) {
  const m = model.metrics ?? {};
  const w = model.window;
  const figures = FIGURES.flatMap(({ key, label, share }) => {
    const v = m[key];
    return typeof v === 'number' ? [{ label, text: share ? pct(v) : String(v) }] : [];
  });
  const perClass = m.per_class ? Object.entries(m.per_class) : [];
  const files = Object.entries(model.report_files ?? {});
  const images = files.filter(([name]) => /\.png$/i.test(name));
  const documents = files.filter(([name]) => !/\.png$/i.test(name));
  const details: [string, string][] = [
    ['architecture', model.architecture ?? '—'],
    ['layout', model.layout],
    ['window', `length ${w.length}, fps ${w.fps}, stride ${w.stride}, seconds ${w.seconds}`],
    ['normalisation', `centre on ${w.center === 'frame' ? "each frame's" : "the window's"} hips, face ${w.drop_face ? 'dropped' : 'kept'}, joints under score ${w.mask_threshold} missing`],
    ['engine', model.engine],
    ['temperature', String(model.temperature)],
  ];
  if (model.parameters != null) details.push(['parameters', model.parameters.toLocaleString('en')]);
  return (
    <section className="panel" data-testid="model-card" id={`model-${model.name}`}>
      <h2 style={{ marginTop: 0 }}>
        {model.name} {isDefault && <span className="status done">default</span>}
      </h2>
      <dl className="kv">
        {details.map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h3>Classes ({model.classes.length})</h3>
      <div className="legend">
        {model.classes.map((c) => (
          <span key={c} className="status">
            {c}
          </span>
        ))}
      </div>
      <h3>Evaluation</h3>
      {!m.protocol && figures.length === 0 && perClass.length === 0 && !m.confusion_matrix && (
        <p className="muted">The service reports no evaluation figures for this model.</p>
      )}
      {m.protocol && (
        <p className="small">
          Protocol: <b>{m.protocol}</b>
        </p>
      )}
      {figures.length > 0 && (
        <div className="stats">
          {figures.map((f) => (
            <div className="stat" key={f.label}>
              <b>{f.text}</b>
              <span>{f.label}</span>
            </div>
          ))}
        </div>
      )}
      {(m.calibration || m.kfold) && (
        <dl className="kv">
          {m.calibration && (
            <>
              <dt>calibration</dt>
              <dd>
                <Pairs record={m.calibration} />
              </dd>
            </>
          )}
          {m.kfold && (
            <>
              <dt>{m.kfold.folds}-fold</dt>
              <dd>
                {Object.entries(m.kfold.figures ?? {})
                  .filter(([, f]) => f.mean != null)
                  .map(([name, f]) => `${name.replace(/_/g, ' ')} ${pct(f.mean!)} ± ${pct(f.std ?? 0)}`)
                  .join(', ')}
              </dd>
            </>
          )}
        </dl>
      )}
      {(model.training_data ?? []).length > 0 && (
        <>
          <h3>Training data and licences</h3>
          <ul className="small" data-testid="training-data">
            {model.training_data!.map((d) => (
              <li key={d.name}>
                <b>{d.name}</b>: {d.licence}
              </li>
            ))}
          </ul>
        </>
      )}
      {perClass.length > 0 && (
        <div className="table-x" tabIndex={0} role="region" aria-label="Figures per class">
        <table>
          <TableHead
            columns={[
              { label: 'Class' },
              { label: 'precision', num: true },
              { label: 'recall', num: true },
              { label: 'F1', num: true },
              { label: 'support', num: true },
            ]}
          />
          <tbody>
            {perClass.map(([cls, c]) => (
              <tr key={cls}>
                <td>{cls}</td>
                <td className="num">{pct(c.precision)}</td>
                <td className="num">{pct(c.recall)}</td>
                <td className="num">{pct(c.f1)}</td>
                <td className="num">{c.support}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {m.confusion_matrix && (
        <>
          <h3>Confusion matrix</h3>
          <ConfusionMatrix matrix={m.confusion_matrix} labels={model.classes} />
        </>
      )}
      {images.map(([name, href]) => (
        <figure key={name} style={{ margin: '1rem 0' }}>
          <a href={classifierUrl(href)}>
            {/* eslint-disable-next-line @next/next/no-img-element -- a static export (images.unoptimized) leaves next/image nothing to optimise, and it would need each report figure's size, which the service does not give */}
            <img src={classifierUrl(href)} alt={plotAlt(name, model.name)} style={{ maxWidth: '100%', border: '1px solid var(--line)', borderRadius: 6 }} />
          </a>
          <figcaption className="muted small">
            {name} (opens full size)
          </figcaption>
        </figure>
      ))}
      {documents.length > 0 && (
        <p className="small">
          Report:{' '}
          {documents.map(([name, href], i) => (
            <span key={name}>
              {i > 0 && ' · '}
              <a href={classifierUrl(href)}>{name}</a>
            </span>
          ))}
        </p>
      )}
    </section>
  );
}
