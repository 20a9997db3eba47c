import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of call signaling (no labels that could identify a user or an address). */
export class CallMetrics {
  readonly started: Counter<string>;
  readonly ended: Counter<'outcome'>;
  readonly refused: Counter<'reason'>;
  readonly active: Gauge<string>;
  readonly candidatesDropped: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.started = new Counter({ name: 'parley_calls_started_total', help: 'Calls that started ringing (calls.start accepted)', registers });
    this.ended = new Counter({ name: 'parley_calls_ended_total', help: 'Calls ended, by the outcome of the caller row', labelNames: ['outcome'], registers });
    this.refused = new Counter({
      name: 'parley_calls_refused_total',
      help: 'calls.prepare/calls.start refused: policy reasons (nobody, contacts_only, blocked, you_blocked, self) and busy, unavailable, in_progress, relays_unavailable',
      labelNames: ['reason'], registers,
    });
    this.active = new Gauge({ name: 'parley_calls_active', help: 'Calls ringing or in progress on this node', registers });
    this.candidatesDropped = new Counter({
      name: 'parley_call_candidates_dropped_total',
      help: 'ICE candidates the server did not forward (relay_only: non-relay candidate of a relay-only side; unknown_type; unknown_transport; not_answered: callee before accept)',
      labelNames: ['reason'], registers,
    });
  }
}
