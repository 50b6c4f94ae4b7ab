/**
 * Marrow's TFTP service (read-only): RFC 1350 with options (RFC 2347), blksize (RFC 2348),
 * timeout and tsize (RFC 2349) and windowsize (RFC 7440). See README.md beside this file.
 */
export { DEFAULT_BUSY_POLL_MICROS, startTftpServer, type StartTftpServerParams, type TftpServer, type TftpServerOptions, type TftpStats } from './tftp-server';
export type { TftpFile, TftpFileSource, TftpRequestContext } from './file-source';
export { createDirectorySource } from './directory-source';
export { createMappedFilesSource } from './mapped-files-source';
export { createGeneratedSource, type TftpContentGenerator } from './generated-source';
export { createCompositeSource } from './composite-source';
export { bufferFile } from './buffer-file';
export { fetchTftp, TftpClientError, type FetchTftpOptions, type FetchTftpResult } from './tftp-client';
export type { TftpLog, TftpLogEntry } from './tftp-log';
export {
  TftpError,
  TftpStartupError,
  TftpPortInUseError,
  TftpPortPermissionError,
  TftpAddressUnavailableError,
  TftpRootMissingError,
  TftpRootNotDirectoryError,
  TftpRefusalError,
  TftpFileNotFoundError,
  TftpAccessViolationError,
} from './errors';
