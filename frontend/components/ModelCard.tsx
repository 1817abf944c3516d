'use client';
import { classifierUrl, type ClassifierModel } from '@/lib/api';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));

/** The evaluation block of a model, wherever the service puts it. */
export function evaluationOf(raw: Obj): Obj {
  for (const k of ['evaluation', 'metrics', 'report', 'eval']) if (isObj(raw[k])) return { ...(raw[k] as Obj) };
  return {};
}

function findMatrix(ev: Obj, raw: Obj): { matrix: number[][]; labels?: string[] } | null {
  for (const src of [ev, raw]) {
    for (const k of ['confusion_matrix', 'confusion']) {
      const v = src[k];
      if (isMatrix(v)) return { matrix: v, labels: (src.confusion_labels ?? src.labels ?? src.classes) as string[] | undefined };
      if (isObj(v) && isMatrix(v.matrix)) return { matrix: v.matrix, labels: (v.labels ?? v.classes) as string[] | undefined };
    }
  }
  return null;
}

function findImages(raw: Obj, ev: Obj): { name: string; href: string }[] {
  const out: { name: string; href: string }[] = [];
  const visit = (o: Obj, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && /\.png(\?|$)/i.test(v)) out.push({ name: `${prefix}${k}`.replace(/_/g, ' '), href: classifierUrl(v) });
      else if (isObj(v) && prefix === '') visit(v, '');
    }
  };
  visit(raw, '');
  visit(ev, '');
  return out.filter((x, i, a) => a.findIndex((y) => y.href === x.href) === i);
}

const pct = (v: number) => (Number.isInteger(v) ? String(v) : v <= 1 ? `${(v * 100).toFixed(1)}%` : v.toFixed(2));

export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: string[] }) {
  const rowSums = matrix.map((r) => r.reduce((a, b) => a + b, 0) || 1);
  return (
    <div style={{ overflowX: 'auto' }}>
      <table className="cm" data-testid="confusion-matrix" aria-label="Confusion matrix: rows are the true class, columns the predicted class">
        <thead>
          <tr>
            <th className="small muted">true ↓ / predicted →</th>
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
                const bg = i === j ? `rgba(22,163,74,${0.1 + 0.9 * share})` : `rgba(220,38,38,${share > 0 ? 0.1 + 0.9 * share : 0})`;
                return (
                  <td key={j} style={{ background: bg, color: share > 0.55 ? '#fff' : undefined }} title={`${labels[i]} as ${labels[j]}: ${v}`}>
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

export default function ModelCard({ model }: { model: ClassifierModel }) {
  const raw = model.raw;
  const ev = evaluationOf(raw);
  const cm = findMatrix(ev, raw);
  const images = findImages(raw, ev);
  const scalars = Object.entries(ev).filter(([, v]) => typeof v === 'number' || typeof v === 'string') as [string, number | string][];
  const perClass = (['per_class', 'classes', 'class_report'].map((k) => ev[k]).find(isObj) ?? null) as Obj | null;
  const skip = ['name', 'classes', 'labels', 'default', 'is_default', 'evaluation', 'metrics', 'report', 'eval'];
  const flat = (v: unknown): string | null =>
    typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'
      ? String(v)
      : isObj(v) && Object.values(v).every((x) => typeof x !== 'object' || x === null)
        ? Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')} ${x}`).join(', ')
        : null;
  const details = Object.entries(raw)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => [k, flat(v)] as const)
    .filter((kv): kv is readonly [string, string] => kv[1] !== null);
  return (
    <section className="panel" data-testid="model-card">
      <h2 style={{ marginTop: 0 }}>
        {model.name} {model.isDefault && <span className="status done">default</span>}
      </h2>
      {details.length > 0 && (
        <dl className="kv">
          {details.map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k.replace(/_/g, ' ')}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Classes ({model.classes.length})</h3>
      <div className="legend">
        {model.classes.map((c) => (
          <span key={c} className="status">
            {c}
          </span>
        ))}
      </div>
      <h3>Evaluation</h3>
      {scalars.length === 0 && !perClass && !cm && <p className="muted">The service reports no evaluation figures for this model.</p>}
      {scalars.length > 0 && (
        <div className="stats">
          {scalars.map(([k, v]) => (
            <div className="stat" key={k}>
              <b>{typeof v === 'number' ? pct(v) : v}</b>
              <span>{k.replace(/_/g, ' ')}</span>
            </div>
          ))}
        </div>
      )}
      {perClass && (
        <table>
          <thead>
            <tr>
              <th>Class</th>
              {Object.keys(Object.values(perClass).find(isObj) ?? {}).map((k) => (
                <th key={k} className="num">
                  {k.replace(/_/g, ' ')}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Object.entries(perClass).map(([cls, vals]) => (
              <tr key={cls}>
                <td>{cls}</td>
                {isObj(vals) &&
                  Object.values(vals).map((v, i) => (
                    <td key={i} className="num">
                      {typeof v === 'number' ? (Number.isInteger(v) ? v : pct(v)) : String(v)}
                    </td>
                  ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cm && (
        <>
          <h3>Confusion matrix</h3>
          <ConfusionMatrix matrix={cm.matrix} labels={cm.labels ?? model.classes} />
        </>
      )}
      {images.map((im) => (
        <figure key={im.href} style={{ margin: '1rem 0' }}>
          {/* eslint-disable-next-line @next/next/no-img-element -- a static export (images.unoptimized) leaves next/image nothing to optimise, and it would need each report figure's size, which the service does not give */}
          <img src={im.href} alt={im.name} style={{ maxWidth: '100%', border: '1px solid var(--line)', borderRadius: 6 }} />
          <figcaption className="muted small">{im.name}</figcaption>
        </figure>
      ))}
    </section>
  );
}
