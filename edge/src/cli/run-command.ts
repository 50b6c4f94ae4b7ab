import { parseArgs } from 'node:util';
import { credentialFile, loadEdgeConfig } from '../config/edge-config';
import { loadIdentity } from '../catalogue/credential-store';
import { startEdge } from '../daemon';

/** `marrow-edge run [--config FILE]`: every boot service of this edge until SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
  const config = loadEdgeConfig(values.config ?? process.env.MARROW_EDGE_CONFIG, process.env);
  const identity = await loadIdentity(credentialFile(config));
  if (!identity) {
    console.error(`this edge is not enrolled yet: run "marrow-edge enroll CODE --url https://…" (looked in ${credentialFile(config)})`);
    return 1;
  }
  const log = { info: (m: string) => console.log(m), warn: (m: string) => console.warn(`warning: ${m}`) };
  const edge = await startEdge(config, identity, log);
  console.log(`Marrow edge "${identity.name}" is running.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await edge.close();
  return 0;
}
