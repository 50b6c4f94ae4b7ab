/**
 * The TFTP server's one port: where the bytes of a requested file come from. Adapters:
 * a jailed directory, explicitly mapped files, generated content, and a composite that
 * tries several in order. Every adapter passes `file-source.contract.ts`.
 */

/** Who is asking, so a source can generate per-client content (e.g. a per-MAC config). */
export interface TftpRequestContext {
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** One opened file for the length of one transfer. */
export interface TftpFile {
  /** Size in octets, known before the first block is sent (RFC 2349 tsize). */
  readonly size: number;
  /**
   * Reads up to `length` octets at `position` into `target` at `offset`; resolves with the
   * number read, which is less than `length` only at the end of the file.
   */
  read(target: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Releases the file (a descriptor, a buffer); called once when the transfer ends. */
  close(): Promise<void>;
}

export interface TftpFileSource {
  /**
   * Resolves a requested name, exactly as the client sent it, to an opened file. Throws
   * `TftpFileNotFoundError` when the source does not have it (a composite then asks the
   * next source) or `TftpAccessViolationError` when the name is refused outright.
   */
  open(name: string, context: TftpRequestContext): Promise<TftpFile>;
}
