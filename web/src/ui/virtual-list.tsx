import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

const PAD = 8;
const OVERSCAN_PX = 600;

interface Props<T> {
  items: T[];
  keyOf(item: T): string | number;
  render(item: T, index: number): ComponentChildren;
  /** Called when the user scrolls near the top (load older messages). */
  onTop?(): void;
  estimate?: number;
  testid?: string;
  label?: string;
}

/**
 * A virtualised, bottom-anchored list with variable row heights: only rows near the viewport are
 * in the DOM (a 10,000-message chat renders a few dozen). Measured heights are cached per key;
 * the row at the top of the viewport stays put when rows above change or older pages arrive.
 */
export function VirtualList<T>({ items, keyOf, render, onTop, estimate = 56, testid, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string | number, number>());
  const atBottom = useRef(true);
  const anchor = useRef<{ key: string | number; delta: number } | null>(null);
  const [, force] = useReducer((n: number) => n + 1, 0);
  const [view, setView] = useState({ top: 0, height: 800 });

  const n = items.length;
  const offsets = new Float64Array(n + 1);
  offsets[0] = PAD;
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + (heights.current.get(keyOf(items[i]!)) ?? estimate);
  const total = offsets[n]! + PAD;
  const find = (y: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + 1]! <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const viewTop = atBottom.current ? Math.max(0, total - view.height) : view.top;
  const start = Math.max(0, find(viewTop - OVERSCAN_PX));
  const end = Math.min(n, find(viewTop + view.height + OVERSCAN_PX) + 1);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Measure rendered rows; re-render when any height changed.
    let changed = false;
    for (const row of el.querySelectorAll<HTMLElement>('[data-vkey]')) {
      const key = row.dataset.vkeyType === 'n' ? Number(row.dataset.vkey) : row.dataset.vkey!;
      const h = row.offsetHeight;
      if (heights.current.get(key) !== h) {
        heights.current.set(key, h);
        changed = true;
      }
    }
    if (changed) {
      force(0);
      return;
    }
    if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const idx = items.findIndex((it) => keyOf(it) === anchor.current!.key);
      if (idx >= 0) {
        const want = offsets[idx]! - anchor.current.delta;
        if (Math.abs(el.scrollTop - want) > 1) el.scrollTop = want;
      }
    }
    if (el.clientHeight !== view.height) setView({ top: el.scrollTop, height: el.clientHeight });
  });

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    const idx = Math.min(n - 1, find(el.scrollTop));
    anchor.current = idx >= 0 ? { key: keyOf(items[idx]!), delta: offsets[idx]! - el.scrollTop } : null;
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < 400) onTop?.();
  };

  const rows: ComponentChildren[] = [];
  for (let i = start; i < end; i++) {
    const it = items[i]!;
    const key = keyOf(it);
    rows.push(
      <div key={key} class="vrow" data-vkey={String(key)} data-vkey-type={typeof key === 'number' ? 'n' : 's'} style={{ top: `${offsets[i]}px` }}>
        {render(it, i)}
      </div>,
    );
  }
  return (
    <div class="vlist" ref={ref} onScroll={onScroll} data-testid={testid} role="log" aria-label={label} aria-live="polite">
      <div class="vlist-inner" style={{ height: `${total}px` }}>{rows}</div>
    </div>
  );
}
