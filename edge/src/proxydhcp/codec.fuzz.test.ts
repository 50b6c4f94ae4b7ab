import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeDhcpPacket } from './decode';
import type { DhcpPacket } from './dhcp-packet';
import { HeaderLayout, MAGIC_COOKIE } from './dhcp-packet';
import { encodeDhcpPacket, fitsHeaderField } from './encode';
import { DhcpDecodeError } from './errors';
import { createProxyDhcpHandler } from './handler';
import { fixedProxyDhcpConfig } from './proxy-dhcp-config';
import { silentProxyDhcpLog } from './proxy-dhcp-log';
import {
  busyboxUdhcpc,
  ipxeOnEfi,
  legacyBiosPxeRom,
  ovmfFirmware,
  seabiosIpxeRom,
  uefiPxeClient,
} from './testdata/pxe-clients';

/**
 * The decoder is total: random datagrams and mutations of real clients' requests either
 * decode or come back as a DhcpDecodeError. Whatever decodes re-encodes to the same packet,
 * and the handler answers it without throwing. The seed is fixed so a failure replays;
 * MARROW_FUZZ_SEED explores other sequences.
 */
const SEED = Number(process.env.MARROW_FUZZ_SEED ?? 0x6d61726f);
const RANDOM_DATAGRAMS = 10_000;
const MUTATED_DATAGRAMS = 40_000;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (below: number): number => Math.floor(random() * below);

function randomBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, () => int(256));
}

/** Real requests, plus one with overloaded file and sname fields, as seeds for mutation. */
function seeds(): Uint8Array[] {
  const packets: DhcpPacket[] = [
    seabiosIpxeRom(),
    ovmfFirmware(),
    legacyBiosPxeRom(),
    ipxeOnEfi({ messageType: 3, ciaddr: '10.77.0.100', serverIdentifier: '10.77.0.2', bootItem: { type: 0, layer: 0 } }),
    uefiPxeClient(11),
    busyboxUdhcpc(),
  ];
  const encoded = packets.map(encodeDhcpPacket);
  const overloaded = new Uint8Array(encoded[0]!);
  overloaded.set([52, 1, 3, 255], HeaderLayout.options);
  overloaded.set([67, 13, ...Buffer.from('undionly.kpxe'), 255], HeaderLayout.file);
  overloaded.set([12, 4, ...Buffer.from('edge'), 255], HeaderLayout.sname);
  return [...encoded, overloaded];
}

function mutate(original: Uint8Array): Uint8Array {
  let bytes = new Uint8Array(original);
  const rounds = 1 + int(8);
  for (let round = 0; round < rounds; round += 1) {
    const at = bytes.length === 0 ? 0 : int(bytes.length);
    switch (int(8)) {
      case 0: // flip one bit
        if (bytes.length) bytes[at]! ^= 1 << int(8);
        break;
      case 1: // overwrite an octet
        if (bytes.length) bytes[at] = int(256);
        break;
      case 2: // an option length octet at an option-ish place
        if (bytes.length > HeaderLayout.options) bytes[HeaderLayout.options + int(bytes.length - HeaderLayout.options)] = int(256);
        break;
      case 3: // truncate
        bytes = bytes.subarray(0, int(bytes.length + 1));
        break;
      case 4: // extend with garbage
        bytes = Uint8Array.from([...bytes, ...randomBytes(int(64))]);
        break;
      case 5: // insert
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...randomBytes(1 + int(8)), ...bytes.subarray(at)]);
        break;
      case 6: // delete a range
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + int(16))]);
        break;
      default: // turn on overload with a random value
        if (bytes.length > HeaderLayout.options + 3) bytes.set([52, 1, int(5)], HeaderLayout.options);
    }
  }
  return bytes;
}

const config = fixedProxyDhcpConfig({
  serverAddress: '10.77.0.2',
  tftpServer: '10.77.0.2',
  httpBootUrl: 'http://10.77.0.2:8080/boot.ipxe',
  bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi', arm64: 'ipxe-arm64.efi' },
});
const handle = createProxyDhcpHandler({ config, log: silentProxyDhcpLog });

interface Tally {
  decoded: number;
  refused: number;
  answered: number;
}

function check(datagram: Uint8Array, tally: Tally): void {
  let result;
  try {
    result = decodeDhcpPacket(datagram);
  } catch (error) {
    throw new Error(`decoder threw on ${Buffer.from(datagram).toString('hex')} (seed ${SEED})`, { cause: error });
  }
  const context = () => `datagram ${Buffer.from(datagram).toString('hex')} (seed ${SEED})`;
  if (!result.ok) {
    if (!(result.error instanceof DhcpDecodeError)) throw new Error(`untyped decode error for ${context()}`);
    tally.refused += 1;
    return;
  }
  tally.decoded += 1;
  const packet = result.packet;
  let optionOctets = 0;
  for (const value of packet.options.values()) optionOctets += value.length;
  if (packet.chaddr.length !== 16 || optionOctets > datagram.length) throw new Error(`impossible lengths for ${context()}`);

  // Whatever decodes is a fixpoint of encode∘decode (when its names fit their fields).
  if (fitsHeaderField(packet.sname, HeaderLayout.snameLength) && fitsHeaderField(packet.file, HeaderLayout.fileLength)) {
    const again = decodeDhcpPacket(encodeDhcpPacket(packet));
    if (!again.ok || !isDeepStrictEqual(again.packet, packet)) throw new Error(`not a fixpoint: ${context()}`);
  }

  for (const service of ['dhcp', 'boot-server'] as const) {
    handle({ packet, service }, (reply) => {
      encodeDhcpPacket(reply);
      tally.answered += 1;
    });
  }
}

describe(`DHCP decoder fuzz (seed ${SEED})`, () => {
  it(`survives ${RANDOM_DATAGRAMS} random datagrams`, () => {
    const tally: Tally = { decoded: 0, refused: 0, answered: 0 };
    for (let i = 0; i < RANDOM_DATAGRAMS; i += 1) {
      const bytes = randomBytes(int(700));
      // Half of them get a cookie, so the option parser sees random options too.
      if (i % 2 === 0 && bytes.length >= HeaderLayout.options) bytes.set(MAGIC_COOKIE, HeaderLayout.magicCookie);
      check(bytes, tally);
    }
    expect(tally.decoded + tally.refused).toBe(RANDOM_DATAGRAMS);
    expect(tally.decoded).toBeGreaterThan(0);
  });

  it(`survives ${MUTATED_DATAGRAMS} mutations of real clients' requests`, () => {
    const tally: Tally = { decoded: 0, refused: 0, answered: 0 };
    const corpus = seeds();
    for (let i = 0; i < MUTATED_DATAGRAMS; i += 1) check(mutate(corpus[i % corpus.length]!), tally);
    expect(tally.decoded + tally.refused).toBe(MUTATED_DATAGRAMS);
    // The mutations must exercise both outcomes and reach the handler's answers.
    expect(tally.decoded).toBeGreaterThan(MUTATED_DATAGRAMS / 10);
    expect(tally.refused).toBeGreaterThan(MUTATED_DATAGRAMS / 10);
    expect(tally.answered).toBeGreaterThan(0);
  });
});
