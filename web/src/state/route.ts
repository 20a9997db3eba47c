// Client routes: the URL paths the web client understands, parsed into a `Route`. A pure function,
// apart from the Store, so the popstate handler, `navigate` and the initial route share one parser.

export type Route = { name: 'chats'; chatId?: number } | { name: 'settings'; section?: string } | { name: 'join'; chatId: number };

/** The route for a location path (`/chat/42`, `/join/7`, `/settings/devices`, anything else: the chat list). */
export function parseRoute(path: string): Route {
  const chat = /^\/chat\/(\d+)/.exec(path);
  if (chat) return { name: 'chats', chatId: Number(chat[1]) };
  const join = /^\/join\/(\d+)/.exec(path);
  if (join) return { name: 'join', chatId: Number(join[1]) };
  const settings = /^\/settings(?:\/([a-z-]+))?/.exec(path);
  if (settings) return settings[1] ? { name: 'settings', section: settings[1] } : { name: 'settings' };
  return { name: 'chats' };
}
