/**
 * The other person on the call screens: initials on a disc. (ui/avatar.tsx cannot be used here:
 * it reaches the Store's type through ui/hooks, and the Store loads this code: see host.ts.)
 */
export function CallAvatar({ name, size }: { name: string; size: number }) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const initials = ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
  return <div class="avatar call-avatar" style={{ width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size / 2.6)}px` }} aria-hidden="true">{initials}</div>;
}
