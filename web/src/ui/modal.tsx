import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/** A modal dialog: Escape or the backdrop closes it; focus moves inside on open. */
export function Modal({ title, onClose, children, testid }: { title: string; onClose(): void; children: ComponentChildren; testid?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  // Layout effect: Escape must work as soon as the dialog is on screen, not one frame later.
  useLayoutEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not(.modal-close)');
    first?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={title} ref={ref} data-testid={testid}>
        <header class="modal-head"><h2>{title}</h2><button class="icon-btn modal-close" aria-label="Close" onClick={onClose}>✕</button></header>
        {children}
      </div>
    </div>
  );
}
