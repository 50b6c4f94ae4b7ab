/** Where the ProxyDHCP reports what it did; the daemon decides how much of it is kept. */
export interface ProxyDhcpLog {
  /** Routine silence: requests that are not for us (other DHCP clients, unreadable datagrams). */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A reply sent. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something an administrator should look at: a PXE client left unanswered, a send failure. */
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Drops everything; for tests and for callers that do not care. */
export const silentProxyDhcpLog: ProxyDhcpLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
