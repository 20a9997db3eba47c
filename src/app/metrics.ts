import { Registry, Gauge, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics in a registry of our own (no global default registry). */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'parley_ws_connections', help: 'Open update-channel connections', registers: [this.registry] });
  readonly updatesPushed = new Counter({ name: 'parley_updates_pushed_total', help: 'Updates pushed to devices', registers: [this.registry] });
  readonly messagesSent = new Counter({ name: 'parley_messages_sent_total', help: 'Messages persisted', registers: [this.registry] });
  readonly sendLatency = new Histogram({
    name: 'parley_send_duration_seconds',
    help: 'Time from receiving a send to its commit',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly requests = new Counter({ name: 'parley_api_requests_total', help: 'API operations by name and outcome', labelNames: ['op', 'outcome'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}
