import type { CallRefusal } from '../../../src/protocol/calls.js';
import type { Key } from '../i18n.js';
import type { CallsHost } from './host.js';

const REFUSALS: readonly CallRefusal[] = ['nobody', 'contacts_only', 'blocked', 'you_blocked', 'self'];

/**
 * Why a call could not be made, in the user's language. `call_not_allowed` carries the callee's
 * policy in `data.reason` (src/protocol/calls.ts CallRefusal); device errors from getUserMedia
 * (NotAllowedError, NotFoundError…) and the engine's `media_unavailable` mean the same to the user.
 * Other codes use their `err_<code>` translation, else the server's message (as ui/hooks errorText,
 * which this module cannot import: see host.ts).
 */
export function callErrorText(host: Pick<CallsHost, 't'>, err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown; data?: { reason?: unknown } };
  if (e.code === 'call_not_allowed') {
    const reason = REFUSALS.find((r) => r === e.data?.reason);
    return reason ? `${host.t('err_call_not_allowed')}: ${host.t(`call_refused_${reason}`)}` : host.t('err_call_not_allowed');
  }
  if (e.code === 'media_unavailable' || (typeof e.name === 'string' && /^(NotAllowed|NotFound|NotReadable|Overconstrained)Error$/.test(e.name))) return host.t('call_mediaDenied');
  if (typeof e.code !== 'string') return host.t('err_network');
  const key = `err_${e.code}` as Key;
  const known = host.t(key);
  if (known !== key) return known;
  return typeof e.message === 'string' ? e.message.replace(/^[a-z_]+: /, '') : e.code;
}
