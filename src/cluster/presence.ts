/**
 * Which devices have a live update channel on this node (for ringing a callee's devices and for
 * ending calls whose device went away). In-process like MemoryBus; a Redis implementation joins nodes
 * later without touching its users. Never stored, never exposed to other accounts.
 */
export type PresenceListener = (change: { accountId: number; deviceId: number; online: boolean }) => void;

export interface Presence {
  /** Marks a device online; returns the function that marks it offline (a device may hold several channels). */
  online(accountId: number, deviceId: number): () => void;
  /** Online device ids of an account. */
  devices(accountId: number): number[];
  isOnline(deviceId: number): boolean;
  /** Called when a device's first channel opens or its last one closes. */
  onChange(listener: PresenceListener): () => void;
}

export class MemoryPresence implements Presence {
  /** deviceId → open channel count, per account. */
  private readonly byAccount = new Map<number, Map<number, number>>();
  private readonly deviceAccount = new Map<number, number>();
  private readonly listeners = new Set<PresenceListener>();

  online(accountId: number, deviceId: number): () => void {
    let devices = this.byAccount.get(accountId);
    if (!devices) this.byAccount.set(accountId, (devices = new Map()));
    const count = devices.get(deviceId) ?? 0;
    devices.set(deviceId, count + 1);
    this.deviceAccount.set(deviceId, accountId);
    if (count === 0) this.emit({ accountId, deviceId, online: true });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (devices.get(deviceId) ?? 1) - 1;
      if (left > 0) return void devices.set(deviceId, left);
      devices.delete(deviceId);
      this.deviceAccount.delete(deviceId);
      if (devices.size === 0) this.byAccount.delete(accountId);
      this.emit({ accountId, deviceId, online: false });
    };
  }

  devices(accountId: number): number[] {
    return [...(this.byAccount.get(accountId)?.keys() ?? [])];
  }

  isOnline(deviceId: number): boolean {
    return this.deviceAccount.has(deviceId);
  }

  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(change: { accountId: number; deviceId: number; online: boolean }): void {
    for (const l of this.listeners) l(change);
  }
}
