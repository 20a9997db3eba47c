/** A byte range, both ends inclusive (RFC 9110 §14.1.2). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header against a representation of `size` bytes (RFC 9110 §14.2).
 * `undefined`: no usable Range (serve 200 with everything: also for other units and syntax errors,
 * as §14.2 allows). `'unsatisfiable'`: 416. Otherwise the ranges, overlapping ones merged.
 */
export function parseRange(header: string | undefined, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return undefined;
  const specs = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  // Many tiny ranges are a denial-of-service pattern (CVE-2011-3192): ignore the header.
  if (specs.length === 0 || specs.length > 16) return undefined;
  const out: ByteRange[] = [];
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    if (r[1] === '') {
      const suffix = Number(r[2]);
      if (suffix === 0) continue;
      out.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(r[1]);
    const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
    if (r[2] !== '' && Number(r[2]) < start) return undefined;
    if (start >= size) continue;
    out.push({ start, end });
  }
  if (out.length === 0) return 'unsatisfiable';
  out.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [out[0]!];
  for (const r of out.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
