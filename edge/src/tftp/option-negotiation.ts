import { printable, type TftpOption } from './packet-codec';
import {
  BLKSIZE_MAX,
  BLKSIZE_MIN,
  DEFAULT_BLKSIZE,
  ErrorCode,
  OptionName,
  TIMEOUT_MAX_S,
  TIMEOUT_MIN_S,
  WINDOWSIZE_MAX,
  WINDOWSIZE_MIN,
} from './protocol';

/**
 * RFC 2347 option negotiation for a read request: which of the client's options we accept
 * and with what values. Options we do not know are ignored and never echoed (RFC 2347 §2);
 * if nothing is accepted there is no OACK and DATA 1 follows the request directly.
 *
 * Leniency, on purpose (every client must cope with an option left out of the OACK):
 * - a value that is not a plain decimal number ("abc", "-1", "1e3", 11+ digits) makes us
 *   ignore that option, as one below its RFC range does;
 * - tsize's value in a read request carries nothing (RFC 2349 §2 says the client sends 0),
 *   so any value is accepted: atftp 0.8 sends "tsize enable";
 * - an option named twice is ambiguous and fails the request with ERROR 8 (RFC 2347 §2).
 */

/** What the server allows; a client asking for more gets this much (RFC 2348 §2: "less than or equal"). */
export interface NegotiationLimits {
  /** Largest DATA payload we send, BLKSIZE_MIN..BLKSIZE_MAX. */
  readonly maxBlksize: number;
  /** Largest window (RFC 7440) we send before waiting for an ACK. */
  readonly maxWindowsize: number;
  /** Retransmission timeout when the client sends no timeout option. */
  readonly defaultTimeoutMs: number;
}

export interface NegotiatedOptions {
  readonly blksize: number;
  readonly windowsize: number;
  readonly timeoutMs: number;
  /** RFC 2349 §2 tsize was asked for: the OACK carries the file size. */
  readonly tsize: boolean;
  /** Accepted options in the client's order, with our values; tsize's value is filled in by `oackOptions`. */
  readonly accepted: readonly TftpOption[];
}

export type NegotiationResult =
  | { readonly ok: true; readonly options: NegotiatedOptions }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** Up to 10 decimal digits: anything else is not a number we negotiate with. */
function parseCount(value: string): number | null {
  return /^[0-9]{1,10}$/.test(value) ? Number(value) : null;
}

export function negotiateOptions(requested: readonly TftpOption[], limits: NegotiationLimits): NegotiationResult {
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs = limits.defaultTimeoutMs;
  let tsize = false;
  const accepted: TftpOption[] = [];
  const seen = new Set<string>();

  for (const { name, value } of requested) {
    if (seen.has(name)) return { ok: false, code: ErrorCode.OPTION_NEGOTIATION_FAILED, message: `option ${printable(name)} appears more than once` };
    seen.add(name);
    const known = name === OptionName.BLKSIZE || name === OptionName.TSIZE || name === OptionName.TIMEOUT || name === OptionName.WINDOWSIZE;
    if (!known) continue; // RFC 2347 §2: unknown options are ignored, not acknowledged.
    if (name === OptionName.TSIZE) {
      // RFC 2349 §2: in a read request the client sends 0 and we answer with the size.
      tsize = true;
      accepted.push({ name, value: '' });
      continue;
    }
    const n = parseCount(value);
    if (n === null) continue;
    switch (name) {
      case OptionName.BLKSIZE:
        // RFC 2348 §2: 8..65464; below 8 the option is ignored, above our limit we offer our limit.
        if (n < BLKSIZE_MIN) break;
        blksize = Math.min(n, limits.maxBlksize, BLKSIZE_MAX);
        accepted.push({ name, value: String(blksize) });
        break;
      case OptionName.TIMEOUT:
        // RFC 2349 §2 (timeout): 1..255 seconds; the server echoes the value it accepts.
        if (n < TIMEOUT_MIN_S || n > TIMEOUT_MAX_S) break;
        timeoutMs = n * 1000;
        accepted.push({ name, value: String(n) });
        break;
      case OptionName.WINDOWSIZE:
        // RFC 7440 §3: 1..65535 blocks; we may answer with a smaller window.
        if (n < WINDOWSIZE_MIN) break;
        windowsize = Math.min(n, limits.maxWindowsize, WINDOWSIZE_MAX);
        accepted.push({ name, value: String(windowsize) });
        break;
    }
  }
  return { ok: true, options: { blksize, windowsize, timeoutMs, tsize, accepted } };
}

/**
 * The OACK's options (RFC 2347 §2), empty when no OACK is to be sent. For an empty file
 * tsize is left out: "tsize 0" is correct, but curl (7.88) refuses it as "invalid tsize"
 * and aborts, while no client needs to be told that there is nothing to come.
 */
export function oackOptions(negotiated: NegotiatedOptions, fileSize: number): TftpOption[] {
  return negotiated.accepted.flatMap((o) => (o.name !== OptionName.TSIZE ? [o] : fileSize > 0 ? [{ name: o.name, value: String(fileSize) }] : []));
}
