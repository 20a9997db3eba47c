import { headerValue, type SipMessage } from './parser/index.js';

/**
 * Fingerprints of SIP attack tools (issue 5: banned at the first packet). User-Agent strings of
 * SIPVicious (friendly-scanner, sipvicious), sipcli, sundayddr, iWar, VaxSIPUserAgent, SIPScan,
 * smap, sip-scan, pplsip; SIPVicious also puts "friendly-scanner" in From display names.
 */
const SCANNER_UA = /friendly-scanner|sipvicious|sipcli|sundayddr|iwar|vaxsipuseragent|sipscan|sip-scan|\bsmap\b|pplsip|sipsak-scanner|cisco-ai-scanner/i;

export function isScanner(msg: SipMessage): boolean {
  const ua = headerValue(msg, 'User-Agent') ?? '';
  if (SCANNER_UA.test(ua)) return true;
  const from = headerValue(msg, 'From') ?? '';
  return /friendly-scanner|sipvicious/i.test(from);
}
