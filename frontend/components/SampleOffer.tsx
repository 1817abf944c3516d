'use client';
import { useEffect, useState } from 'react';

/** One clip of public/samples.json: a short video the installation may pass on. */
export interface Sample {
  /** Path under the web app, e.g. "samples/walk.mp4". */
  file: string;
  title: string;
  source: string;
  licence: string;
}

/** The samples this installation bundles (public/samples.json; an empty list when none). */
export async function loadSamples(fetchImpl: typeof fetch = fetch): Promise<Sample[]> {
  try {
    const r = await fetchImpl('/samples.json', { headers: { Accept: 'application/json' } });
    if (!r.ok) return [];
    const body = (await r.json()) as { samples?: unknown };
    return Array.isArray(body.samples)
      ? body.samples.filter((s): s is Sample => !!s && typeof s === 'object' && typeof (s as Sample).file === 'string' && typeof (s as Sample).title === 'string')
      : [];
  } catch {
    return [];
  }
}

/** "Try a sample" for a first-time visitor: a bundled clip analysed at a click, or where to find one. */
export default function SampleOffer({ onSample, disabled = false }: { onSample: (file: File) => void; disabled?: boolean }) {
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    void loadSamples().then((s) => alive && setSamples(s));
    return () => {
      alive = false;
    };
  }, []);
  if (samples === null) return null;
  const take = async (s: Sample) => {
    setError(null);
    try {
      const r = await fetch('/' + s.file.replace(/^\/+/, ''));
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      const bytes = await r.arrayBuffer();
      onSample(new File([bytes], s.file.split('/').pop() || 'sample.mp4', { type: r.headers.get('content-type') || 'video/mp4' }));
    } catch (e) {
      setError(`The sample could not be read (${(e as Error).message}).`);
    }
  };
  return (
    <div className="small sample" data-testid="sample-offer">
      {samples.length > 0 ? (
        <>
          <b>No video at hand?</b> Try a sample:{' '}
          {samples.map((s) => (
            <span key={s.file}>
              <button type="button" className="secondary" disabled={disabled} onClick={() => void take(s)}>
                Analyse “{s.title}”
              </button>{' '}
              <span className="muted">
                ({s.source}; {s.licence})
              </span>{' '}
            </span>
          ))}
          {error && <span role="alert">{error}</span>}
        </>
      ) : (
        <>
          <b>No video at hand?</b> Any few seconds of a person filmed with a phone will do. No sample clip comes with this installation (the
          clips the project tests with may not be passed on); free ones are on{' '}
          <a href="https://commons.wikimedia.org/w/index.php?title=Special:MediaSearch&type=video&search=walking" rel="noreferrer">
            Wikimedia Commons
          </a>{' '}
          (public domain and Creative Commons videos: check each clip&apos;s licence).
        </>
      )}
    </div>
  );
}
