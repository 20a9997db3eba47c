import { Component, type ComponentChildren } from 'preact';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';

const PAD = 8;
const OVERSCAN_PX = 600;

interface Props<T> {
  items: T[];
  keyOf(item: T): string | number;
  render(item: T, index: number): ComponentChildren;
  /** Rows re-render when their item, position or this value changes (e.g. read receipts, language). */
  renderKey?: unknown;
  /** Called when the user scrolls near the top (load older messages). */
  onTop?(): void;
  estimate?: number;
  testid?: string;
  label?: string;
}

interface RowProps { item: unknown; top: number; renderKey: unknown; vkey: string; index: number; render(item: unknown, index: number): ComponentChildren }

/** One positioned row; skips re-rendering unless its item, position or renderKey changed. */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.item !== this.props.item || next.top !== this.props.top || next.renderKey !== this.props.renderKey || next.index !== this.props.index;
  }
  override render() {
    const p = this.props;
    return <div class="vrow" data-vkey={p.vkey} style={{ top: `${p.top}px` }}>{p.render(p.item, p.index)}</div>;
  }
}

/**
 * A virtualised, bottom-anchored list with variable row heights: only rows near the viewport are
 * in the DOM (a 10,000-message chat renders a few dozen). Measured heights are cached per key;
 * offsets are recomputed only when items or heights change, not on scroll. The row at the top of
 * the viewport stays put when rows above change or older pages arrive.
 */
export function VirtualList<T>({ items, keyOf, render, renderKey, onTop, estimate = 56, testid, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const atBottom = useRef(true);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const [version, setVersion] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });

  const keys = useMemo(() => items.map((it) => String(keyOf(it))), [items]);
  const index = useMemo(() => new Map(keys.map((k, i) => [k, i] as const)), [keys]);
  const offsets = useMemo(() => {
    const o = new Float64Array(keys.length + 1);
    o[0] = PAD;
    for (let i = 0; i < keys.length; i++) o[i + 1] = o[i]! + (heights.current.get(keys[i]!) ?? estimate);
    return o;
  }, [keys, version]);
  const n = keys.length;
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
    // Measure rendered rows; recompute offsets when any height changed.
    let changed = false;
    for (const row of el.children[0]!.children as HTMLCollectionOf<HTMLElement>) {
      const key = row.dataset.vkey!;
      const h = row.offsetHeight;
      if (heights.current.get(key) !== h) {
        heights.current.set(key, h);
        changed = true;
      }
    }
    if (changed) {
      setVersion((v) => v + 1);
      return;
    }
    if (atBottom.current) {
      if (Math.abs(el.scrollTop - (el.scrollHeight - el.clientHeight)) > 1) el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const idx = index.get(anchor.current.key);
      if (idx !== undefined) {
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
    anchor.current = idx >= 0 ? { key: keys[idx]!, delta: offsets[idx]! - el.scrollTop } : null;
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < 400) onTop?.();
  };

  const rows: ComponentChildren[] = [];
  for (let i = start; i < end; i++) {
    rows.push(<Row key={keys[i]} vkey={keys[i]!} item={items[i]} index={i} top={offsets[i]!} renderKey={renderKey} render={render as (item: unknown, index: number) => ComponentChildren} />);
  }
  return (
    <div class="vlist" ref={ref} onScroll={onScroll} data-testid={testid} role="log" aria-label={label} aria-live="polite">
      <div class="vlist-inner" style={{ height: `${total}px` }}>{rows}</div>
    </div>
  );
}
