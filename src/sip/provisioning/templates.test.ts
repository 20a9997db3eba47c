import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderProvisioning } from './templates.js';
import { VENDORS, generateSecret, type ProvisionedDevice } from '../directory.js';

const device = (vendor: ProvisionedDevice['vendor']): ProvisionedDevice => ({
  id: 1, extension: '101', authUser: '101-ab12c', name: 'Desk', vendor, provisioned: true,
  secret: generateSecret(), displayName: 'Zoë <"Ops"> & Co',
});
const target = { host: 'pbx.example.org', tlsPort: 5061, realm: 'parley' };

test('every vendor file parses and carries TLS, mandatory SRTP, the auth user and the secret', () => {
  for (const vendor of VENDORS) {
    const d = device(vendor);
    const file = renderProvisioning(vendor, d, target);
    assert.ok(file.body.includes(d.secret), `${vendor}: secret`);
    assert.ok(file.body.includes(d.authUser), `${vendor}: auth user`);
    if (file.contentType.startsWith('application/xml')) {
      assert.equal(XMLValidator.validate(file.body), true, `${vendor}: well-formed XML`);
      const xml = new XMLParser({ ignoreAttributes: false }).parse(file.body) as Record<string, unknown>;
      const text = JSON.stringify(xml);
      assert.ok(text.includes('Zoë <\\"Ops\\"> & Co'), `${vendor}: display name survives escaping`);
    } else {
      // Yealink .cfg / generic: key = value lines, none broken by the display name.
      for (const line of file.body.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('<'))) assert.match(line, /^[\w.]+ ?= ?.*$/, `${vendor}: ${line}`);
    }
  }
  const yealink = renderProvisioning('yealink', device('yealink'), target).body;
  assert.match(yealink, /account\.1\.sip_server\.1\.transport_type = 2/); // 2 = TLS
  assert.match(yealink, /account\.1\.srtp_encryption = 2/); // 2 = compulsory
  const gs = new XMLParser().parse(renderProvisioning('grandstream', device('grandstream'), target).body) as { gs_provision: { config: Record<string, unknown> } };
  assert.equal(gs.gs_provision.config.P130, 2);
  assert.equal(gs.gs_provision.config.P183, 1);
  const poly = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderProvisioning('polycom', device('polycom'), target).body) as { polycomConfig: { reg: Record<string, string>; sec: Record<string, string> } };
  assert.equal(poly.polycomConfig.reg['reg.1.server.1.transport'], 'TLS');
  assert.equal(poly.polycomConfig.sec['sec.srtp.require'], '1');
  assert.match(renderProvisioning('generic', device('generic'), target).body, /mediaenc=srtp-mand/);
});

test('generated secrets are long, from the documented alphabet, and never repeat', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const s = generateSecret();
    assert.match(s, /^[A-HJ-NP-Za-km-z2-9]{26}$/);
    seen.add(s);
  }
  assert.equal(seen.size, 2000);
  // 26 symbols from 56: log2(56^26) ≈ 151 bits ≥ 128 (issue 5).
  assert.ok(26 * Math.log2(56) >= 128);
});
