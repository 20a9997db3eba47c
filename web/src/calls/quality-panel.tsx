import type { CallQuality } from '../../../src/client/calls/types.js';
import type { CallsHost } from './host.js';
import { formatMs, formatPct } from './format.js';

/** "Direct" or "Relay" (the selected ICE candidate pair, RFC 8445 §4: relay when either end is a TURN relay candidate). */
export function PathBadge({ q, host, testid = 'call-path' }: { q: CallQuality; host: CallsHost; testid?: string }) {
  const t = host.t.bind(host);
  const label = q.path === 'relay' ? t('call_pathRelay') : q.path === 'direct' ? t('call_pathDirect') : '—';
  return <span class={`call-path call-path-${q.path ?? 'unknown'}`} data-testid={testid} data-path={q.path ?? ''} data-local={q.localCandidateType ?? ''} data-remote={q.remoteCandidateType ?? ''}>{label}</span>;
}

/**
 * Live numbers from getStats() (sampled each second by the engine): the path, round trip, jitter
 * and loss of the received audio, and the relays this device measured before the call, with the
 * one it chose (lowest round trip among those that answered).
 */
export function QualityPanel({ q, relayOnly, host }: { q: CallQuality; relayOnly: boolean; host: CallsHost }) {
  const t = host.t.bind(host);
  return (
    <section class="call-panel" aria-label={t('call_quality')} data-testid="call-quality">
      <h3>{t('call_quality')}</h3>
      <dl>
        <dt>{t('call_path')}</dt><dd><PathBadge q={q} host={host} testid="call-quality-path" />{q.localCandidateType ? <small> ({q.localCandidateType} ↔ {q.remoteCandidateType ?? '?'})</small> : null}</dd>
        {(q.relayId || relayOnly) && <><dt>{t('call_relay')}</dt><dd data-testid="call-relay-id">{q.relayId ?? '—'}</dd></>}
        <dt>{t('call_rtt')}</dt><dd data-testid="call-rtt">{formatMs(q.rttMs)}</dd>
        <dt>{t('call_jitter')}</dt><dd data-testid="call-jitter">{formatMs(q.jitterMs)}</dd>
        <dt>{t('call_loss')}</dt><dd data-testid="call-loss">{formatPct(q.lossPct)}</dd>
      </dl>
      {q.relayRtts.length > 0 && (
        <>
          <h3>{t('call_relays')}</h3>
          <ul data-testid="call-relay-rtts">
            {q.relayRtts.map((r) => (
              <li key={r.id} class={r.id === q.relayId ? 'chosen' : ''} data-relay-id={r.id} data-rtt={r.rttMs ?? ''}>
                <span>{r.id === q.relayId ? '✓ ' : ''}{r.id}{r.region ? ` (${r.region})` : ''}</span>
                <span>{r.rttMs === null ? t('call_unreachable') : formatMs(r.rttMs)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
