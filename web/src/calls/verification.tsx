import { emojiName } from '../../../src/protocol/call-verification.js';
import type { CallVerification } from '../../../src/client/calls/types.js';
import type { CallsHost } from './host.js';

/**
 * The call's short authentication string: 4 emoji from both DTLS fingerprints (RFC 8122) and both
 * nonces, with the caller's hash commitment opened only after the answer (src/protocol/call-verification.ts,
 * after ZRTP, RFC 6189 §4.4.1.1). Both people read them aloud; the same 4 mean nobody relays the
 * media in between. 'mismatch' means the caller's commitment did not open: the offer was changed
 * on the way, so we say so in red.
 */
export function VerificationCode({ v, host }: { v: CallVerification; host: CallsHost }) {
  const t = host.t.bind(host);
  if (v.status === 'mismatch') {
    return (
      <div class="call-verify mismatch" role="alert" data-testid="call-emoji" data-status="mismatch" data-code={(v.emoji ?? []).join('')}>
        {v.emoji && <EmojiRow emoji={v.emoji} names={host.lang === 'en'} />}
        <p>{t('call_verifyMismatch')}</p>
      </div>
    );
  }
  if (v.status !== 'ready' || !v.emoji) {
    return <div class="call-verify" data-testid="call-emoji" data-status="pending" data-code=""><p>{t('call_verifyPending')}</p></div>;
  }
  return (
    <div class="call-verify" data-testid="call-emoji" data-status="ready" data-code={v.emoji.join('')}>
      <EmojiRow emoji={v.emoji} names={host.lang === 'en'} />
      <p>{t('call_verifyHint')}</p>
    </div>
  );
}

/** The names under the emoji are English (call-verification.ts): shown in the English UI only. */
function EmojiRow({ emoji, names }: { emoji: string[]; names: boolean }) {
  return (
    <ul class="call-emoji" aria-label={emoji.map((e) => emojiName(e) ?? e).join(', ')}>
      {emoji.map((e, i) => <li key={i}><span class="emoji" aria-hidden="true">{e}</span>{names && <span>{emojiName(e) ?? ''}</span>}</li>)}
    </ul>
  );
}
