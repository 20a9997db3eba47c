import { auditFile } from '../audit/read-file.js';
import { canonicalAddresses } from '../audit/audit.js';
import { formatReport, reportJson } from '../audit/report.js';
import { UsageError, type Command } from './usage.js';
import { out } from './io.js';

const USAGE = 'audit <capture.pcap|pcapng> --self <addr> [--self <addr>…] [--peer <addr>…] [--json]';

/** Exit status when packets to or from a peer were found (0: none, 1: unreadable file, 2: usage). */
export const EXIT_PEER_PACKETS = 3;

interface AuditArgs {
  file: string;
  self: string[];
  peers: string[];
  json: boolean;
}

function parseArgs(args: string[]): AuditArgs {
  const self: string[] = [];
  const peers: string[] = [];
  const files: string[] = [];
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--self' || a === '--peer') {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs an address\nusage: parley ${USAGE}`);
      // `--self a,b` is accepted as well as repeating the flag.
      (a === '--self' ? self : peers).push(...v.split(',').filter(Boolean));
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\nusage: parley ${USAGE}`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError(`give exactly one capture file\nusage: parley ${USAGE}`);
  if (self.length === 0) throw new UsageError(`--self is required: the captured host's address(es)\nusage: parley ${USAGE}`);
  const s = canonicalAddresses(self);
  const p = canonicalAddresses(peers);
  const invalid = [...s.invalid, ...p.invalid];
  if (invalid.length > 0) throw new UsageError(`not an IP address: ${invalid.join(', ')}`);
  return { file: files[0]!, self: s.ok, peers: p.ok, json };
}

/**
 * `parley audit`: which remote addresses did the captured host exchange packets with? Used by the
 * call privacy tests (docs/audit.md): a protected call's capture must show the relay and never the
 * other party. Exit 0 when no packet went to or came from a `--peer`, 3 when some did.
 */
export const auditCommand: Command = {
  name: 'audit',
  usage: USAGE,
  summary: 'list remote addresses in a packet capture; exit 3 if a --peer appears',
  async run(_config, args) {
    const a = parseArgs(args);
    let result;
    try {
      result = await auditFile(a.file, { self: a.self, peers: a.peers });
    } catch (err) {
      process.stderr.write(`error: cannot read ${a.file}: ${(err as Error).message}\n`);
      return 1;
    }
    if (!result.format) {
      process.stderr.write(`error: ${a.file}: ${result.problems[0]?.message ?? 'not a pcap or pcapng capture'}\n`);
      return 1;
    }
    const input = { file: a.file, ...result };
    if (a.json) out(JSON.stringify(reportJson(input)));
    else for (const line of formatReport(input)) out(line);
    return result.report.peerPackets > 0 ? EXIT_PEER_PACKETS : 0;
  },
};
