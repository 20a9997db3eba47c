import { headerValue, headerValues, parseNameAddr, formatUri, type SipHeader, type SipRequest, type SipUri } from './parser/index.js';
import type { Flow } from './transport/flow.js';
import type { DeviceCredential } from './auth/authenticator.js';

/** One registered contact of an extension (RFC 3261 §10.3). */
export interface Binding {
  extension: string;
  deviceId: number;
  contact: SipUri;
  contactText: string;
  expiresAt: number;
  /** The flow the REGISTER arrived on: requests for this contact go back through it (NAT). */
  flow: Flow;
  instance: string | null;
  regId: string | null;
  /** Path vector of the REGISTER (RFC 3327 §5.3): Route set for requests to this contact. */
  path: string[];
}

export type RegisterResult =
  | { status: 200; headers: SipHeader[] }
  | { status: 400 | 403 | 423; headers: SipHeader[]; reason?: string };

/**
 * Location service and REGISTER processing (RFC 3261 §10.3), with outbound flows (RFC 5626 §6).
 * Bindings are soft state held in memory: phones re-register within their expiry.
 */
export class Registrar {
  private readonly byExtension = new Map<string, Binding[]>();

  constructor(private readonly limits: { minExpires: number; maxExpires: number }, private readonly now: () => number) {}

  /** Applies an authenticated REGISTER; the To user must be the device's own extension. */
  register(req: SipRequest, device: DeviceCredential, flow: Flow): RegisterResult {
    const to = parseNameAddr(headerValue(req, 'To') ?? '');
    if (!to.ok) return { status: 400, headers: [] };
    if (to.value.uri.user !== device.extension) return { status: 403, headers: [], reason: 'Forbidden' };
    const now = this.now();
    const defaultExpires = parseExpires(headerValue(req, 'Expires'));
    const contacts = headerValues(req, 'Contact');
    const path = headerValues(req, 'Path');
    const pathSupported = headerValues(req, 'Supported').some((v) => v.toLowerCase() === 'path');
    let list = this.live(device.extension, now);

    if (contacts.length === 1 && contacts[0] === '*') {
      // §10.3 step 6: "*" only with Expires: 0; removes all of this device's bindings.
      if (defaultExpires !== 0) return { status: 400, headers: [] };
      list = list.filter((b) => b.deviceId !== device.deviceId);
    } else {
      for (const text of contacts) {
        const c = parseNameAddr(text);
        if (!c.ok) return { status: 400, headers: [] };
        const asked = parseExpires(c.value.params.get('expires') ?? undefined) ?? defaultExpires ?? this.limits.maxExpires;
        if (asked !== 0 && asked < this.limits.minExpires) {
          return { status: 423, headers: [{ name: 'Min-Expires', value: String(this.limits.minExpires) }] };
        }
        const instance = c.value.params.get('+sip.instance') ?? null;
        const regId = c.value.params.get('reg-id') ?? null;
        const key = formatUri(c.value.uri);
        // Same contact, or same instance+reg-id (RFC 5626 §6): replace.
        // contactText is formatUri(contact), kept with the binding so it isn't re-serialised here.
        list = list.filter((b) => !(b.deviceId === device.deviceId && (b.contactText === key || (instance && b.instance === instance && b.regId === regId))));
        if (asked === 0) continue;
        const expires = Math.min(asked, this.limits.maxExpires);
        list.push({ extension: device.extension, deviceId: device.deviceId, contact: c.value.uri, contactText: key, expiresAt: now + expires * 1000, flow, instance, regId, path });
      }
    }
    if (list.length) this.byExtension.set(device.extension, list);
    else this.byExtension.delete(device.extension);

    const headers: SipHeader[] = list
      .filter((b) => b.deviceId === device.deviceId)
      .map((b) => ({ name: 'Contact', value: `<${b.contactText}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}` }));
    // RFC 3327 §5.3: echo the stored Path only to a UA that said it supports it.
    if (pathSupported && path.length) headers.push(...path.map((value) => ({ name: 'Path', value })));
    if (headerValues(req, 'Supported').some((s) => s.toLowerCase() === 'outbound') && list.some((b) => b.regId !== null && b.deviceId === device.deviceId)) {
      headers.push({ name: 'Require', value: 'outbound' });
      if (flow.transport !== 'UDP') headers.push({ name: 'Flow-Timer', value: '120' });
    }
    return { status: 200, headers };
  }

  /** Live bindings of an extension whose flows are still usable. */
  lookup(extension: string): Binding[] {
    return this.live(extension, this.now()).filter((b) => b.flow.isOpen());
  }

  /** Number of live bindings (metrics). */
  size(): number {
    let n = 0;
    for (const list of this.byExtension.values()) n += list.length;
    return n;
  }

  private live(extension: string, now: number): Binding[] {
    const list = this.byExtension.get(extension) ?? [];
    const alive = list.filter((b) => b.expiresAt > now);
    if (alive.length !== list.length) {
      if (alive.length) this.byExtension.set(extension, alive);
      else this.byExtension.delete(extension);
    }
    return alive;
  }
}

function parseExpires(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null || !/^\d{1,10}$/.test(text.trim())) return undefined;
  return Math.min(Number(text.trim()), 2 ** 31 - 1);
}
