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
  // Anti-abuse shield (issue 6): shadow-mode rules show up with mode="shadow" next to enforced ones.
  readonly bans = new Counter({ name: 'parley_shield_bans_total', help: 'Bans by reason, event and mode (enforced or shadow)', labelNames: ['reason', 'event', 'mode'], registers: [this.registry] });
  readonly appeals = new Counter({ name: 'parley_shield_appeals_total', help: 'Appeals submitted and decided, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly falsePositives = new Counter({ name: 'parley_shield_false_positives_total', help: 'Bans lifted on an accepted appeal, by reason', labelNames: ['reason'], registers: [this.registry] });
  /** Read from the ban table at scrape time, so decisions made by the CLI (another process) count too. */
  private shieldStats: (() => Promise<{ bans: number; pending: number; accepted: number; rejected: number }>) | undefined;
  readonly banRows = new Gauge({
    name: 'parley_shield_ban_rows', help: 'Ban rows kept (active or recently lifted), by appeal state', labelNames: ['appeal'], registers: [this.registry],
    collect: async () => {
      const s = await this.shieldStats?.();
      if (!s) return;
      this.banRows.set({ appeal: 'none' }, s.bans - s.pending - s.accepted - s.rejected);
      for (const k of ['pending', 'accepted', 'rejected'] as const) this.banRows.set({ appeal: k }, s[k]);
    },
  });
  readonly falsePositiveRate = new Gauge({
    name: 'parley_shield_false_positive_ratio', help: 'Accepted appeals / bans kept (the false-positive rate from appeals)', registers: [this.registry],
    // Its own read: the registry collects metrics concurrently, so it cannot rely on banRows' collect.
    collect: async () => {
      const s = await this.shieldStats?.();
      if (s) this.falsePositiveRate.set(s.bans ? s.accepted / s.bans : 0);
    },
  });
  readonly reports = new Counter({ name: 'parley_shield_reports_total', help: 'Spam reports, counted (matched a delivered message) or ignored', labelNames: ['outcome'], registers: [this.registry] });
  readonly rateLimitHits = new Counter({ name: 'parley_shield_rate_limited_total', help: 'Hard rate-limit refusals by kind', labelNames: ['kind'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  /** A would-be ban from the engine (enforced or shadow); allows are not counted. */
  shieldVerdict(event: string, v: { action: 'allow' | 'ban'; shadowBan: boolean; reason: string | null }): void {
    if (v.action !== 'ban' && !v.shadowBan) return;
    this.bans.inc({ reason: v.reason ?? 'unknown', event, mode: v.action === 'ban' ? 'enforced' : 'shadow' });
  }

  /** An appeal decided in this process; accepted means the ban was a false positive. */
  appealDecided(outcome: 'accepted' | 'rejected', reason: string): void {
    this.appeals.inc({ outcome });
    if (outcome === 'accepted') this.falsePositives.inc({ reason });
  }

  /** Where the ban-table gauges read from (the shield service sets it). */
  setShieldStats(read: () => Promise<{ bans: number; pending: number; accepted: number; rejected: number }>): void {
    this.shieldStats = read;
  }
}
