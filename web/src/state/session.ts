// The log-in session and its lifecycle: the session saved in localStorage, starting (cache first,
// then the network), log-out, auth errors that end the session, and the ban notice (issue 6).
// Plain functions over `StoreCore`; the Store's methods of the same names call them.
import { ApiError, type Session } from '../../../src/client/index.js';
import type { BanView } from '../../../src/protocol/views.js';
import type { StoreCore } from './core.js';

const SESSION_KEY = 'parley.session';

/** How the web client identifies itself at log-in (the server's abuse shield tells official clients apart). */
export const WEB_CLIENT = 'parley-web/1';

/** The session saved by an earlier visit, or null (an unreadable one is dropped). */
export function savedSession(): Session | null {
  const raw = localStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    localStorage.removeItem(SESSION_KEY);
    return null;
  }
}

/** Takes a new session (log-in, sign-up, linked device), saves it and starts. */
export async function adopt(s: StoreCore, session: Session): Promise<void> {
  s.session = session;
  s.client.token = session.token;
  s.loggedOutReason = undefined;
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  s.navigate('/');
  await s.start();
}

/** Starts a logged-in session: cache first, then the network. */
export async function start(s: StoreCore): Promise<void> {
  const session = s.session;
  if (!session) {
    s.booting = false;
    s.emit();
    return;
  }
  await s.persist.open();
  const cached = await s.persist.load(session.account.id);
  if (cached) {
    const { snapshot } = cached;
    s.pts = snapshot.pts;
    for (const c of snapshot.chats) s.chats.set(c.id, c);
    s.messages = cached.messages;
    s.outbox = snapshot.outbox;
    s.booting = false;
    s.emit();
    s.connect(s.pts);
    return;
  }
  await s.persist.clear();
  for (;;) {
    try {
      await s.fullLoad();
      break;
    } catch (err) {
      if (s.handleAuthError(err)) return;
      s.conn = 'offline';
      s.emit();
      await sleep(2000);
    }
  }
  s.booting = false;
  s.emit();
  s.connect(s.pts);
}

/** Ends the session: closes the stream, tells the server (unless it ended us), forgets everything. */
export async function logout(s: StoreCore, reason?: string): Promise<void> {
  const wasLoggedIn = !!s.session;
  s.stream?.close();
  s.stream = undefined;
  s.calls.reset();
  if (!reason && wasLoggedIn) await s.client.logout().catch(() => undefined);
  localStorage.removeItem(SESSION_KEY);
  await s.persist.clear();
  s.session = null;
  s.client.token = undefined;
  s.chats.clear();
  s.messages.clear();
  s.outbox = [];
  s.historyDone.clear();
  s.pts = 0;
  s.loggedOutReason = reason;
  s.ban = null;
  s.navigate('/');
}

/** A revoked or disabled device is logged out at once; true when that happened. */
export function handleAuthError(s: StoreCore, err: unknown): boolean {
  if (err instanceof ApiError && err.code === 'account_banned') {
    void s.enterBanned();
    return true;
  }
  if (err instanceof ApiError && (err.code === 'device_revoked' || err.code === 'unauthorized' || err.code === 'account_disabled')) {
    void s.logout(err.code);
    return true;
  }
  return false;
}

// ---- ban notice and appeal (issue 6) ------------------------------------------------------

/** The server refused us with account_banned: stop the stream, keep the outbox (nothing is dropped), show why. */
export async function enterBanned(s: StoreCore): Promise<void> {
  s.stream?.close();
  s.stream = undefined;
  s.booting = false;
  await checkBan(s);
}

/** Re-reads the ban; once lifted, the session starts again (queued messages go out then). */
export async function checkBan(s: StoreCore): Promise<void> {
  try {
    const ban = await s.client.call<BanView>('shield.status');
    const wasBanned = !!s.ban?.banned;
    s.ban = ban;
    s.emit();
    if (!ban.banned && (wasBanned || !s.stream)) {
      if (wasBanned) s.showToast(s.t('ban_reinstated'));
      await s.start();
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'account_banned')) s.handleAuthError(err);
  }
}

/** Sends the appeal (once per ban). */
export async function appeal(s: StoreCore, note: string): Promise<void> {
  s.ban = await s.client.call<BanView>('shield.appeal', note.trim() ? { note: note.trim() } : {});
  s.emit();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
