import { createContext } from 'preact';
import { useContext, useEffect, useReducer } from 'preact/hooks';
import type { Store } from '../state/store.js';
import type { ApiError } from '../../../src/client/index.js';
import type { Key } from '../i18n.js';

export const StoreContext = createContext<Store | null>(null);

/** The store; the component re-renders whenever the store changes. */
export function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext missing');
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => store.subscribe(() => bump(0)), [store]);
  return store;
}

/** A server error as the user should read it: our translation when we have one, plus the server's reason. */
export function errorText(store: Store, err: unknown): string {
  const e = err as Partial<ApiError> & { message?: string };
  if (typeof e.code !== 'string') return store.t('err_network');
  const key = `err_${e.code}` as Key;
  const known = store.t(key);
  const base = known !== key ? known : e.message?.replace(/^[a-z_]+: /, '') ?? e.code;
  const data = e.data ?? {};
  const extra = [data.reason, ...(Array.isArray(data.suggestions) ? data.suggestions : [])].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return extra.length ? `${base}: ${extra.join(' ')}` : base;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

const COLORS = ['#e17076', '#7bc862', '#e5ca77', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774'];
export function colorFor(id: number): string {
  return COLORS[Math.abs(id) % COLORS.length]!;
}

const formats = new Map<string, { time: Intl.DateTimeFormat; date: Intl.DateTimeFormat }>();
/** Message time (today) or date; formatters are cached (creating one per row is slow). */
export function formatTime(ts: number, lang: string): string {
  let f = formats.get(lang);
  if (!f) formats.set(lang, (f = { time: new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }), date: new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short' }) }));
  const d = new Date(ts);
  return (d.toDateString() === new Date().toDateString() ? f.time : f.date).format(d);
}
