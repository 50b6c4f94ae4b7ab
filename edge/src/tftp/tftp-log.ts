/**
 * What the TFTP service tells its host about itself. The daemon maps entries onto its own
 * logger; tests collect them. `event` is stable (e.g. "transfer-done"), `message` is for people.
 */
export interface TftpLogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly message: string;
  /** "address:port" of the client, when there is one. */
  readonly peer?: string;
  readonly file?: string;
  readonly [field: string]: unknown;
}

export type TftpLog = (entry: TftpLogEntry) => void;

export const silentLog: TftpLog = () => undefined;
