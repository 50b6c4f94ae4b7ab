import { ErrorCode } from './protocol';

/**
 * One root class for the TFTP service's errors; `cause` is kept for the logs. Startup
 * errors carry a message written for the person running the appliance (the CLI prints it
 * as is); refusals carry the TFTP error code the client is answered with.
 */
export class TftpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The server could not start; the message says why and what to do. */
export class TftpStartupError extends TftpError {}

export class TftpPortInUseError extends TftpStartupError {
  constructor(address: string, port: number, options?: { cause?: unknown }) {
    super(`port ${port} on ${address} is already in use (another TFTP server?)`, options);
  }
}

export class TftpPortPermissionError extends TftpStartupError {
  constructor(port: number, options?: { cause?: unknown }) {
    super(`binding port ${port} needs root or CAP_NET_BIND_SERVICE`, options);
  }
}

export class TftpAddressUnavailableError extends TftpStartupError {
  constructor(address: string, options?: { cause?: unknown }) {
    super(`address ${address} is not an address of this machine`, options);
  }
}

export class TftpRootMissingError extends TftpStartupError {
  constructor(root: string, options?: { cause?: unknown }) {
    super(`TFTP root ${root} does not exist`, options);
  }
}

export class TftpRootNotDirectoryError extends TftpStartupError {
  constructor(root: string, options?: { cause?: unknown }) {
    super(`TFTP root ${root} is not a directory`, options);
  }
}

/**
 * A file source declined a request. Not a failure of the server: the client is answered
 * with `tftpCode` and `message` (RFC 1350 §5 ERROR), and the transfer never starts.
 */
export class TftpRefusalError extends TftpError {
  readonly tftpCode: ErrorCode = ErrorCode.NOT_DEFINED;
}

/** ERROR 1 (RFC 1350 appendix). */
export class TftpFileNotFoundError extends TftpRefusalError {
  override readonly tftpCode = ErrorCode.FILE_NOT_FOUND;
  constructor(name: string, options?: { cause?: unknown; detail?: string }) {
    super(`file not found: ${name}${options?.detail ? ` (${options.detail})` : ''}`, options);
  }
}

/** ERROR 2 (RFC 1350 appendix). */
export class TftpAccessViolationError extends TftpRefusalError {
  override readonly tftpCode = ErrorCode.ACCESS_VIOLATION;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`access violation: ${reason}`, options);
  }
}
