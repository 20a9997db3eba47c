import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coturnLogLine } from './supervisor.js';

describe('coturn log lines', () => {
  const secret = 'ab'.repeat(32);
  it('strips the timestamp prefix and drops blank lines', () => {
    assert.equal(coturnLogLine('0: : Relay address to use: 127.0.0.1', [secret]), 'Relay address to use: 127.0.0.1');
    assert.equal(coturnLogLine('12: INFO: session 001 closed', [secret]), 'session 001 closed');
    assert.equal(coturnLogLine('0: : ', [secret]), null);
  });
  it('drops any line carrying the secret or naming the auth secret, whole', () => {
    assert.equal(coturnLogLine(`0: : CONFIG: static-auth-secret=${secret}`, [secret]), null);
    assert.equal(coturnLogLine(`0: : something ${secret} something`, [secret]), null);
    assert.equal(coturnLogLine('0: : Static-Auth-Secret set', [secret]), null);
  });
});
