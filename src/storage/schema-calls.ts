import type { Generated } from 'kysely';

/** Tables of migration 005 (calls, issue 4). Booleans are 0/1, times epoch ms; never an address or a device id. */
export interface CallsSchema {
  call_settings: {
    account_id: number;
    protect_ip: number;
    p2p_with: 'everyone' | 'contacts' | 'nobody';
    who_can_call: 'everyone' | 'contacts' | 'nobody';
    silence_unknown: number;
    updated_at: number;
  };
  call_log: {
    id: Generated<number>;
    account_id: number;
    call_id: string;
    peer_id: number;
    direction: 'outgoing' | 'incoming';
    video: number;
    outcome: 'answered' | 'missed' | 'declined' | 'busy' | 'cancelled' | 'failed';
    silenced: number;
    started_at: number;
    answered_at: number | null;
    ended_at: number;
    duration_ms: number | null;
  };
}
