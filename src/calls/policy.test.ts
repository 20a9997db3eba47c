import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALL_SETTINGS, type CallSettingsView } from '../protocol/calls.js';
import { refusal, relayOnly, silenced, type CallFacts } from './policy.js';
import { Tombstones } from './tombstones.js';

const s = (o: Partial<CallSettingsView> = {}): CallSettingsView => ({ ...DEFAULT_CALL_SETTINGS, ...o });
const facts = (o: Partial<CallFacts> = {}): CallFacts => ({
  callerId: 1, calleeId: 2, caller: s(), callee: s(),
  calleeHasCaller: false, callerHasCallee: false, calleeBlockedCaller: false, callerBlockedCallee: false, ...o,
});

describe('call policy', () => {
  it('refuses by the callee\'s settings and by blocks either way', () => {
    assert.equal(refusal(facts()), null);
    assert.equal(refusal(facts({ calleeId: 1 })), 'self');
    assert.equal(refusal(facts({ calleeBlockedCaller: true })), 'blocked');
    assert.equal(refusal(facts({ callerBlockedCallee: true })), 'you_blocked');
    assert.equal(refusal(facts({ callee: s({ whoCanCall: 'nobody' }), calleeHasCaller: true })), 'nobody');
    assert.equal(refusal(facts({ callee: s({ whoCanCall: 'contacts' }) })), 'contacts_only');
    assert.equal(refusal(facts({ callee: s({ whoCanCall: 'contacts' }), calleeHasCaller: true })), null);
    // The caller's own "who can call me" does not limit whom it calls.
    assert.equal(refusal(facts({ caller: s({ whoCanCall: 'nobody' }) })), null);
  });

  it('derives relay-only per side from that side\'s settings and contacts only', () => {
    assert.equal(relayOnly(s(), false), false);
    assert.equal(relayOnly(s({ protectIp: true }), true), true);
    assert.equal(relayOnly(s({ p2pWith: 'nobody' }), true), true);
    assert.equal(relayOnly(s({ p2pWith: 'contacts' }), false), true);
    assert.equal(relayOnly(s({ p2pWith: 'contacts' }), true), false);
  });

  it('silences unknown callers only when the callee asked for it', () => {
    assert.equal(silenced(facts({ callee: s({ silenceUnknown: true }) })), true);
    assert.equal(silenced(facts({ callee: s({ silenceUnknown: true }), calleeHasCaller: true })), false);
    assert.equal(silenced(facts({ caller: s({ silenceUnknown: true }) })), false);
  });
});

describe('tombstones', () => {
  it('remember parties of ended calls for a while, bounded', () => {
    const t = new Tombstones(3, 1000);
    t.add('a', [1, 2], 0);
    assert.equal(t.wasParty('a', 1, 10), true);
    assert.equal(t.wasParty('a', 3, 10), false);
    assert.equal(t.wasParty('a', 2, 1001), false, 'expired');
    for (const id of ['b', 'c', 'd']) t.add(id, [1, 2], 20);
    assert.equal(t.size, 3);
    assert.equal(t.wasParty('a', 1, 20), false, 'evicted as the oldest');
    t.add('e', [1, 2], 2000);
    assert.equal(t.size, 1, 'expired entries go when a new one comes');
  });
});
