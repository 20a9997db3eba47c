import { defineErrors } from '../kernel/errors.js';

/** SIP administration errors (CLI and API); SIP wire errors are SIP status codes, not these. */
export const SipErrors = defineErrors({
  extension_invalid: { http: 400, ws: 4400, message: 'Extensions are 2–15 digits' },
  extension_taken: { http: 409, ws: 4409, message: 'That extension or account already has an extension' },
  extension_not_found: { http: 404, ws: 4404, message: 'No such extension' },
  sip_device_not_found: { http: 404, ws: 4404, message: 'No such SIP device' },
  vendor_invalid: { http: 400, ws: 4400, message: 'Unknown phone vendor (yealink, snom, grandstream, polycom, generic)' },
  provisioning_token_invalid: { http: 404, ws: 4404, message: 'Unknown, used or expired provisioning link' },
});
