import type { OperationName } from '../../../src/protocol/routes.js';
import type { ActiveCall, CallPeer, IncomingCall } from '../../../src/client/calls/types.js';
import type { Key, Lang } from '../i18n.js';

/**
 * What the calls code needs from the app's Store. The Store satisfies it structurally; calls code
 * never imports the Store (not even its type), because the Store imports the calls state and
 * dependency-cruiser forbids cycles, type-only imports included.
 */
export interface CallsHost {
  readonly client: { call<T>(name: OperationName, params?: Record<string, unknown>): Promise<T> };
  readonly lang: Lang;
  /** Non-null while logged in. */
  readonly session: object | null;
  t(key: Key, vars?: Record<string, string | number>): string;
  /** Schedules a re-render of everything subscribed. */
  emit(): void;
  subscribe(fn: () => void): () => void;
  showToast(text: string): void;
  /** Logs out on a revoked/unauthorized session; true when it did. */
  handleAuthError(err: unknown): boolean;
  nameOf(accountId: number): string;
}

/** The calls state as the call screens see it (implemented by CallsState). */
export interface CallsView {
  readonly current: ActiveCall | null;
  readonly incoming: readonly IncomingCall[];
  /** No call being set up or running on this device. */
  readonly idle: boolean;
  readonly error: string | undefined;
  readonly devices: readonly MediaDeviceInfo[];
  readonly sinkId: string;
  start(peer: CallPeer, video: boolean): Promise<void>;
  accept(callId: string, video: boolean): Promise<void>;
  decline(callId: string): Promise<void>;
  hangup(): Promise<void>;
  toggleMute(): void;
  toggleCamera(): void;
  switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void>;
  setSpeaker(deviceId: string): void;
  loadDevices(): Promise<void>;
  dismiss(): void;
  clearError(): void;
  errorText(err: unknown): string;
}
