import { BootpOp, DhcpMessageType, DhcpOption, PxeVendorOption } from '../dhcp-options';
import {
  BROADCAST_FLAG,
  type DhcpPacket,
  ETHERNET_ADDRESS_LENGTH,
  HTYPE_ETHERNET,
  latin1Octets,
  octetsOfAddress,
} from '../dhcp-packet';

/**
 * DHCP requests shaped like the ones real PXE clients send: the options, their order and
 * values follow what these firmwares put on the wire (iPXE's dhcp_request_options and
 * dhcp_create_request, EDK2's PxeBcDhcp4 seed packet, the Intel PXE 2.1 ROM). Used by the
 * unit tests, the fuzzer's seeds and the e2e test's raw client.
 */
export interface ClientShape {
  mac?: string;
  xid?: number;
  messageType?: number;
  /** Set for requests made once the client has an address (port 4011). */
  ciaddr?: string;
  /** Option 54, for DHCPREQUESTs. */
  serverIdentifier?: string;
  /** Option 43 sub-option 71, for boot server requests. */
  bootItem?: { type: number; layer: number };
}

export const SAMPLE_MAC = '52:54:00:77:00:10';
const SAMPLE_UUID = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);

/** SeaBIOS with QEMU's iPXE NIC ROM: already iPXE (option 175, user class "iPXE"), arch 0. */
export function seabiosIpxeRom(shape: ClientShape = {}): DhcpPacket {
  return request(shape, 0, [
    [DhcpOption.MaximumMessageSize, u16(1472)],
    [DhcpOption.ClientSystemArchitecture, u16(0)],
    [DhcpOption.ClientNetworkInterface, Uint8Array.of(1, 2, 1)],
    [DhcpOption.VendorClassIdentifier, text('PXEClient:Arch:00000:UNDI:002001')],
    [DhcpOption.UserClass, text('iPXE')],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203)],
    // iPXE's feature list: PXE extensions, HTTP, DNS, TFTP, bzImage, ELF, version 1.0.0.
    [DhcpOption.IpxeEncapsulated, Uint8Array.of(0xb1, 0x05, 0x01, 0x80, 0x86, 0x10, 0x0e, 0x13, 0x01, 0x01, 0x17, 0x01, 0x01, 0x15, 0x01, 0x01, 0x18, 0x01, 0x01, 0x12, 0x01, 0x01, 0xeb, 0x03, 0x01, 0x00, 0x00)],
  ], SAMPLE_UUID);
}

/** OVMF's own PXE (NIC with romfile=): arch 7, UNDI 3.0, option 97 all zeros, no 175. */
export function ovmfFirmware(shape: ClientShape = {}): DhcpPacket {
  return request(shape, BROADCAST_FLAG, [
    [DhcpOption.MaximumMessageSize, u16(1472)],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135)],
    [DhcpOption.ClientNetworkInterface, Uint8Array.of(1, 3, 0)],
    [DhcpOption.ClientSystemArchitecture, u16(7)],
    [DhcpOption.VendorClassIdentifier, text('PXEClient:Arch:00007:UNDI:003000')],
  ], new Uint8Array(16));
}

/** A legacy BIOS PXE 2.1 ROM (Intel Boot Agent style): arch 0, no iPXE options. */
export function legacyBiosPxeRom(shape: ClientShape = {}): DhcpPacket {
  return request(shape, BROADCAST_FLAG, [
    [DhcpOption.MaximumMessageSize, u16(1260)],
    [DhcpOption.ClientSystemArchitecture, u16(0)],
    [DhcpOption.ClientNetworkInterface, Uint8Array.of(1, 2, 1)],
    [DhcpOption.VendorClassIdentifier, text('PXEClient:Arch:00000:UNDI:002001')],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135)],
  ], SAMPLE_UUID);
}

/** snponly.efi after the chainload: iPXE on x86-64 UEFI. */
export function ipxeOnEfi(shape: ClientShape = {}): DhcpPacket {
  return request(shape, 0, [
    [DhcpOption.MaximumMessageSize, u16(1472)],
    [DhcpOption.ClientSystemArchitecture, u16(7)],
    [DhcpOption.ClientNetworkInterface, Uint8Array.of(1, 3, 10)],
    [DhcpOption.VendorClassIdentifier, text('PXEClient:Arch:00007:UNDI:003010')],
    [DhcpOption.UserClass, text('iPXE')],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203)],
    [DhcpOption.IpxeEncapsulated, Uint8Array.of(0x13, 0x01, 0x01, 0x17, 0x01, 0x01)],
  ], SAMPLE_UUID);
}

/** A UEFI PXE client of an arbitrary architecture type (RFC 4578 §2.1). */
export function uefiPxeClient(architecture: number, shape: ClientShape = {}): DhcpPacket {
  const arch = String(architecture).padStart(5, '0');
  return request(shape, BROADCAST_FLAG, [
    [DhcpOption.ClientNetworkInterface, Uint8Array.of(1, 3, 0)],
    [DhcpOption.ClientSystemArchitecture, u16(architecture)],
    [DhcpOption.VendorClassIdentifier, text(`PXEClient:Arch:${arch}:UNDI:003000`)],
  ], SAMPLE_UUID);
}

/** busybox udhcpc: an ordinary DHCP client (vendor class "udhcp …"). */
export function busyboxUdhcpc(shape: ClientShape = {}): DhcpPacket {
  return request(shape, 0, [
    [DhcpOption.MaximumMessageSize, u16(576)],
    [DhcpOption.VendorClassIdentifier, text('udhcp 1.36.1')],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 3, 6, 12, 15, 28, 42)],
  ]);
}

/** Windows' DHCP client. */
export function windowsClient(shape: ClientShape = {}): DhcpPacket {
  return request(shape, 0, [
    [DhcpOption.VendorClassIdentifier, text('MSFT 5.0')],
    [DhcpOption.ParameterRequestList, Uint8Array.of(1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252)],
  ]);
}

function request(
  shape: ClientShape,
  flags: number,
  clientOptions: Array<[number, Uint8Array]>,
  uuid?: Uint8Array,
): DhcpPacket {
  const mac = macOctets(shape.mac ?? SAMPLE_MAC);
  const options = new Map<number, Uint8Array>([[DhcpOption.MessageType, Uint8Array.of(shape.messageType ?? DhcpMessageType.Discover)]]);
  if (shape.serverIdentifier) options.set(DhcpOption.ServerIdentifier, octetsOfAddress(shape.serverIdentifier)!);
  for (const [code, value] of clientOptions) options.set(code, value);
  options.set(DhcpOption.ClientIdentifier, Uint8Array.of(HTYPE_ETHERNET, ...mac));
  if (uuid) options.set(DhcpOption.ClientMachineIdentifier, Uint8Array.of(0, ...uuid));
  if (shape.bootItem) {
    const { type, layer } = shape.bootItem;
    options.set(DhcpOption.VendorSpecific, Uint8Array.of(PxeVendorOption.BootItem, 4, type >> 8, type & 0xff, layer >> 8, layer & 0xff, PxeVendorOption.End));
  }
  const chaddr = new Uint8Array(16);
  chaddr.set(mac);
  return {
    op: BootpOp.Request,
    htype: HTYPE_ETHERNET,
    hlen: ETHERNET_ADDRESS_LENGTH,
    hops: 0,
    xid: shape.xid ?? 0x4d617277,
    secs: 4,
    flags,
    ciaddr: shape.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    sname: '',
    file: '',
    options,
  };
}

function macOctets(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(/[:-]/), (part) => parseInt(part, 16));
}

function u16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function text(value: string): Uint8Array {
  return latin1Octets(value);
}
