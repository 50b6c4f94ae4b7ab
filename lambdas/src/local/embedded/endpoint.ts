/** An IPv6 literal needs brackets inside a URL ("http://[::1]:8000"). */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
