import { DhcpOption } from './dhcp-options';

/**
 * Options as type-length-value triples (RFC 2132 §2): code 0 is a lone pad octet (§3.1),
 * code 255 ends the area (§3.2), every other code is followed by a length octet and that
 * many value octets. PXE's sub-options inside option 43 use the same layout (PXE 2.1
 * Table 2-1), so both are read and written here.
 */

export type AreaWalk = { ok: true } | { ok: false; offset: number; detail: string };

/**
 * Visits each option in bytes[start, end). Every step advances by at least one octet and
 * every length is checked against `end`, so any input terminates without throwing. An area
 * without an End option simply ends at `end`: clients that fill the field exactly exist.
 */
export function walkOptionArea(
  bytes: Uint8Array,
  start: number,
  end: number,
  visit: (code: number, value: Uint8Array) => void,
): AreaWalk {
  let offset = start;
  while (offset < end) {
    const code = bytes[offset]!;
    if (code === DhcpOption.Pad) {
      offset += 1;
      continue;
    }
    if (code === DhcpOption.End) return { ok: true };
    if (offset + 1 >= end) return { ok: false, offset, detail: `option ${code} has no length octet` };
    const length = bytes[offset + 1]!;
    const valueStart = offset + 2;
    if (valueStart + length > end) {
      return { ok: false, offset, detail: `option ${code} claims ${length} octets, ${end - valueStart} remain` };
    }
    visit(code, bytes.subarray(valueStart, valueStart + length));
    offset = valueStart + length;
  }
  return { ok: true };
}

/** RFC 3396: an option longer than 255 octets is split into consecutive instances. */
export const MAX_OPTION_LENGTH = 255;

/** Bytes of `options` as TLVs, long values split per RFC 3396, followed by End. */
export function writeOptionArea(options: Iterable<readonly [number, Uint8Array]>): Uint8Array {
  const chunks: number[] = [];
  for (const [code, value] of options) {
    if (value.length === 0) {
      chunks.push(code, 0);
      continue;
    }
    for (let at = 0; at < value.length; at += MAX_OPTION_LENGTH) {
      const part = value.subarray(at, at + MAX_OPTION_LENGTH);
      chunks.push(code, part.length, ...part);
    }
  }
  chunks.push(DhcpOption.End);
  return Uint8Array.from(chunks);
}

/** One new array holding the parts one after another (RFC 3396 concatenation). */
export function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
