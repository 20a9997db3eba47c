import { isIP } from 'node:net';
import type { Config } from '../kernel/config.js';
import { systemClock } from '../kernel/clock.js';
import { SipDirectory, VENDORS } from '../sip/directory.js';
import { SqlAddressBanStore } from '../sip/ban-store.js';
import { AddressBans } from '../shield/address-bans.js';
import { UsageError, type Command } from './usage.js';
import { out, flag, withDb } from './io.js';
import { advertisedHost, uriHost } from '../sip/hosts.js';

/** Base of provisioning links as phones will see them. */
export function provisioningBase(config: Readonly<Config>): string {
  return `https://${uriHost(advertisedHost(config.sip))}:${config.sip.provisioningPort}/provision/`;
}

const USAGE = [
  'parley sip extension add <username> <extension>',
  'parley sip extension list',
  'parley sip device add <extension> [--vendor yealink|snom|grandstream|polycom|generic] [--name NAME]',
  'parley sip device list [extension]',
  'parley sip device rotate <deviceId>',
  'parley sip device remove <deviceId>',
].join('\n       ');

/**
 * `parley sip …` (issue 5): extensions and devices. There is deliberately no way to set a device
 * secret: devices get generated secrets through their one-time provisioning link.
 */
export const sipCommand: Command = {
  name: 'sip',
  usage: 'sip extension add|list, device add|list|rotate|remove',
  summary: 'SIP extensions and provisioned devices',
  async run(config, args) {
    const [noun, verb, ...rest] = args;
    return withDb(config, async (db) => {
      const dir = new SipDirectory(db, systemClock, config.sip.realm, config.sip.provisioningTtlMs);
      const link = (token: string, expiresAt: number) => out(`provisioning link (one use, until ${new Date(expiresAt).toISOString()}):\n  ${provisioningBase(config)}${token}`);
      if (noun === 'extension' && verb === 'add') {
        const [username, extension] = rest;
        if (!username || !extension) throw new UsageError(`usage: ${USAGE}`);
        const e = await dir.addExtension(username, extension);
        out(`extension ${e.extension} → ${e.username}`);
        return 0;
      }
      if (noun === 'extension' && verb === 'list') {
        const rows = await dir.listExtensions();
        if (!rows.length) out('no extensions');
        for (const e of rows) out(`${e.extension.padEnd(16)} ${e.username.padEnd(32)} ${e.devices} device(s)`);
        return 0;
      }
      if (noun === 'device' && verb === 'add') {
        const extension = rest[0];
        if (!extension) throw new UsageError(`usage: ${USAGE}`);
        const vendor = flag(rest, 'vendor') ?? 'generic';
        if (!(VENDORS as readonly string[]).includes(vendor)) throw new UsageError(`--vendor must be one of ${VENDORS.join(', ')}`);
        const { device, token, expiresAt } = await dir.addDevice(extension, flag(rest, 'name') ?? 'Phone', vendor);
        out(`device ${device.id} for extension ${device.extension} (auth user ${device.authUser}, ${device.vendor})`);
        link(token, expiresAt);
        return 0;
      }
      if (noun === 'device' && verb === 'list') {
        const rows = await dir.listDevices(rest[0]);
        if (!rows.length) out('no devices');
        for (const d of rows) out(`${String(d.id).padStart(6)}  ${d.extension.padEnd(16)} ${d.authUser.padEnd(24)} ${d.vendor.padEnd(12)} ${d.provisioned ? 'provisioned' : 'waiting for provisioning'}  ${d.name}`);
        return 0;
      }
      if (noun === 'device' && (verb === 'rotate' || verb === 'remove')) {
        const id = Number(rest[0]);
        if (!Number.isInteger(id) || id < 1) throw new UsageError(`usage: ${USAGE}`);
        if (verb === 'remove') {
          await dir.removeDevice(id);
          out(`device ${id} removed; its secret no longer works`);
        } else {
          const { token, expiresAt } = await dir.rotate(id);
          out(`device ${id}: old secret revoked`);
          link(token, expiresAt);
        }
        return 0;
      }
      throw new UsageError(`usage: ${USAGE}`);
    });
  },
};

/** An IPv4 or IPv6 address (as opposed to an account id or username). */
export function isAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/** Address bans (`parley admin bans list|lift <address>`): brute force and scanners (issue 5). */
export async function addressBansAdmin(config: Readonly<Config>, verb: 'list' | 'lift', rest: string[]): Promise<number> {
  return withDb(config, async (db) => {
    const bans = new AddressBans({ ...config.sip.bans }, new SqlAddressBanStore(db), systemClock);
    await bans.load();
    if (verb === 'list') {
      const rows = bans.list();
      if (!rows.length) out('no address bans');
      for (const b of rows) out(`${b.address.padEnd(40)} ${b.reason.padEnd(22)} until ${new Date(b.until).toISOString()}  offences ${b.offences}`);
      return 0;
    }
    const lifted = await bans.lift(rest[0]!);
    out(lifted ? `address ${rest[0]} unbanned` : `address ${rest[0]} was not banned (history cleared)`);
    return 0;
  });
}
