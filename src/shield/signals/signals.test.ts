import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountAge } from './account-age.js';
import { burst30s } from './burst.js';
import { strangersDay } from './strangers.js';
import { unofficialClient } from './unofficial-client.js';
import { noClientBehaviour } from './no-client-behaviour.js';
import { hostingNetwork } from './hosting.js';
import { vpnNetwork } from './vpn.js';
import { asReputation } from './as-reputation.js';
import { registrationWave } from './registration-wave.js';
import { phoneFacts, phoneNetworkCountry } from './phone.js';
import { voipNumber } from './voip.js';
import { langCountry } from './lang-country.js';
import { reporterWeight, spamReports } from './spam-reports.js';
import { blocksReceived } from './blocks.js';
import type { NetworkFacts } from '../types.js';

const DAY = 86_400_000;
const net = (p: Partial<NetworkFacts>): NetworkFacts => ({ country: 'IT', asn: 1, hosting: false, vpn: false, blockHash: 'b', ...p });

describe('shield signals', () => {
  it('account_age: 1 when new, 0.5 at 3.5 days, 0 from 7 days', () => {
    assert.equal(accountAge(0), 1);
    assert.equal(accountAge(-5), 1);
    assert.equal(accountAge(3.5 * DAY), 0.5);
    assert.equal(accountAge(7 * DAY), 0);
    assert.equal(accountAge(400 * DAY), 0);
  });
  it('burst_30s: counts messages beyond 8', () => {
    assert.equal(burst30s(3), 0);
    assert.equal(burst30s(8), 0);
    assert.equal(burst30s(20), 12);
  });
  it('strangers_day: counts distinct strangers beyond 5', () => {
    assert.equal(strangersDay(5), 0);
    assert.equal(strangersDay(20), 15);
    assert.equal(strangersDay(400), 20, "capped");
  });
  it('unofficial_client: only an unofficial identification fires', () => {
    assert.equal(unofficialClient({ client: 'unofficial', lang: null }), 1);
    assert.equal(unofficialClient({ client: 'official', lang: 'it-IT' }), 0);
    assert.equal(unofficialClient(null), 0);
  });
  it('no_client_behaviour: many messages and no typing/read events', () => {
    assert.equal(noClientBehaviour(5, 0), 1);
    assert.equal(noClientBehaviour(4, 0), 0);
    assert.equal(noClientBehaviour(50, 1), 0);
  });
  it('hosting_network and vpn_network follow the facts', () => {
    assert.equal(hostingNetwork(net({ hosting: true })), 1);
    assert.equal(hostingNetwork(net({})), 0);
    assert.equal(hostingNetwork(null), 0);
    assert.equal(vpnNetwork(net({ vpn: true })), 1);
    assert.equal(vpnNetwork(net({ hosting: true })), 0);
  });
  it('as_reputation: smoothed share banned above the base rate', () => {
    assert.equal(asReputation(0, 0), 0);
    assert.ok(asReputation(1, 1) < 0.05, 'one ban on a tiny AS stays small');
    const bad = asReputation(100, 50);
    assert.ok(bad > 0.38 && bad < 0.42, String(bad));
    assert.equal(asReputation(1000, 5), 0, 'below the base rate: nothing');
    assert.equal(asReputation(100, 50, 30 * DAY), bad / 2, 'established accounts: half');
  });
  it('registration_wave: registrations from the block beyond 3', () => {
    assert.equal(registrationWave(2), 0);
    assert.equal(registrationWave(10), 7);
  });
  it('phone: country and VOIP from libphonenumber max metadata', () => {
    assert.deepEqual(phoneFacts('+393331234567'), { country: 'IT', voip: false });
    assert.deepEqual(phoneFacts(null), { country: null, voip: false });
    assert.deepEqual(phoneFacts('not a number'), { country: null, voip: false });
    assert.equal(voipNumber(phoneFacts('+445612345678')), 1, 'UK 056 numbers are VOIP');
    assert.equal(voipNumber(phoneFacts('+447400123456')), 0);
  });
  it('phone_network_country: differs only when both are known', () => {
    assert.equal(phoneNetworkCountry('IT', 'DE'), 1);
    assert.equal(phoneNetworkCountry('IT', 'IT'), 0);
    assert.equal(phoneNetworkCountry(null, 'DE'), 0);
    assert.equal(phoneNetworkCountry('IT', null), 0);
  });
  it('lang_country: language region neither the network nor the phone country', () => {
    assert.equal(langCountry('pt-BR', 'IT', 'IT'), 1);
    assert.equal(langCountry('it-IT', 'DE', 'IT'), 0, 'a traveller matches the phone');
    assert.equal(langCountry('it-IT', 'IT', null), 0);
    assert.equal(langCountry('it', 'DE', null), 0, 'no region, no opinion');
    assert.equal(langCountry(null, 'DE', null), 0);
  });
  it('spam_reports: weight by solicitation and reporter age', () => {
    assert.equal(reporterWeight(true, 400 * DAY), 1);
    assert.equal(reporterWeight(false, 400 * DAY), 0.25);
    assert.equal(reporterWeight(true, 10 * DAY), 0.5);
    assert.equal(reporterWeight(true, 1 * DAY), 0.1);
    assert.equal(reporterWeight(true, null), 0.5);
    assert.equal(spamReports(3.5), 3.5);
  });
  it('blocks_received: weighted blockers beyond 2', () => {
    assert.equal(blocksReceived(2), 0);
    assert.equal(blocksReceived(6.5), 4.5);
  });
});
