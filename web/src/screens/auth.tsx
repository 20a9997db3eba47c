import { useEffect, useRef, useState } from 'preact/hooks';
import QRCode from 'qrcode';
import { ParleyClient } from '../../../src/client/index.js';
import { useStore, errorText } from '../ui/hooks.js';
import { LANGS, type Lang } from '../i18n.js';
import { WEB_CLIENT } from '../state/store.js';

type Mode = 'login' | 'signup' | 'link';

/** Log in, sign up, or log in by QR code from a device that is already logged in. */
export function AuthScreen() {
  const store = useStore();
  const [mode, setMode] = useState<Mode>('login');
  const t = store.t.bind(store);
  return (
    <div class="auth" data-testid="auth-screen">
      <div class="auth-card">
        <div class="brand"><div class="brand-logo" aria-hidden="true">P</div><h1>{t('appName')}</h1></div>
        {store.loggedOutReason && <p class="notice" role="status" data-testid="logged-out">{t('loggedOut')}</p>}
        {mode === 'link' ? <LinkQr onBack={() => setMode('login')} /> : <Credentials mode={mode} setMode={setMode} />}
        <label class="lang-pick">
          <span class="sr-only">{t('language')}</span>
          <select aria-label={t('language')} value={store.lang} onChange={(e) => store.setLang((e.target as HTMLSelectElement).value as Lang)}>
            {LANGS.map((l) => <option value={l.id} key={l.id}>{l.name}</option>)}
          </select>
        </label>
      </div>
    </div>
  );
}

function Credentials({ mode, setMode }: { mode: 'login' | 'signup'; setMode(m: Mode): void }) {
  const store = useStore();
  const t = store.t.bind(store);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [invite, setInvite] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    const deviceName = browserName();
    // Identifies the official client and its language to the server's abuse shield.
    const app = { client: WEB_CLIENT, lang: navigator.language };
    try {
      const client = new ParleyClient({ baseUrl: store.baseUrl });
      const s = mode === 'login'
        ? await client.login({ username: username.trim(), password, deviceName, platform: 'web', ...app })
        : await client.register({ username: username.trim(), password, deviceName, platform: 'web', ...app, ...(displayName.trim() ? { displayName: displayName.trim() } : {}), ...(invite.trim() ? { inviteCode: invite.trim() } : {}) });
      await store.adopt(s);
    } catch (err) {
      setError(errorText(store, err));
      setBusy(false);
    }
  }

  return (
    <form class="auth-form" onSubmit={submit} data-testid={`${mode}-form`}>
      <h2>{mode === 'login' ? t('login') : t('signup')}</h2>
      <label>{t('username')}<input name="username" autoComplete="username" aria-label={t('username')} value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required autoFocus /></label>
      <label>{t('password')}<input name="password" type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} aria-label={t('password')} value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required /></label>
      {mode === 'signup' && <>
        <label>{t('displayName')}<input name="displayName" aria-label={t('displayName')} value={displayName} onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)} /></label>
        <label>{t('inviteCode')}<input name="inviteCode" aria-label={t('inviteCode')} value={invite} onInput={(e) => setInvite((e.target as HTMLInputElement).value)} /></label>
      </>}
      {error && <p class="error" role="alert" data-testid="auth-error">{error}</p>}
      <button class="primary" type="submit" disabled={busy} data-testid={`${mode}-submit`}>{mode === 'login' ? t('login') : t('signup')}</button>
      <button type="button" class="link" onClick={() => setMode(mode === 'login' ? 'signup' : 'login')} data-testid="switch-mode">{mode === 'login' ? t('noAccount') : t('haveAccount')}</button>
      {mode === 'login' && <button type="button" class="secondary" onClick={() => setMode('link')} data-testid="link-with-device">{t('linkWithDevice')}</button>}
    </form>
  );
}

/** Shows a link token as a QR code, renews it before it expires, and long-polls link.claim. */
function LinkQr({ onBack }: { onBack(): void }) {
  const store = useStore();
  const t = store.t.bind(store);
  const [qr, setQr] = useState<{ payload: string; expiresAt: number; image: string } | null>(null);
  const [error, setError] = useState('');
  const [now, setNow] = useState(Date.now());
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const client = new ParleyClient({ baseUrl: store.baseUrl });
    void (async () => {
      while (alive.current) {
        try {
          const r = await client.requestLink({ deviceName: browserName(), platform: 'web' });
          const image = await QRCode.toDataURL(r.qr, { margin: 1, width: 264, errorCorrectionLevel: 'M' });
          if (!alive.current) return;
          setQr({ payload: r.qr, expiresAt: r.expiresAt, image });
          setError('');
          // Renew a few seconds before expiry (server clock vs ours: use the remaining lifetime).
          const renewAt = Date.now() + Math.max(3000, r.expiresAt - Date.now() - 5000);
          while (alive.current && Date.now() < renewAt) {
            const wait = Math.min(20000, renewAt - Date.now());
            const c = await client.claimLink(r.token, r.claimSecret, Math.max(0, wait));
            if (c.status === 'approved') {
              const { status: _s, ...session } = c;
              if (alive.current) await store.adopt(session);
              return;
            }
          }
        } catch (err) {
          if (!alive.current) return;
          setError(errorText(store, err));
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    })();
    return () => {
      alive.current = false;
      clearInterval(tick);
    };
  }, []);

  const left = qr ? Math.max(0, Math.round((qr.expiresAt - now) / 1000)) : 0;
  return (
    <div class="link-qr" data-testid="link-qr-screen">
      <h2>{t('linkTitle')}</h2>
      <div class="qr-box">{qr ? <img src={qr.image} alt="QR code" width={264} height={264} data-testid="link-qr" /> : <div class="spinner" aria-label={t('connecting')} />}</div>
      <p class="hint">{t('linkSteps')}</p>
      {qr && <code class="payload" data-testid="link-payload">{qr.payload}</code>}
      <p class="muted" aria-live="polite">{t('linkWaiting')} {qr && t('linkExpiresIn', { s: left })}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="button" class="link" onClick={onBack} data-testid="link-back">{t('back')}</button>
    </div>
  );
}

function browserName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : '';
  return `${browser}${os ? ` on ${os}` : ''}`.slice(0, 64);
}
