/**
 * lang_country: 1 when the app language names a region (it-IT) that is neither the network's
 * country nor the phone's. A device set up for one country, on a number of a second, on a network of a
 * third is what SIM farms and emulators look like; a traveller still matches the phone.
 */
export function langCountry(lang: string | null, networkCountry: string | null, phoneCountry: string | null): number {
  const region = lang ? regionOf(lang) : undefined;
  if (!region || !networkCountry) return 0;
  return region !== networkCountry && region !== phoneCountry ? 1 : 0;
}

const regions = new Map<string, string | undefined>();

/** The tag's region, upper case; cached because the score runs per message and clients send few distinct tags. */
function regionOf(lang: string): string | undefined {
  if (regions.has(lang)) return regions.get(lang);
  const region = /^[a-z]{2,3}[-_]([A-Za-z]{2})\b/i.exec(lang)?.[1]?.toUpperCase();
  // Bounded: a full clear keeps memory flat if clients send arbitrary tags.
  if (regions.size >= 10_000) regions.clear();
  regions.set(lang, region);
  return region;
}
