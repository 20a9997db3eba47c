import { useEffect, useRef, useState } from 'preact/hooks';
import { decodeLinkPayload } from '../../../src/protocol/link.js';
import type { AccountView, ContactView, DeviceView, SelfView } from '../../../src/protocol/views.js';
import { useStore, errorText, formatTime } from '../ui/hooks.js';
import { Avatar } from '../ui/avatar.js';
import { Icon } from '../ui/icons.js';
import { cameraQrReader, readQrFromFile } from '../ui/qr-scan.js';
import { LANGS, type Lang } from '../i18n.js';
import type { Store } from '../state/store.js';
import { CallPrivacySettings } from '../calls/privacy-settings.js';
import { CallLog } from '../calls/call-log.js';
import { CallIcon } from '../calls/icons.js';

/** Settings panel in the sidebar: profile, language, devices, link a device, contacts, blocked users, calls and their privacy. */
export function Settings() {
  const store = useStore();
  const t = store.t.bind(store);
  const section = store.route.name === 'settings' ? store.route.section : undefined;
  const back = () => store.navigate(section ? '/settings' : '/');
  const titles: Record<string, string> = { devices: t('devices'), link: t('linkDevice'), contacts: t('contacts'), blocked: t('blocked'), profile: t('profile'), calls: t('callLog'), privacy: t('callsPrivacy') };
  return (
    <div class="panel settings" data-testid="settings">
      <header class="side-head"><button class="icon-btn" aria-label={t('back')} onClick={back} data-testid="settings-back">←</button><h2>{section ? titles[section] : t('settings')}</h2></header>
      <div class="panel-scroll">
        {!section && <Overview store={store} />}
        {section === 'devices' && <Devices store={store} />}
        {section === 'link' && <LinkDevice store={store} />}
        {section === 'contacts' && <Contacts store={store} />}
        {section === 'blocked' && <Blocked store={store} />}
        {section === 'profile' && <><Profile store={store} /><ChangePassword store={store} /></>}
        {section === 'calls' && <CallLog store={store} />}
        {section === 'privacy' && <CallPrivacySettings store={store} />}
      </div>
    </div>
  );
}

