/**
 * A machine's PXE boot as the edge sees it over HTTP: the iPXE script it serves the MAC, and
 * the imaging session token that script hands the imaging environment (marrow.token=…).
 */

/** The iPXE script the edge serves `mac` on a BIOS boot (what iPXE gets after the first stage). */
export async function fetchBootScript(edgeUrl: string, mac: string): Promise<string> {
  return (await fetch(`${edgeUrl}/boot.ipxe?mac=${mac}&platform=pcbios`)).text();
}

/** The imaging session token in a boot script, if the boot minted one. */
export function sessionToken(script: string): string | undefined {
  return /marrow\.token=([A-Za-z0-9_-]+)/.exec(script)?.[1];
}

/** A boot of `mac`: its script and the session token it minted (throws when it minted none). */
export async function bootSession(edgeUrl: string, mac: string): Promise<{ script: string; token: string }> {
  const script = await fetchBootScript(edgeUrl, mac);
  const token = sessionToken(script);
  if (!token) throw new Error(`no session token in:\n${script}`);
  return { script, token };
}
