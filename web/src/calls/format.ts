/** `m:ss` (or `h:mm:ss`) for call durations. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A measurement for the quality panel: `12.5 ms`, `—` when not known yet. */
export function formatMs(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${Math.round(v)} ms`;
}

export function formatPct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(1)} %`;
}
