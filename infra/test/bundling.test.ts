import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMarrowApp } from './marrow-app';

// The one test that runs esbuild for real (~5 s): the Lambda entry bundles offline, as ESM
// with the require() banner and a source map, and the runtime's AWS SDK stays external.
describe('API function bundling', () => {
  const { app, api } = buildMarrowApp({ bundle: true });
  // The assembly (a temp dir) holds a ~2 MB bundle; don't leave one behind per run.
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

  it('bundles lambdas/src/entry/lambda.ts into an ESM index.mjs with a source map', () => {
    const template = Template.fromStack(api);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs22.x' });

    const outdir = app.outdir;
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(outdir, name))
      .filter((dir) => existsSync(path.join(dir, 'index.mjs')));
    expect(bundles).toHaveLength(1);
    const [dir] = bundles;

    const code = readFileSync(path.join(dir!, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(
      true,
    );
    const map = JSON.parse(readFileSync(path.join(dir!, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.includes('lambdas/src/entry/lambda.ts'))).toBe(true);
    // @aws-sdk/* is provided by the nodejs22.x runtime, so none of it may be inlined.
    expect(map.sources.filter((s) => s.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });
});
