import type { AuditReport, AuditRow } from './audit.js';
import type { CaptureFormat, CaptureProblem } from './types.js';

export interface ReportInput {
  file: string;
  format: CaptureFormat | null;
  report: AuditReport;
  problems: CaptureProblem[];
  problemsOmitted: number;
}

/** `2026-01-02 03:04:05.678` (UTC) or `-`. */
export function formatTime(us: number | null): string {
  if (us === null || !Number.isFinite(us)) return '-';
  const d = new Date(us / 1000);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString().replace('T', ' ').replace('Z', '');
}

function isoTime(us: number | null): string | null {
  if (us === null || !Number.isFinite(us)) return null;
  const d = new Date(us / 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Left-aligned columns separated by two spaces; the first column is the peer marker. */
function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function endpoint(address: string, port: number | null): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return port === null ? host : `${host}:${port}`;
}

/** The one-line verdict scripts and people read last. */
export function summaryLine(report: AuditReport): string {
  return `${report.remoteAddresses} remote address${report.remoteAddresses === 1 ? '' : 'es'}, ${report.peerPackets} packet${report.peerPackets === 1 ? '' : 's'} to/from peers`;
}

/** The human-readable report: the remote table, then anything else worth knowing, then the summary line. */
export function formatReport(input: ReportInput): string[] {
  const { report } = input;
  const lines: string[] = [];
  lines.push(`${input.file}: ${input.format ?? 'unknown format'}, ${report.packets} frames (${report.ipPackets} IP)`);
  lines.push(`self: ${report.self.join(', ') || '-'}    peers: ${report.peers.join(', ') || '-'}`);
  lines.push('');
  if (report.remotes.length === 0) {
    lines.push('No packets to or from a remote address.');
  } else {
    const header = ['', 'REMOTE', 'PROTO', 'RPORT', 'LOCAL', 'PKTS OUT', 'PKTS IN', 'BYTES OUT', 'BYTES IN', 'FIRST SEEN (UTC)', 'LAST SEEN (UTC)'];
    const body = report.remotes.map((r: AuditRow) => [
      r.peer ? 'PEER' : '',
      r.remote,
      r.protocol,
      r.remotePort === null ? '-' : String(r.remotePort),
      endpoint(r.local, r.localPort),
      String(r.packetsOut),
      String(r.packetsIn),
      String(r.bytesOut),
      String(r.bytesIn),
      formatTime(r.firstSeenUs),
      formatTime(r.lastSeenUs),
    ]);
    lines.push(...columns([header, ...body]));
  }
  if (report.notInvolvingSelf.length > 0) {
    lines.push('', 'Not involving self (check --self if this is your host\'s traffic):');
    lines.push(...columns(report.notInvolvingSelf.map((r) => [r.peer ? 'PEER' : '', `${r.a} <-> ${r.b}`, r.protocol, `${r.packets} packets`, `${r.bytes} bytes`])));
  }
  if (report.betweenSelf > 0) lines.push('', `Between self addresses: ${report.betweenSelf} packets`);
  const nonIp = Object.entries(report.nonIp);
  if (nonIp.length > 0) lines.push('', `Non-IP frames: ${nonIp.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (input.problems.length > 0) {
    lines.push('', 'Problems reading the capture (counts may be incomplete):');
    for (const p of input.problems) lines.push(`  offset ${p.offset}${p.frame !== undefined ? ` (frame ${p.frame})` : ''}: ${p.message}`);
    if (input.problemsOmitted > 0) lines.push(`  … and ${input.problemsOmitted} more`);
  }
  lines.push('', summaryLine(report));
  return lines;
}

/** The `--json` object: `remotes`, `peerPackets` and `problems` plus the rest of the report. */
export function reportJson(input: ReportInput): Record<string, unknown> {
  const { report } = input;
  return {
    file: input.file,
    format: input.format,
    self: report.self,
    peers: report.peers,
    packets: report.packets,
    ipPackets: report.ipPackets,
    remoteAddresses: report.remoteAddresses,
    peerPackets: report.peerPackets,
    remotes: report.remotes.map((r) => ({ ...r, firstSeen: isoTime(r.firstSeenUs), lastSeen: isoTime(r.lastSeenUs) })),
    notInvolvingSelf: report.notInvolvingSelf,
    betweenSelf: report.betweenSelf,
    nonIp: report.nonIp,
    problems: input.problems,
    problemsOmitted: input.problemsOmitted,
  };
}
