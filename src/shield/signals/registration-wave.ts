/**
 * registration_wave: registrations from this address block in the current and previous hour, beyond
 * an allowance of 3 (a family or a small office signing up together).
 */
export function registrationWave(registrationsInBlock: number, allowance = 3): number {
  return Math.max(0, registrationsInBlock - allowance);
}
