'use client';
import type { ModelDescription } from '@/lib/api';
import { TableHead } from '@/components/TableHead';
import { pct } from './ModelCard';

/** A licence in a few words: the part before its first colon or semicolon ("CC BY-NC 4.0", "MIT"). */
export const shortLicence = (l: string) => l.split(/[:;]/)[0].trim();

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;

export interface ModelTableProps {
  models: ModelDescription[];
  defaultModel?: string | null;
  /** Model names whose card is open. */
  open: Set<string>;
  onToggle: (name: string) => void;
}

/** The models side by side: real-video figure, cross-subject accuracy, macro-F1, speed, size, licences of the training data. */
export default function ModelTable({ models, defaultModel, open, onToggle }: ModelTableProps) {
  return (
    <div className="table-x" tabIndex={0} role="region" aria-label="Models compared">
      <table data-testid="model-table">
        <TableHead
          columns={[
            { label: 'Model' },
            { label: 'Real video: spans named right', num: true },
            { label: 'Cross-subject accuracy', num: true },
            { label: 'Macro-F1', num: true },
            { label: 'Speed (windows / s)', num: true },
            { label: 'Size', num: true },
            { label: 'Training data licences' },
            { label: 'Card' },
          ]}
        />
        <tbody>
          {models.map((m) => {
            const rv = m.real_video;
            const accuracy = m.metrics?.accuracy;
            const f1 = m.metrics?.macro_f1;
            return (
              <tr key={m.name} data-model={m.name}>
                <th scope="row" style={{ textAlign: 'left' }}>
                  {m.name} {m.name === defaultModel && <span className="status done">default</span>}
                  <div className="small muted" style={{ fontWeight: 'normal' }}>{m.architecture ?? ''}</div>
                </th>
                <td className="num" data-testid="real-video">
                  {rv ? (
                    <>
                      {rv.correct} / {rv.spans}
                      <div className="small muted">{pct(rv.accuracy)}</div>
                    </>
                  ) : (
                    <span className="muted">not measured</span>
                  )}
                </td>
                <td className="num">{accuracy != null ? pct(accuracy) : '–'}</td>
                <td className="num">{f1 != null ? pct(f1) : '–'}</td>
                <td className="num">{m.windows_per_second != null ? Math.round(m.windows_per_second).toLocaleString('en') : '–'}</td>
                <td className="num">
                  {m.size_bytes != null ? mb(m.size_bytes) : '–'}
                  {m.parameters != null && <div className="small muted">{(m.parameters / 1000).toFixed(0)}k parameters</div>}
                </td>
                <td className="small">
                  {(m.training_data ?? []).length ? (
                    <ul className="plain">
                      {m.training_data!.map((d) => (
                        <li key={d.name}>
                          {d.name}: {shortLicence(d.licence)}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    '–'
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`${open.has(m.name) ? 'Hide' : 'Show'} the card of ${m.name}`}
                    aria-expanded={open.has(m.name)}
                    aria-controls={open.has(m.name) ? `model-${m.name}` : undefined}
                    onClick={() => onToggle(m.name)}
                  >
                    {open.has(m.name) ? 'Hide' : 'Show'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
