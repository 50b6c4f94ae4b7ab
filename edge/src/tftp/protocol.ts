/**
 * TFTP numbers, each with the RFC section that defines it.
 *
 * RFC 1350 (TFTP rev. 2), RFC 2347 (option extension), RFC 2348 (blksize),
 * RFC 2349 (timeout, tsize), RFC 7440 (windowsize), RFC 1123 §4.2 (host requirements).
 */

/** RFC 1350 §5 and RFC 2347 §2: the opcode is the first 2 octets of every packet. */
export const Opcode = {
  RRQ: 1,
  WRQ: 2,
  DATA: 3,
  ACK: 4,
  ERROR: 5,
  /** RFC 2347 §2: option acknowledgment. */
  OACK: 6,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** RFC 1350 appendix "Error Codes", plus code 8 from RFC 2347 §2. */
export const ErrorCode = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TRANSFER_ID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  /** RFC 2347 §2: "the transfer should be terminated due to option negotiation". */
  OPTION_NEGOTIATION_FAILED: 8,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** RFC 1350 §2: transfer modes (case-insensitive). We read files; "mail" is WRQ-only. */
export const Mode = { OCTET: 'octet', NETASCII: 'netascii', MAIL: 'mail' } as const;

/** RFC 1350 §2: DATA carries 512 octets unless blksize says otherwise. */
export const DEFAULT_BLKSIZE = 512;
/** RFC 2348 §2: "valid values range between 8 and 65464 octets, inclusive". */
export const BLKSIZE_MIN = 8;
export const BLKSIZE_MAX = 65464;
/** RFC 2349 §2 (timeout): "valid values range between 1 and 255 seconds, inclusive". */
export const TIMEOUT_MIN_S = 1;
export const TIMEOUT_MAX_S = 255;
/** RFC 7440 §3: "valid values range MUST be between 1 and 65535 blocks, inclusive". */
export const WINDOWSIZE_MIN = 1;
export const WINDOWSIZE_MAX = 65535;
/** RFC 2347 §2: the request packet (with its options) must not exceed 512 octets. */
export const REQUEST_MAX_OCTETS = 512;
/** RFC 1350 §5: opcode (2) + block number (2) precede the data of a DATA packet. */
export const DATA_HEADER_OCTETS = 4;
/** RFC 1350 §5: block numbers are 16 bits; after 65535 we wrap to 0 as tftp-hpa and iPXE do. */
export const BLOCK_NUMBER_MODULO = 65536;

/** Option names, compared case-insensitively (RFC 2347 §2). */
export const OptionName = {
  BLKSIZE: 'blksize',
  TSIZE: 'tsize',
  TIMEOUT: 'timeout',
  WINDOWSIZE: 'windowsize',
} as const;
