import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Relay metrics, exported by Parley because Debian's coturn 4.6.1 is built without Prometheus
 * support (docs/relays.md). Registered on the registry passed in; a second pool on the same
 * registry (tests, doctor) reuses the metrics instead of failing on a duplicate name.
 */
export class RelayMetrics {
  readonly up: Gauge<'relay'>;
  readonly checkRtt: Gauge<'relay'>;
  readonly checks: Counter<'relay' | 'outcome'>;
  readonly credentialsIssued: Counter;
  readonly restarts: Counter;

  constructor(registry: Registry) {
    const reuse = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
    const registers = [registry];
    this.up = reuse('parley_relay_up', () => new Gauge({ name: 'parley_relay_up', help: 'Whether the last health check of the relay (a real TURN allocation) passed', labelNames: ['relay'], registers }));
    this.checkRtt = reuse('parley_relay_check_rtt_seconds', () => new Gauge({ name: 'parley_relay_check_rtt_seconds', help: 'Round trip of the authenticated Allocate in the last passing health check', labelNames: ['relay'], registers }));
    this.checks = reuse('parley_relay_checks_total', () => new Counter({ name: 'parley_relay_checks_total', help: 'Relay health checks by outcome (ok, fail)', labelNames: ['relay', 'outcome'], registers }));
    this.credentialsIssued = reuse('parley_relay_credentials_issued_total', () => new Counter({ name: 'parley_relay_credentials_issued_total', help: 'TURN credentials handed to clients', registers }));
    this.restarts = reuse('parley_relay_restarts_total', () => new Counter({ name: 'parley_relay_restarts_total', help: 'Restarts of the managed coturn after it exited unexpectedly', registers }));
  }
}
