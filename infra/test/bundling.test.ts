import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMarrowApp } from './marrow-app';

// The one test that runs esbuild for real (~5 s): every Lambda entry bundles offline, as ESM
// with the require() banner and a source map, and the runtime's AWS SDK stays external.
describe('Lambda bundling', () => {
  const { app, api, edgeLink, maintenance } = buildMarrowApp({ bundle: true });
  // The assembly (a temp dir) holds ~3 MB of bundles; don't leave them behind per run.
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

  /** The bundle (asset directory) whose source map includes `entry`. */
  function bundleOf(entry: string) {
    const outdir = app.outdir;
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(outdir, name))
      .filter((dir) => existsSync(path.join(dir, 'index.mjs.map')))
      .map((dir) => ({
        dir,
        code: readFileSync(path.join(dir, 'index.mjs'), 'utf8'),
        sources: (JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources,
      }));
    expect(bundles).toHaveLength(3);
    const matching = bundles.filter((b) => b.sources.some((s) => s.includes(entry)));
    expect(matching).toHaveLength(1);
    return matching[0]!;
  }

  it.each([
    ['the API', 'lambdas/src/entry/lambda.ts', () => Template.fromStack(api)],
    ['the IoT topic rules', 'lambdas/src/entry/iot-rule.ts', () => Template.fromStack(edgeLink)],
    ['the storage collection', 'lambdas/src/entry/storage-collection.ts', () => Template.fromStack(maintenance)],
  ])('bundles the entry of %s (%s) into an ESM index.mjs with a source map', (_what, entry, template) => {
    template().hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs22.x' });
    const { code, sources } = bundleOf(entry);
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    // @aws-sdk/* is provided by the nodejs22.x runtime, so none of it may be inlined.
    expect(sources.filter((s) => s.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });

  it('puts middy into the rules bundle and no web framework', () => {
    const { sources } = bundleOf('lambdas/src/entry/iot-rule.ts');
    expect(sources.some((s) => s.includes('node_modules/@middy/core/'))).toBe(true);
    expect(sources.filter((s) => s.includes('node_modules/hono/'))).toEqual([]);
  });
});
