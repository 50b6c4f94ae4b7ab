import { DhcpOption, IPXE_USER_CLASS, PXE_CLIENT_CLASS } from './dhcp-options';
import { clientHardwareAddress, type DhcpPacket, optionText } from './dhcp-packet';
import { bootItemOf, decodePxeVendorOptions, type PxeBootItem } from './pxe-vendor-options';

/** What a request tells about the PXE client that sent it. */
export interface PxeClient {
  hardwareAddress: string;
  /** Option 60 as sent, e.g. "PXEClient:Arch:00007:UNDI:003000". */
  vendorClass: string;
  /** RFC 4578 §2.1 type (first of option 93, else the Arch field of option 60); undefined if neither. */
  architecture: number | undefined;
  /** iPXE announces itself by user class "iPXE" (option 77) or its option 175. */
  isIpxe: boolean;
  /** Option 97 as sent (RFC 4578 §2.3), echoed in replies as PXE 2.1 asks. */
  machineIdentifier: Uint8Array | undefined;
  /** Option 43 sub-option 71 of a boot server request (PXE 2.1 Table 2-1). */
  bootItem: PxeBootItem | undefined;
}

const ARCH_IN_VENDOR_CLASS = /^PXEClient:Arch:(\d{5})/;

/**
 * The PXE client behind a request, or undefined when the sender is not one: PXE clients
 * send a vendor class that starts with "PXEClient" (PXE 2.1 Table 2-1, RFC 4578 §2).
 */
export function recognisePxeClient(packet: DhcpPacket): PxeClient | undefined {
  const vendorClass = optionText(packet, DhcpOption.VendorClassIdentifier);
  if (!vendorClass?.startsWith(PXE_CLIENT_CLASS)) return undefined;
  const vendorOptions = packet.options.get(DhcpOption.VendorSpecific);
  const decodedVendorOptions = vendorOptions ? decodePxeVendorOptions(vendorOptions) : undefined;
  return {
    hardwareAddress: clientHardwareAddress(packet),
    vendorClass,
    architecture: architectureOf(packet, vendorClass),
    isIpxe:
      packet.options.has(DhcpOption.IpxeEncapsulated) ||
      (optionText(packet, DhcpOption.UserClass)?.includes(IPXE_USER_CLASS) ?? false),
    machineIdentifier: packet.options.get(DhcpOption.ClientMachineIdentifier),
    bootItem: decodedVendorOptions ? bootItemOf(decodedVendorOptions) : undefined,
  };
}

/**
 * RFC 4578 §2.1: option 93 lists one or more 16-bit types; the first is the one the client
 * boots as. PXE 2.1 clients without option 93 still carry the type in option 60.
 */
function architectureOf(packet: DhcpPacket, vendorClass: string): number | undefined {
  const types = packet.options.get(DhcpOption.ClientSystemArchitecture);
  if (types && types.length >= 2 && types.length % 2 === 0) return (types[0]! << 8) | types[1]!;
  const match = ARCH_IN_VENDOR_CLASS.exec(vendorClass);
  return match ? Number(match[1]) : undefined;
}
