import { DhcpOption, OptionOverload } from './dhcp-options';
import { addressFromOctets, type DhcpPacket, HeaderLayout, MAGIC_COOKIE } from './dhcp-packet';
import { DhcpDecodeError, type DhcpDecodeReason } from './errors';
import { concatenate, walkOptionArea } from './option-area';

export type DhcpDecodeResult = { ok: true; packet: DhcpPacket } | { ok: false; error: DhcpDecodeError };

/**
 * Reads one datagram as a DHCP message. Total: any byte sequence yields a packet or a
 * DhcpDecodeError, never a throw, and the work is linear in the datagram's length.
 *
 * - Fixed header: RFC 2131 §2, Figure 1; the magic cookie: RFC 2132 §2.
 * - Options: RFC 2132 §2–3 (pad, end, TLV), each length checked against its field.
 * - Option overload (52, RFC 2132 §9.3): read from the options field only; then the file
 *   field (value 1 or 3) and the sname field (2 or 3) are option areas too.
 * - Repeated options are concatenated in the order options, file, sname (RFC 3396).
 */
export function decodeDhcpPacket(datagram: Uint8Array): DhcpDecodeResult {
  if (datagram.length < HeaderLayout.options) {
    return failure('too-short', datagram.length, `${datagram.length} octets; a DHCP message has at least 240 (RFC 2131 §2)`);
  }
  for (let i = 0; i < MAGIC_COOKIE.length; i += 1) {
    if (datagram[HeaderLayout.magicCookie + i] !== MAGIC_COOKIE[i]) {
      return failure('bad-magic-cookie', HeaderLayout.magicCookie, 'the options field does not start with 99.130.83.99 (RFC 2132 §2)');
    }
  }

  const parts = new Map<number, Uint8Array[]>();
  const collect = (code: number, value: Uint8Array): void => {
    const list = parts.get(code);
    if (list) list.push(value);
    else parts.set(code, [value]);
  };
  const main = walkOptionArea(datagram, HeaderLayout.options, datagram.length, collect);
  if (!main.ok) return failure('truncated-option', main.offset, main.detail);

  let overload = 0;
  const overloadParts = parts.get(DhcpOption.Overload);
  if (overloadParts) {
    const value = concatenate(overloadParts);
    if (value.length !== 1 || value[0]! < OptionOverload.File || value[0]! > OptionOverload.Both) {
      return failure('bad-overload-option', HeaderLayout.options, 'option 52 must be one octet of 1, 2 or 3 (RFC 2132 §9.3)');
    }
    overload = value[0]!;
  }
  // RFC 2132 §9.3: option 52 counts only in the options field; elsewhere it is ignored.
  const collectOverloaded = (code: number, value: Uint8Array): void => {
    if (code !== DhcpOption.Overload) collect(code, value);
  };
  const fileEnd = HeaderLayout.file + HeaderLayout.fileLength;
  if (overload & OptionOverload.File) {
    const walk = walkOptionArea(datagram, HeaderLayout.file, fileEnd, collectOverloaded);
    if (!walk.ok) return failure('truncated-option', walk.offset, `in the file field: ${walk.detail}`);
  }
  const snameEnd = HeaderLayout.sname + HeaderLayout.snameLength;
  if (overload & OptionOverload.Sname) {
    const walk = walkOptionArea(datagram, HeaderLayout.sname, snameEnd, collectOverloaded);
    if (!walk.ok) return failure('truncated-option', walk.offset, `in the sname field: ${walk.detail}`);
  }

  const options = new Map<number, Uint8Array>();
  for (const [code, list] of parts) options.set(code, concatenate(list));

  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  return {
    ok: true,
    packet: {
      op: datagram[HeaderLayout.op]!,
      htype: datagram[HeaderLayout.htype]!,
      hlen: datagram[HeaderLayout.hlen]!,
      hops: datagram[HeaderLayout.hops]!,
      xid: view.getUint32(HeaderLayout.xid),
      secs: view.getUint16(HeaderLayout.secs),
      flags: view.getUint16(HeaderLayout.flags),
      ciaddr: addressFromOctets(datagram, HeaderLayout.ciaddr),
      yiaddr: addressFromOctets(datagram, HeaderLayout.yiaddr),
      siaddr: addressFromOctets(datagram, HeaderLayout.siaddr),
      giaddr: addressFromOctets(datagram, HeaderLayout.giaddr),
      chaddr: new Uint8Array(datagram.subarray(HeaderLayout.chaddr, HeaderLayout.chaddr + HeaderLayout.chaddrLength)),
      sname: overload & OptionOverload.Sname ? '' : nulTerminated(datagram, HeaderLayout.sname, snameEnd),
      file: overload & OptionOverload.File ? '' : nulTerminated(datagram, HeaderLayout.file, fileEnd),
      options,
    },
  };
}

function nulTerminated(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop += 1;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('latin1');
}

function failure(reason: DhcpDecodeReason, offset: number, detail: string): DhcpDecodeResult {
  return { ok: false, error: new DhcpDecodeError(reason, offset, detail) };
}
