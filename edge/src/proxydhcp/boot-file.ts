import { bootFileKindOf, type BootFileKind } from './client-architecture';
import type { ProxyDhcpConfig } from './proxy-dhcp-config';
import type { PxeClient } from './pxe-client';

export type BootFileChoice =
  | { found: true; file: string; kind: BootFileKind | 'ipxe-script' }
  | { found: false; architecture: number | undefined };

/**
 * What a PXE client should load next. A client already running iPXE gets the HTTP boot
 * script, whatever its firmware: giving it an iPXE binary again would chainload forever.
 * Any other client gets the iPXE binary built for its firmware (RFC 4578 §2.1 type), or
 * nothing when Marrow has none for it.
 */
export function chooseBootFile(client: PxeClient, config: ProxyDhcpConfig): BootFileChoice {
  if (client.isIpxe) return { found: true, file: config.httpBootUrl, kind: 'ipxe-script' };
  const kind = client.architecture === undefined ? undefined : bootFileKindOf(client.architecture);
  const file = kind === undefined ? undefined : config.bootFiles[kind];
  if (kind === undefined || file === undefined) return { found: false, architecture: client.architecture };
  return { found: true, file, kind };
}
