import { networkInterfaces } from 'node:os';

/**
 * The interface multicast deploys go out of: the one configured, else the one holding the
 * address the edge announces to the site (ProxyDHCP's server address, or the HTTP address
 * when it is a specific one). Undefined when neither names an interface of this machine.
 */
export function siteInterface(configured: string | undefined, addresses: readonly (string | undefined)[], interfaces = networkInterfaces()): string | undefined {
  if (configured) return configured;
  for (const address of addresses) {
    if (!address || address === '0.0.0.0' || address === '::') continue;
    for (const [name, entries] of Object.entries(interfaces)) {
      if (entries?.some((entry) => entry.address === address)) return name;
    }
  }
  return undefined;
}
