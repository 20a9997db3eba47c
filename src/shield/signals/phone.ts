import parsePhoneNumber from 'libphonenumber-js/max';

/** The phone number's country and whether it is a VOIP number (libphonenumber-js, max metadata). */
export interface PhoneFacts {
  country: string | null;
  voip: boolean;
}

const cache = new Map<string, PhoneFacts>();

/** Parses once per number (parsing costs tens of µs; the score runs per message). */
export function phoneFacts(phone: string | null): PhoneFacts {
  if (!phone) return { country: null, voip: false };
  let f = cache.get(phone);
  if (!f) {
    let parsed;
    try {
      parsed = parsePhoneNumber(phone);
    } catch {
      parsed = undefined;
    }
    f = { country: parsed?.country ?? null, voip: parsed?.getType() === 'VOIP' };
    // Bounded: a full clear is crude but keeps memory flat; numbers re-parse on demand.
    if (cache.size >= 50_000) cache.clear();
    cache.set(phone, f);
  }
  return f;
}

/** phone_network_country: 1 when both are known and differ (travellers too, hence a small weight). */
export function phoneNetworkCountry(phoneCountry: string | null, networkCountry: string | null): number {
  return phoneCountry && networkCountry && phoneCountry !== networkCountry ? 1 : 0;
}
