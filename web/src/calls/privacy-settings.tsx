import { useEffect, useState } from 'preact/hooks';
import type { Audience, CallSettingsView } from '../../../src/protocol/calls.js';
import { errorText } from '../ui/hooks.js';
import type { Store } from '../state/store.js';
import './calls.css';

const AUDIENCES: Audience[] = ['everyone', 'contacts', 'nobody'];

/**
 * Settings → Calls & privacy. Every change is saved at once with calls.updateSettings; the server
 * enforces these (it relays and filters candidates itself), so the switches mean what they say even
 * for a call from another of this account's devices, and a change made on another device shows here
 * at once (`call.settings` update).
 */
export function CallPrivacySettings({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [settings, setSettings] = useState<CallSettingsView | null>(null);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [error, setError] = useState('');

  useEffect(() => {
    store.client.call<CallSettingsView>('calls.settings').then(setSettings).catch((err: unknown) => setError(errorText(store, err)));
  }, []);
  // Changed on another device of this account (a `call.settings` update): show what the server has.
  const remote = store.calls.settings;
  useEffect(() => {
    if (remote && status !== 'saving') setSettings(remote);
  }, [remote]);

  const save = async (patch: Partial<CallSettingsView>) => {
    if (!settings) return;
    const before = settings;
    setSettings({ ...settings, ...patch });
    setStatus('saving');
    setError('');
    try {
      setSettings(await store.client.call<CallSettingsView>('calls.updateSettings', patch));
      setStatus('saved');
    } catch (err) {
      setSettings(before);
      setStatus('idle');
      if (!store.handleAuthError(err)) setError(errorText(store, err));
    }
  };

  if (!settings) return <div class="form" data-testid="call-privacy">{error ? <p class="error" role="alert">{error}</p> : <div class="spinner" />}</div>;
  const audience = (label: string, value: Audience, testid: string, onChange: (a: Audience) => void) => (
    <label class="call-setting">{label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as Audience)} data-testid={testid} disabled={status === 'saving'}>
        {AUDIENCES.map((a) => <option key={a} value={a}>{t(`audience_${a}`)}</option>)}
      </select>
    </label>
  );
  return (
    <div class="form call-privacy" data-testid="call-privacy" aria-busy={status === 'saving'}>
      <label class="call-switch">
        <input type="checkbox" checked={settings.protectIp} disabled={status === 'saving'} onChange={(e) => void save({ protectIp: (e.target as HTMLInputElement).checked })} data-testid="call-protect-ip" />
        <span>{t('protectIp')}</span>
      </label>
      <p class="muted call-help">{t('protectIpHelp')}</p>
      {audience(t('p2pWith'), settings.p2pWith, 'call-p2p-with', (p2pWith) => void save({ p2pWith }))}
      <p class="muted call-help">{t('p2pWithHelp')}</p>
      {audience(t('whoCanCall'), settings.whoCanCall, 'call-who-can-call', (whoCanCall) => void save({ whoCanCall }))}
      <label class="call-switch">
        <input type="checkbox" checked={settings.silenceUnknown} disabled={status === 'saving'} onChange={(e) => void save({ silenceUnknown: (e.target as HTMLInputElement).checked })} data-testid="call-silence-unknown" />
        <span>{t('silenceUnknown')}</span>
      </label>
      <p class="muted call-help">{t('silenceUnknownHelp')}</p>
      {status === 'saved' && <p class="success" role="status" data-testid="call-settings-saved">{t('settingsSaved')}</p>}
      {error && <p class="error" role="alert" data-testid="call-settings-error">{error}</p>}
    </div>
  );
}
