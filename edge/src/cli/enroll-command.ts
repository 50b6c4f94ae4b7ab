import { parseArgs } from 'node:util';
import { credentialFile, loadEdgeConfig } from '../config/edge-config';
import { saveIdentity } from '../catalogue/credential-store';
import { enrol } from '../catalogue/enrol';

/** `marrow-edge enroll CODE --url URL [--config FILE]` */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, config: { type: 'string' } },
  });
  const code = positionals[0];
  if (!code || !values.url) {
    console.error('usage: marrow-edge enroll CODE --url https://control-plane [--config FILE]');
    return 2;
  }
  const config = loadEdgeConfig(values.config ?? process.env.MARROW_EDGE_CONFIG, process.env);
  const identity = await enrol(values.url, code);
  const file = credentialFile(config);
  await saveIdentity(file, identity);
  console.log(`Enrolled as imaging server "${identity.name}" (${identity.imagingServerId}).`);
  console.log(`Credential stored in ${file} (readable by this user only).`);
  return 0;
}