function Overview({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const me = store.me!;
  const item = (path: string, icon: string, label: string) => (
    <li><button class="settings-item" onClick={() => store.navigate(`/settings/${path}`)} data-testid={`settings-${path}`}><Icon name={icon} size={22} />{label}</button></li>
  );
  return (
    <>
      <div class="profile-card"><Avatar id={me.id} name={me.displayName || me.username} size={72} /><div><h3 data-testid="my-name">{me.displayName || me.username}</h3><p class="muted">@{me.username}</p></div></div>
      <ul class="settings-list">
        {item('profile', 'user', t('profile'))}
        {item('link', 'qr', t('linkDevice'))}
        {item('devices', 'devices', t('devices'))}
        {item('contacts', 'contacts', t('contacts'))}
        {item('blocked', 'block', t('blocked'))}
        <li><button class="settings-item" onClick={() => store.navigate('/settings/calls')} data-testid="settings-calls"><CallIcon name="phone" size={22} />{t('callLog')}</button></li>
        <li><button class="settings-item" onClick={() => store.navigate('/settings/privacy')} data-testid="settings-privacy"><CallIcon name="shield" size={22} />{t('callsPrivacy')}</button></li>
      </ul>
      <label class="settings-row">{t('language')}
        <select aria-label={t('language')} value={store.lang} onChange={(e) => store.setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="language-select">
          {LANGS.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
        </select>
      </label>
      <p class="muted small-print">{t('shortcuts')}</p>
      <button class="danger wide" onClick={() => void store.logout()} data-testid="logout">{t('logout')}</button>
    </>
  );
}

function Profile({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [name, setName] = useState(store.me?.displayName ?? '');
  const [msg, setMsg] = useState('');
  return (
    <form class="form" onSubmit={async (e) => {
      e.preventDefault();
      try {
        const me = await store.client.call<SelfView>('me.update', { displayName: name.trim() });
        if (store.session) {
          store.session.account = me;
          localStorage.setItem('parley.session', JSON.stringify(store.session));
        }
        setMsg('✓');
        store.emit();
      } catch (err) {
        setMsg(errorText(store, err));
      }
    }}>
      <label>{t('displayName')}<input aria-label={t('displayName')} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} data-testid="profile-name" /></label>
      <button class="primary" type="submit">{t('save')}</button>
      {msg && <p role="status">{msg}</p>}
    </form>
  );
}

/** Password change: the server checks the current password and logs out every other device. */
function ChangePassword({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  const [error, setError] = useState('');
  return (
    <form class="form" data-testid="password-form" onSubmit={async (e) => {
      e.preventDefault();
      setMsg('');
      setError('');
      setBusy(true);
      try {
        const r = await store.client.changePassword(current, next);
        setCurrent('');
        setNext('');
        setMsg(t('passwordChanged', { n: r.revokedDevices }));
      } catch (err) {
        if (store.handleAuthError(err)) return;
        setError((err as { code?: string }).code === 'invalid_credentials' ? t('wrongCurrentPassword') : errorText(store, err));
      } finally {
        setBusy(false);
      }
    }}>
      <h3>{t('changePassword')}</h3>
      <label>{t('currentPassword')}<input type="password" name="currentPassword" autoComplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} data-testid="current-password" /></label>
      <label>{t('newPassword')}<input type="password" name="newPassword" autoComplete="new-password" value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} data-testid="new-password" /></label>
      <p class="muted small-print">{t('passwordChangeHelp')}</p>
      <button class="primary" type="submit" disabled={busy || !current || !next} data-testid="password-submit">{t('changePassword')}</button>
      {msg && <p class="success" role="status" data-testid="password-changed">{msg}</p>}
      {error && <p class="error" role="alert" data-testid="password-error">{error}</p>}
    </form>
  );
}

function Devices({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [devices, setDevices] = useState<DeviceView[]>([]);
  const [error, setError] = useState('');
  const load = () => void store.client.devices().then(setDevices).catch((err: unknown) => setError(errorText(store, err)));
  useEffect(load, []);
  return (
    <ul class="device-list" data-testid="device-list">
      {devices.map((d) => (
        <li key={d.id} class="device" data-testid="device" data-device-id={d.id} data-current={d.current ? 'true' : 'false'}>
          <span class="device-icon" aria-hidden="true">{d.platform === 'web' ? '🌐' : 'devices'}</span>
          <div class="device-body"><strong>{d.name || d.platform}</strong>{d.current && <span class="tag" data-testid="current-device">{t('thisDevice')}</span>}
            <small class="muted">{t('lastSeen', { t: formatTime(d.lastSeenAt, store.lang) })}</small></div>
          {!d.current && <button class="small danger" aria-label={`${t('revoke')} ${d.name}`} onClick={() => void store.client.revokeDevice(d.id).then(load).catch((err: unknown) => setError(errorText(store, err)))} data-testid="revoke-device">{t('revoke')}</button>}
        </li>
      ))}
      {error && <p class="error" role="alert">{error}</p>}
    </ul>
  );
}

/**
 * Approves a new device: scan its QR code with the camera, choose a picture of the code, or paste
 * its text. The camera and pictures are read with BarcodeDetector where the browser has it, else
 * with jsQR, loaded only when first needed (ui/qr-scan.ts).
 */
function LinkDevice({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [code, setCode] = useState('');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState('');
  const [scanning, setScanning] = useState(false);
  const [reading, setReading] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const canScan = typeof navigator.mediaDevices?.getUserMedia === 'function';

  const approve = async (text: string) => {
    setError('');
    setMsg('');
    const payload = decodeLinkPayload(text.trim());
    const token = payload?.token ?? (/^[A-Za-z0-9_-]{16,128}$/.test(text.trim()) ? text.trim() : undefined);
    if (!token) {
      setError(t('err_link_token_invalid'));
      return;
    }
    try {
      const r = await store.client.approveLink(token);
      setMsg(t('linkApproved', { name: r.deviceName }));
      setCode('');
    } catch (err) {
      setError(errorText(store, err));
    }
  };
  const linkIn = (texts: string[]) => texts.map((x) => x.trim()).find((x) => decodeLinkPayload(x));

  // Camera: a frame about every 200 ms (only while the tab is visible), until a link code is seen
  // or the scanner is closed (button, or leaving the screen).
  useEffect(() => {
    if (!scanning) return;
    let stream: MediaStream | undefined;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let frame = 0;
    const nextFrame = () => new Promise<void>((resolve) => {
      timer = setTimeout(() => { frame = requestAnimationFrame(() => resolve()); }, 200);
    });
    void (async () => {
      try {
        setError('');
        setMsg('');
        const [read, media] = await Promise.all([cameraQrReader(), navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })]);
        stream = media;
        const v = video.current;
        if (stop || !v) {
          media.getTracks().forEach((tr) => tr.stop());
          return;
        }
        v.srcObject = media;
        await v.play();
        while (!stop) {
          if (v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && v.videoWidth) {
            const hit = linkIn(await read(v, v.videoWidth, v.videoHeight).catch(() => []));
            if (hit && !stop) {
              setScanning(false);
              await approve(hit);
              return;
            }
          }
          await nextFrame();
        }
      } catch (err) {
        if (stop) return;
        setError(String((err as Error).message ?? err));
        setScanning(false);
      }
    })();
    return () => {
      stop = true;
      clearTimeout(timer);
      cancelAnimationFrame(frame);
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [scanning]);

  const readFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = ''; // the same picture can be chosen again
    if (!file) return;
    setError('');
    setMsg('');
    setReading(true);
    try {
      const hit = linkIn(await readQrFromFile(file));
      if (hit) await approve(hit);
      else setError(t('qrNotFound'));
    } catch {
      setError(t('qrNotFound'));
    } finally {
      setReading(false);
    }
  };

  return (
    <div class="form" data-testid="link-device">
      <p class="muted">{t('linkDeviceHelp')}</p>
      {canScan && <button type="button" onClick={() => setScanning(!scanning)} data-testid="scan-toggle">{scanning ? t('stopScan') : t('scan')}</button>}
      {scanning && <video ref={video} class="scanner" muted playsInline aria-label={t('scan')} data-testid="scanner" />}
      <label class="file-pick" aria-busy={reading}>
        <input type="file" accept="image/*" disabled={reading} onChange={(e) => void readFile(e.currentTarget)} data-testid="link-qr-file" />
        <span class="button-like">{t('chooseQrImage')}</span>
      </label>
      <form onSubmit={(e) => { e.preventDefault(); void approve(code); }}>
        <label>{t('pasteCode')}<textarea aria-label={t('pasteCode')} rows={3} value={code} onInput={(e) => setCode((e.target as HTMLTextAreaElement).value)} placeholder="parley://link?v=1&…" data-testid="link-code-input" /></label>
        <button class="primary" type="submit" disabled={!code.trim()} data-testid="link-approve">{t('approve')}</button>
      </form>
      {msg && <p class="success" role="status" data-testid="link-approved">{msg}</p>}
      {error && <p class="error" role="alert" data-testid="link-error">{error}</p>}
    </div>
  );
}

function Contacts({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [contacts, setContacts] = useState<ContactView[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const load = () => void store.client.contacts().then(setContacts).catch((err: unknown) => setError(errorText(store, err)));
  useEffect(load, []);
  return (
    <div data-testid="contacts">
      <form class="row-form" onSubmit={async (e) => {
        e.preventDefault();
        setError('');
        try {
          const acc = await store.client.resolve(name.replace(/^@/, '').trim());
          await store.client.call('contacts.add', { accountId: acc.id });
          setName('');
          load();
        } catch (err) {
          setError(errorText(store, err));
        }
      }}>
        <input aria-label={t('username')} placeholder={t('username')} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} data-testid="contact-input" />
        <button type="submit" data-testid="contact-add">{t('addContact')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="member-list">
        {contacts.map((c) => (
          <li key={c.account.id} data-testid="contact">
            <Avatar id={c.account.id} name={c.name || c.account.username} size={36} />
            <button class="member-name link-like" onClick={async () => { const chat = await store.client.openDirect(c.account.id); store.upsertChat(chat); store.navigate(`/chat/${chat.id}`); }}>{c.name || c.account.displayName}<small class="muted"> @{c.account.username}</small></button>
            <button class="small" onClick={() => void store.client.call('contacts.remove', { accountId: c.account.id }).then(load)}>{t('remove')}</button>
          </li>
        ))}
        {!contacts.length && <li class="muted">{t('noContacts')}</li>}
      </ul>
    </div>
  );
}

function Blocked({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const [list, setList] = useState<AccountView[]>([]);
  const load = () => void store.client.call<AccountView[]>('blocks.list').then(setList).catch(() => undefined);
  useEffect(load, []);
  return (
    <ul class="member-list" data-testid="blocked-list">
      {list.map((a) => (
        <li key={a.id}><Avatar id={a.id} name={a.displayName || a.username} size={36} /><span class="member-name">{a.displayName}<small class="muted"> @{a.username}</small></span>
          <button class="small" onClick={() => void store.client.call('blocks.remove', { accountId: a.id }).then(() => { store.blocked.delete(a.id); load(); })}>{t('unblock')}</button></li>
      ))}
      {!list.length && <li class="muted">{t('noBlocked')}</li>}
    </ul>
  );
}
