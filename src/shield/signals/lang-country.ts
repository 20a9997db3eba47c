/**
 * lang_country: 1 when the app language names a region (it-IT) that is neither the network's
 * country nor the phone's. A device set up for one country, on a number of a second, on a network of a
 * third is what SIM farms and emulators look like; a traveller still matches the phone.
 */
export function langCountry(lang: string | null, networkCountry: string | null, phoneCountry: string | null): number {
  const region = lang ? /^[a-z]{2,3}[-_]([A-Za-z]{2})\b/i.exec(lang)?.[1]?.toUpperCase() : undefined;
  if (!region || !networkCountry) return 0;
  return region !== networkCountry && region !== phoneCountry ? 1 : 0;
}
