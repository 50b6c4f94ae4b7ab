/**
 * DHCP option codes and values the ProxyDHCP reads or writes, each with the section that
 * defines it. Codes are RFC 2132 unless noted.
 */
export const DhcpOption = {
  /** RFC 2132 §3.1: fills space, carries no length octet. */
  Pad: 0,
  /** RFC 2132 §8.4: vendor-specific information; PXE encapsulates its sub-options here (PXE 2.1 Table 2-1). */
  VendorSpecific: 43,
  /** RFC 2132 §9.3: the sname and/or file fields carry options too. */
  Overload: 52,
  /** RFC 2132 §9.6 */
  MessageType: 53,
  /** RFC 2132 §9.7 */
  ServerIdentifier: 54,
  /** RFC 2132 §9.8 */
  ParameterRequestList: 55,
  /** RFC 2132 §9.10 */
  MaximumMessageSize: 57,
  /** RFC 2132 §9.13: PXE clients send "PXEClient:Arch:xxxxx:UNDI:yyyzzz" (RFC 4578 §2, PXE 2.1 Table 2-1). */
  VendorClassIdentifier: 60,
  /** RFC 2132 §9.14 */
  ClientIdentifier: 61,
  /** RFC 2132 §9.5: used when a boot file name does not fit the 128-octet file field. */
  BootfileName: 67,
  /** RFC 3004 §4: iPXE sends the user class "iPXE". */
  UserClass: 77,
  /** RFC 4578 §2.1: client system architecture, one or more 16-bit types. */
  ClientSystemArchitecture: 93,
  /** RFC 4578 §2.2: client network device interface (UNDI type, major, minor). */
  ClientNetworkInterface: 94,
  /** RFC 4578 §2.3: client machine identifier (type 0 + 16-octet UUID/GUID). */
  ClientMachineIdentifier: 97,
  /**
   * IANA "Etherboot" (tentatively assigned): iPXE encapsulates its feature flags here, so its
   * presence means the client already runs iPXE.
   */
  IpxeEncapsulated: 175,
  /** RFC 2132 §3.2: marks the end of an options area. */
  End: 255,
} as const;

/** RFC 2132 §9.6: values of option 53. */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;

/** RFC 2131 §2: the op field. */
export const BootpOp = { Request: 1, Reply: 2 } as const;

/** RFC 2132 §9.3: values of option 52. */
export const OptionOverload = { File: 1, Sname: 2, Both: 3 } as const;

/** PXE 2.1 Table 2-1: sub-options inside option 43 when option 60 is "PXEClient". */
export const PxeVendorOption = {
  /** Bit field; see PxeDiscoveryControl. */
  DiscoveryControl: 6,
  DiscoveryMulticastAddress: 7,
  BootServers: 8,
  BootMenu: 9,
  MenuPrompt: 10,
  /** The client's chosen boot server type and layer (two 16-bit values). */
  BootItem: 71,
  End: 255,
} as const;

/** PXE 2.1 Table 2-1, PXE_DISCOVERY_CONTROL bits. */
export const PxeDiscoveryControl = {
  DisableBroadcastDiscovery: 1 << 0,
  DisableMulticastDiscovery: 1 << 1,
  OnlyListedBootServers: 1 << 2,
  /**
   * Bit 3: "if set, and a boot file name is present in the initial DHCP or ProxyDHCP offer
   * packet, download the boot file (do not prompt/menu/discover)".
   */
  UseBootFileFromOffer: 1 << 3,
} as const;

/** The vendor class prefix of a PXE client (PXE 2.1 Table 2-1; RFC 4578 §2). */
export const PXE_CLIENT_CLASS = 'PXEClient';

/** The user class iPXE sends in option 77 (RFC 3004 §4). */
export const IPXE_USER_CLASS = 'iPXE';

/** RFC 2131 §4.1 (and RFC 951 §5): the ports of DHCP servers and clients. */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** PXE 2.1: ProxyDHCP and boot servers on the same host listen for requests on 4011. */
export const PXE_BOOT_SERVER_PORT = 4011;
