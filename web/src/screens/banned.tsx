import { useEffect, useState } from 'preact/hooks';
import { useStore, errorText } from '../ui/hooks.js';
import type { Key } from '../i18n.js';

const REASONS = new Set(['bulk_messaging', 'automation', 'registration_wave', 'suspicious_network', 'suspicious_identity', 'mass_reported']);
/** While an appeal is pending the screen looks again now and then, so a reinstated user gets back in without reloading. */
const RECHECK_MS = 60_000;

/** The ban notice (issue 6): why, since when, and the appeal; replaces the messenger while banned. */
export function BannedScreen() {
  const store = useStore();
  const t = store.t.bind(store);
  const ban = store.ban;
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const pending = ban?.appeal?.state === 'pending';
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void store.checkBan(), RECHECK_MS);
    return () => clearInterval(timer);
  }, [pending]);
  if (!ban) return null;
  const date = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleString(store.lang) : '');
  const reasonKey = `ban_reason_${ban.reason && REASONS.has(ban.reason) ? ban.reason : 'other'}` as Key;

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await store.appeal(note);
    } catch (err) {
      setError(errorText(store, err));
    }
    setBusy(false);
  }

  return (
    <div class="auth" data-testid="banned-screen">
      <div class="auth-card" role="alert">
        <h1>{t('ban_title')}</h1>
        <p>{t('ban_intro', { date: date(ban.bannedAt) })}</p>
        <p><strong>{t('ban_reason')}:</strong> <span data-testid="ban-reason">{t(reasonKey)}</span></p>
        <p>{ban.expiresAt ? t('ban_until', { date: date(ban.expiresAt) }) : t('ban_noEnd')}</p>
        {!ban.appeal && (
          <form class="auth-form" onSubmit={submit} data-testid="appeal-form">
            <p>{t('ban_appealHelp')}</p>
            <label>{t('ban_appealNote')}<textarea maxLength={1000} value={note} aria-label={t('ban_appealNote')} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} /></label>
            {error && <p class="error" role="alert">{error}</p>}
            <button class="primary" type="submit" disabled={busy} data-testid="appeal-submit">{t('ban_appeal')}</button>
          </form>
        )}
        {pending && <p class="notice" role="status" data-testid="appeal-pending">{t('ban_appealPending', { date: date(ban.appeal?.submittedAt) })}</p>}
        {ban.appeal?.state === 'rejected' && <p class="notice" data-testid="appeal-rejected">{t('ban_appealRejected', { date: date(ban.appeal.decidedAt) })}</p>}
        <button type="button" class="secondary" onClick={() => void store.checkBan()} data-testid="ban-check">{t('ban_checkAgain')}</button>
        <button type="button" class="link" onClick={() => void store.logout()} data-testid="ban-logout">{t('logout')}</button>
      </div>
    </div>
  );
}
