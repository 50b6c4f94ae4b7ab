import { isIpv4Address, ZERO_ADDRESS } from './dhcp-packet';
import { ProxyDhcpConfigError } from './errors';

/** What the ProxyDHCP tells PXE clients. */
export interface ProxyDhcpConfig {
  /** This edge's IPv4 address on the PXE network: option 54 of every reply. */
  serverAddress: string;
  /** Where the iPXE binaries are served over TFTP: siaddr of every reply. */
  tftpServer: string;
  /** The iPXE script clients already running iPXE chain to, e.g. http://10.77.0.1:8080/boot.ipxe. */
  httpBootUrl: string;
  /** iPXE binaries (TFTP paths) by firmware; a firmware without one gets no answer. */
  bootFiles: BootFiles;
}

export interface BootFiles {
  /** x86 BIOS (RFC 4578 §2.1 type 0), e.g. Debian ipxe's undionly.kpxe. */
  bios: string;
  /** x86-64 UEFI (types 7 and 9): snponly.efi, or ipxe.efi for NICs without SNP. */
  efiX64: string;
  /** 32-bit UEFI (type 6). */
  efiIa32?: string;
  /** ARM64 UEFI (type 11). */
  arm64?: string;
}

/**
 * The handler's port: where it reads the current configuration. The daemon may swap the
 * answer when the entity's catalogue changes; the handler reads it per request.
 */
export interface ProxyDhcpConfigReader {
  proxyDhcpConfig(): ProxyDhcpConfig;
}

/** A reader that always answers the same (checked, frozen) configuration. */
export function fixedProxyDhcpConfig(config: ProxyDhcpConfig): ProxyDhcpConfigReader {
  const checked = checkProxyDhcpConfig(config);
  return { proxyDhcpConfig: () => checked };
}

/** The configuration, frozen, or a ProxyDhcpConfigError naming the first bad setting. */
export function checkProxyDhcpConfig(config: ProxyDhcpConfig): ProxyDhcpConfig {
  for (const field of ['serverAddress', 'tftpServer'] as const) {
    if (!isIpv4Address(config[field]) || config[field] === ZERO_ADDRESS) {
      throw new ProxyDhcpConfigError(`ProxyDHCP ${field} "${config[field]}" is not a usable IPv4 address`);
    }
  }
  let url: URL;
  try {
    url = new URL(config.httpBootUrl);
  } catch (cause) {
    throw new ProxyDhcpConfigError(`ProxyDHCP httpBootUrl "${config.httpBootUrl}" is not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyDhcpConfigError(`ProxyDHCP httpBootUrl "${config.httpBootUrl}" must be http:// or https://`);
  }
  const bootFiles: BootFiles = { bios: config.bootFiles.bios, efiX64: config.bootFiles.efiX64 };
  for (const [kind, file] of Object.entries(config.bootFiles) as Array<[keyof BootFiles, string | undefined]>) {
    if (file === undefined) continue;
    // Boot file names travel as NVT ASCII in the file field or option 67 (RFC 2132 §9.5).
    if (!/^[\x21-\x7e]{1,255}$/.test(file)) {
      throw new ProxyDhcpConfigError(`ProxyDHCP boot file for ${kind} "${file}" must be 1–255 printable ASCII characters`);
    }
    bootFiles[kind] = file;
  }
  return Object.freeze({
    serverAddress: config.serverAddress,
    tftpServer: config.tftpServer,
    httpBootUrl: config.httpBootUrl,
    bootFiles: Object.freeze(bootFiles),
  });
}
