// The Store as the state/ helper modules see it (session.ts, sync.ts, apply.ts, actions.ts). The
// helpers are plain functions over this interface and never import the Store or each other: a call
// into another helper goes through the Store's method, so the imports stay a star without cycles
// (dependency-cruiser forbids cycles, type-only imports included).
import type { ParleyClient, Session, UpdateStream } from '../../../src/client/index.js';
import type { AccountView, BanView, ChatView, MemberView, MessageView } from '../../../src/protocol/views.js';
import type { ChannelUpdate, Update } from '../../../src/protocol/updates.js';
import type { CallsState } from '../calls/calls-state.js';
import type { Key } from '../i18n.js';
import type { Persistence } from './persistence.js';
import type { Route } from './route.js';
import type { ChatEntry, ConnState, LocalMessage, OutboxItem } from './types.js';

/** The Store's state and operations used by the helper modules (implemented by `Store`). */
export interface StoreCore {
  readonly client: ParleyClient;
  session: Session | null;
  conn: ConnState;
  booting: boolean;
  chats: Map<number, ChatEntry>;
  messages: Map<number, LocalMessage[]>;
  historyDone: Set<number>;
  outbox: OutboxItem[];
  typing: Map<number, Map<number, number>>;
  accounts: Map<number, AccountView>;
  members: Map<number, MemberView[]>;
  blocked: Set<number>;
  loggedOutReason: string | undefined;
  ban: BanView | null;
  route: Route;
  readonly calls: CallsState;
  readonly me: AccountView | undefined;

  // Internal state shared by the helpers (not for components).
  /** The account update log position the stored data covers. */
  pts: number;
  stream: UpdateStream | undefined;
  readonly persist: Persistence;
  /** The outbox is being sent (one flush at a time). */
  flushing: boolean;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Highest read mark sent per chat (each mark is sent once). */
  readSent: Map<number, number>;

  emit(): void;
  t(key: Key, vars?: Record<string, string | number>): string;
  navigate(path: string): void;
  showToast(text: string): void;
  touch(chatId: number): void;

  // Operations of the helper modules, dispatched through the Store.
  start(): Promise<void>;
  logout(reason?: string): Promise<void>;
  handleAuthError(err: unknown): boolean;
  enterBanned(): Promise<void>;
  fullLoad(): Promise<void>;
  connect(pts: number): void;
  catchUpChannel(chatId: number): Promise<void>;
  loadOlder(chatId: number): Promise<void>;
  loadMembers(chatId: number): Promise<void>;
  applyUpdate(u: Update): void;
  applyChannel(u: ChannelUpdate): void;
  mergeMessages(chatId: number, incoming: MessageView[]): void;
  upsertChat(view: ChatView): void;
  flushOutbox(): Promise<void>;
}
