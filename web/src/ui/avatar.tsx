import { colorFor, initials } from './hooks.js';

export function Avatar({ id, name, size = 48, kind }: { id: number; name: string; size?: number; kind?: string }) {
  return (
    <div class={`avatar ${kind ?? ''}`} style={{ width: `${size}px`, height: `${size}px`, background: colorFor(id), fontSize: `${Math.round(size / 2.6)}px` }} aria-hidden="true">
      {initials(name)}
    </div>
  );
}
