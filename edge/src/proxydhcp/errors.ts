/**
 * ProxyDHCP's errors: one root, names ending in Error, causes kept. Messages are written for
 * the person running the appliance.
 */
export class ProxyDhcpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Why a datagram is not a DHCP message we can read (RFC 2131 §2, RFC 2132 §2–3). */
export type DhcpDecodeReason =
  | 'too-short'
  | 'bad-magic-cookie'
  | 'truncated-option'
  | 'bad-overload-option';

/** A datagram that is not a readable DHCP message. Returned by the decoder, never thrown. */
export class DhcpDecodeError extends ProxyDhcpError {
  constructor(
    readonly reason: DhcpDecodeReason,
    /** Offset in the datagram where reading stopped. */
    readonly offset: number,
    detail: string,
  ) {
    super(`not a DHCP message (${reason} at octet ${offset}): ${detail}`);
  }
}

/** A reply Marrow built cannot be written (a programming or configuration error). */
export class DhcpEncodeError extends ProxyDhcpError {}

/** The ProxyDHCP could not start; the message says why and what to do. */
export class ProxyDhcpStartupError extends ProxyDhcpError {}

/** The ProxyDHCP configuration is unusable; the message says which setting and why. */
export class ProxyDhcpConfigError extends ProxyDhcpStartupError {}

/** A port the ProxyDHCP needs is already bound by another program. */
export class ProxyDhcpPortInUseError extends ProxyDhcpStartupError {
  constructor(
    readonly address: string,
    readonly port: number,
    /** 'dhcp' is the DHCP server port (67), 'boot-server' the PXE boot server port (4011). */
    readonly service: 'dhcp' | 'boot-server',
    options?: { cause?: unknown },
  ) {
    super(
      service === 'dhcp'
        ? `port ${port} is in use (${address}:${port}) — the site's DHCP server or dnsmasq runs here; ` +
            `use the site DHCP's options 66/67 and turn ProxyDHCP off`
        : `port ${port} is in use (${address}:${port}) — another PXE boot server (dnsmasq in proxy mode, WDS) ` +
            `runs here; stop it or turn ProxyDHCP off`,
      options,
    );
  }
}

/** Binding a privileged port was refused. */
export class ProxyDhcpPortPermissionError extends ProxyDhcpStartupError {
  constructor(
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(`binding port ${port} needs root or CAP_NET_BIND_SERVICE`, options);
  }
}

/** The address to listen on or answer from is not an address of this machine. */
export class ProxyDhcpAddressUnavailableError extends ProxyDhcpStartupError {
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`address ${address} is not an address of this machine — give the edge's address on the PXE network`, options);
  }
}
