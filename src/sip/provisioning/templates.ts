import type { ProvisionedDevice, Vendor } from '../directory.js';

/** Where the phone should register: our SIP over TLS listener. */
export interface ProvisioningTarget {
  host: string;
  tlsPort: number;
  realm: string;
}

export interface ProvisioningFile {
  contentType: string;
  filename: string;
  body: string;
}

const xml = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const ini = (s: string): string => s.replace(/[\r\n]/g, ' ');

/**
 * Phone configuration files, one per vendor. Every format sets TLS transport and mandatory SRTP;
 * the secret appears only here (issue 5). Yealink: account.N.* keys (.cfg); Snom: XML settings;
 * Grandstream: P-value XML (P47 server, P35 user id, P36 auth id, P34 password, P130 transport 2=TLS,
 * P183 SRTP 1=enabled-and-forced); Polycom: polycomConfig XML (reg.N.*, sec.srtp.require);
 * generic: baresip `accounts` line plus linphone-style key=value.
 */
export function renderProvisioning(vendor: Vendor, d: ProvisionedDevice, t: ProvisioningTarget): ProvisioningFile {
  const server = `${t.host}:${t.tlsPort}`;
  switch (vendor) {
    case 'yealink':
      return {
        contentType: 'text/plain; charset=utf-8',
        filename: `parley-${d.extension}.cfg`,
        body: [
          '#!version:1.0.0.1',
          'account.1.enable = 1',
          `account.1.label = ${ini(d.extension)}`,
          `account.1.display_name = ${ini(d.displayName)}`,
          `account.1.user_name = ${ini(d.extension)}`,
          `account.1.auth_name = ${ini(d.authUser)}`,
          `account.1.password = ${ini(d.secret)}`,
          `account.1.sip_server.1.address = ${ini(t.host)}`,
          `account.1.sip_server.1.port = ${t.tlsPort}`,
          'account.1.sip_server.1.transport_type = 2',
          'account.1.srtp_encryption = 2',
          '',
        ].join('\n'),
      };
    case 'snom':
      return {
        contentType: 'application/xml; charset=utf-8',
        filename: `parley-${d.extension}.xml`,
        body: `<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings>
    <user_active idx="1" perm="">on</user_active>
    <user_realname idx="1" perm="">${xml(d.displayName)}</user_realname>
    <user_name idx="1" perm="">${xml(d.extension)}</user_name>
    <user_pname idx="1" perm="">${xml(d.authUser)}</user_pname>
    <user_pass idx="1" perm="">${xml(d.secret)}</user_pass>
    <user_host idx="1" perm="">${xml(server)};transport=tls</user_host>
    <user_srtp idx="1" perm="">on</user_srtp>
    <user_savp idx="1" perm="">mandatory</user_savp>
  </phone-settings>
</settings>
`,
      };
    case 'grandstream':
      return {
        contentType: 'application/xml; charset=utf-8',
        filename: `parley-${d.extension}.xml`,
        body: `<?xml version="1.0" encoding="UTF-8"?>
<gs_provision version="1">
  <config version="1">
    <P271>1</P271>
    <P270>${xml(d.extension)}</P270>
    <P47>${xml(server)}</P47>
    <P35>${xml(d.extension)}</P35>
    <P36>${xml(d.authUser)}</P36>
    <P34>${xml(d.secret)}</P34>
    <P3>${xml(d.displayName)}</P3>
    <P130>2</P130>
    <P183>1</P183>
  </config>
</gs_provision>
`,
      };
    case 'polycom':
      return {
        contentType: 'application/xml; charset=utf-8',
        filename: `parley-${d.extension}.cfg`,
        body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<polycomConfig>
  <reg reg.1.displayName="${xml(d.displayName)}" reg.1.address="${xml(d.extension)}" reg.1.auth.userId="${xml(d.authUser)}" reg.1.auth.password="${xml(d.secret)}" reg.1.server.1.address="${xml(t.host)}" reg.1.server.1.port="${t.tlsPort}" reg.1.server.1.transport="TLS" reg.1.srtp.enable="1"/>
  <sec sec.srtp.enable="1" sec.srtp.require="1" sec.srtp.offer="1"/>
</polycomConfig>
`,
      };
    case 'generic':
      return {
        contentType: 'text/plain; charset=utf-8',
        filename: `parley-${d.extension}.txt`,
        body: [
          // baresip (libre) refuses a sips: account AOR (ENOSYS at registration); sip: + transport=tls is TLS all the same.
          '# baresip ~/.baresip/accounts line:',
          `<sip:${d.extension}@${server};transport=tls>;auth_user=${ini(d.authUser)};auth_pass=${ini(d.secret)};mediaenc=srtp-mand;regint=600`,
          '# generic / linphone:',
          `username=${ini(d.extension)}`,
          `auth_username=${ini(d.authUser)}`,
          `password=${ini(d.secret)}`,
          `domain=${ini(t.realm)}`,
          `proxy=sips:${server};transport=tls`,
          'media_encryption=srtp',
          'media_encryption_mandatory=1',
          '',
        ].join('\n'),
      };
  }
}
