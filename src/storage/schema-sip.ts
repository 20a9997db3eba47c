import type { Generated } from 'kysely';

/** Tables of migration 004 (SIP telephony and address bans). */
export interface SipSchema {
  sip_extensions: { extension: string; account_id: number; created_at: number };
  sip_devices: {
    id: Generated<number>;
    extension: string;
    auth_user: string;
    name: string;
    vendor: string;
    ha1_md5: string | null;
    ha1_sha256: string | null;
    provisioned_at: number | null;
    created_at: number;
    removed_at: number | null;
  };
  sip_provisioning_tokens: { token_hash: string; device_id: number; expires_at: number; used_at: number | null };
  address_bans: { address: string; reason: string; banned_at: number; until_at: number; offences: number };
}
