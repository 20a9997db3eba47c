import type { ClientFacts, NetworkFacts } from '../../src/shield/types.js';
import type { AccountFacts } from '../../src/shield/shield.js';
import { Rng } from './rng.js';

/**
 * The simulated population: legitimate users on a contact graph, their networks, phones and
 * clients, including the hard cases. Numbers are stand-ins: residential ASes, hosting ASes (shared by
 * VPN users and spammers), blocks as opaque hashes, phone numbers libphonenumber accepts.
 */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export type LegitKind = 'regular' | 'announcer' | 'traveller' | 'vpn' | 'third_party' | 'organiser';

export interface Account {
  id: number;
  facts: AccountFacts;
  network: NetworkFacts;
  client: ClientFacts;
  /** Sends typing events (a setting); reads are always marked by the official app (multi-device sync). */
  typing: boolean;
  reads: boolean;
  /** Legit kind, or the attacker type. */
  kind: string;
  legit: boolean;
  contacts: Set<number>;
  /** Day-of-month the account joins (announcers), 0 for those there from the start. */
  joinsAt: number;
  groupChat?: number;
  groupMembers?: number[];
}

const COUNTRIES = [
  { cc: 'IT', lang: 'it-IT', phone: (r: Rng) => `+393${r.int(20, 49)}${r.int(1_000_000, 9_999_999)}`, asBase: 3000 },
  { cc: 'DE', lang: 'de-DE', phone: (r: Rng) => `+49151${r.int(10_000_000, 99_999_999)}`, asBase: 3100 },
  { cc: 'FR', lang: 'fr-FR', phone: (r: Rng) => `+336${r.int(10_000_000, 99_999_999)}`, asBase: 3200 },
  { cc: 'ES', lang: 'es-ES', phone: (r: Rng) => `+346${r.int(10_000_000, 99_999_999)}`, asBase: 3300 },
  { cc: 'GB', lang: 'en-GB', phone: (r: Rng) => `+447${r.int(400_000_000, 999_999_999)}`, asBase: 3400 },
  { cc: 'BR', lang: 'pt-BR', phone: (r: Rng) => `+55119${r.int(10_000_000, 99_999_999)}`, asBase: 3500 },
] as const;

export type Country = (typeof COUNTRIES)[number];
export const HOSTING_ASES = Array.from({ length: 30 }, (_, i) => 64_600 + i);
export const VPN_EXITS = ['NL', 'DE', 'US', 'GB', 'SE'];

export function country(rng: Rng): Country {
  return rng.pick(COUNTRIES);
}

export function residential(rng: Rng, c: Country, blockSeed?: number): NetworkFacts {
  const asn = c.asBase + rng.int(0, 19);
  return { country: c.cc, asn, hosting: false, vpn: false, blockHash: `r${asn}-${blockSeed ?? rng.int(0, 399)}` };
}

export function hostingNet(rng: Rng, vpn: boolean, asn = rng.pick(HOSTING_ASES)): NetworkFacts {
  return { country: rng.pick(VPN_EXITS), asn, hosting: true, vpn, blockHash: `h${asn}-${rng.int(0, 63)}` };
}

/** Mix of legit kinds (fractions of the population). */
export const LEGIT_MIX: Array<[LegitKind, number]> = [
  ['announcer', 0.015],
  ['traveller', 0.03],
  ['vpn', 0.03],
  ['third_party', 0.05],
  ['organiser', 0.01],
];

export interface World {
  accounts: Account[];
  legitIds: number[];
}

/** Builds the legit population and a clustered contact graph (mostly mutual, some one-way). */
export function buildWorld(rng: Rng, users: number, start: number): World {
  const accounts: Account[] = [];
  for (let id = 1; id <= users; id++) {
    let kind: LegitKind = 'regular';
    let x = rng.next();
    for (const [k, p] of LEGIT_MIX) {
      x -= p;
      if (x < 0) {
        kind = k;
        break;
      }
    }
    const c = country(rng);
    const announcer = kind === 'announcer';
    const joinsAt = announcer ? rng.int(1, 27) : 0;
    const createdAt = announcer ? start + joinsAt * DAY + rng.int(8, 20) * HOUR : start - rng.int(20, 1500) * DAY;
    const third = kind === 'third_party';
    accounts[id] = {
      id, kind, legit: true, joinsAt, contacts: new Set(),
      facts: { accountId: id, createdAt, phone: c.phone(rng) },
      network: kind === 'vpn' ? hostingNet(rng, true) : residential(rng, c),
      client: { client: third ? 'unofficial' : 'official', lang: rng.chance(0.9) ? c.lang : rng.pick(['en-US', 'en-GB', c.lang]) },
      typing: rng.chance(0.8),
      reads: third ? rng.chance(0.5) : true,
    };
  }
  // Clustered graph: neighbourhoods of 60 ids, ~18 contacts each, 90 % mutual.
  for (let id = 1; id <= users; id++) {
    const a = accounts[id]!;
    const want = a.kind === 'announcer' ? rng.int(30, 80) : rng.int(8, 28);
    for (let k = 0; k < want; k++) {
      const near = rng.chance(0.85);
      const other = near ? Math.min(users, Math.max(1, id + rng.int(-30, 30))) : rng.int(1, users);
      if (other === id) continue;
      a.contacts.add(other);
      // The announcer's contacts know the old number, not this account: one-way until they reply.
      if (a.kind !== 'announcer' && rng.chance(0.9)) accounts[other]!.contacts.add(id);
    }
  }
  let chat = 1;
  for (let id = 1; id <= users; id++) {
    const a = accounts[id]!;
    if (a.kind !== 'organiser') continue;
    // A club or class: contacts plus people from further away who joined through the organiser.
    const members = new Set<number>([...a.contacts].slice(0, 20));
    const size = rng.int(40, 150);
    while (members.size < size) members.add(rng.int(1, users));
    members.delete(id);
    a.groupChat = chat++;
    a.groupMembers = [...members];
  }
  return { accounts, legitIds: Array.from({ length: users }, (_, i) => i + 1) };
}
