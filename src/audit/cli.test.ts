import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../src/audit/testdata/ether.pcap', import.meta.url));

/** Runs the real `parley audit` (compiled) without the caller's PARLEY_* settings. */
function audit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) env[k] = v;
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parley audit', () => {
  it('exit 0 and a table when no packet involves a peer', () => {
    const r = audit(FIXTURE, '--self', '192.0.2.2', '--self', '2001:db8::2', '--peer', '203.0.113.9');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), '2 remote addresses, 0 packets to/from peers');
    assert.ok(lines.some((l) => /^\s+192\.0\.2\.1\s+tcp\s+40000\s+192\.0\.2\.2:6000\s/.test(l)), r.stdout);
  });

  it('exit 3 and PEER rows when a peer appears', () => {
    const r = audit(FIXTURE, '--self', '192.0.2.2,2001:db8::2', '--peer', '192.0.2.1');
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stdout.split('\n').some((l) => l.startsWith('PEER') && l.includes('192.0.2.1')));
    assert.match(r.stdout.trim().split('\n').at(-1)!, /^2 remote addresses, [1-9][0-9]* packets to\/from peers$/);
  });

  it('--json prints one object with remotes, peerPackets and problems', () => {
    const r = audit(FIXTURE, '--self', '192.0.2.2', '--peer', '2001:DB8::1', '--json');
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const json = JSON.parse(lines[0]!) as { remotes: { remote: string }[]; peerPackets: number; problems: unknown[]; notInvolvingSelf: { a: string; peer: boolean }[] };
    assert.deepEqual(json.problems, []);
    assert.deepEqual([...new Set(json.remotes.map((x) => x.remote))], ['192.0.2.1']);
    // The IPv6 peer talks only to 2001:db8::2, not a --self here: still counted (a wrong --self must not hide it).
    assert.ok(json.peerPackets > 0);
    assert.ok(json.notInvolvingSelf.some((x) => x.peer));
  });

  it('exit 2 for usage errors', () => {
    assert.equal(audit(FIXTURE).code, 2);
    assert.equal(audit('--self', '10.0.0.1').code, 2);
    assert.equal(audit(FIXTURE, FIXTURE, '--self', '10.0.0.1').code, 2);
    const bad = audit(FIXTURE, '--self', '10.0.0.256');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not an IP address: 10\.0\.0\.256/);
    assert.equal(audit(FIXTURE, '--self', '10.0.0.1', '--frobnicate').code, 2);
  });

  it('exit 1 for a missing file or one that is not a capture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-audit-'));
    try {
      const missing = audit(join(dir, 'nope.pcap'), '--self', '10.0.0.1');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read/);
      writeFileSync(join(dir, 'text.pcap'), 'hello, this is not a capture\n');
      const text = audit(join(dir, 'text.pcap'), '--self', '10.0.0.1');
      assert.equal(text.code, 1);
      assert.match(text.stderr, /not a pcap or pcapng/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
