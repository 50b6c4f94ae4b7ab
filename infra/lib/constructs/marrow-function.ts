import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../nag-acknowledgements';
import { fromRepoRoot } from '../paths';

/**
 * What every Marrow Lambda function shares: a TypeScript entry under lambdas/src/entry bundled
 * by the local esbuild as ESM (Node 22, arm64, minified, source map), `@aws-sdk/*` left to the
 * runtime. The entry exports `handler`.
 */
export function marrowFunctionProps(entry: string): NodejsFunctionProps {
  return {
    entry: fromRepoRoot(entry),
    handler: 'handler',
    projectRoot: fromRepoRoot(),
    depsLockFilePath: fromRepoRoot('package-lock.json'),
    // Pinned: the newest runtime (CDK's default) is not one our dependencies are verified on;
    // nodejs22.x is the oldest supported line that runs everything the repo pins (see stack notes).
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: true,
      // Prefer the ESM build of dependencies that ship both.
      mainFields: ['module', 'main'],
      // CommonJS dependencies bundled into an ESM file still call require().
      banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      // externalModules stays at its default: @aws-sdk/* comes from the Lambda runtime.
    },
  };
}

/** The written reason for cdk-nag's AwsSolutions-L1 on every function that uses marrowFunctionProps. */
export const PINNED_RUNTIME_REASON =
  'nodejs22.x is pinned on purpose: the pinned dependencies (vitest 4, middy 6, better-sqlite3 12, aws-sdk 3.11xx) are verified on Node 20/22, not on the newest runtime; move together with the toolchain.';

/**
 * The log group ("Logs") and role ("Role") of a Marrow function that reads and writes the
 * catalogue table, created in `scope`. An explicit log group: a retention we choose, and a logs
 * write grant scoped to this group instead of the AWSLambdaBasicExecutionRole managed policy
 * (which allows every group). Further grants are the caller's.
 */
export function catalogueFunctionRole(scope: Construct, description: string, table: dynamodb.ITable): { logGroup: logs.LogGroup; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
  const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  logGroup.grantWrite(role);
  table.grantReadWriteData(role);
  acknowledgeWildcardResources(
    role,
    [`${table.tableArn}/index/*`],
    'grantReadWriteData adds <table>/index/* so queries can use the table’s own GSIs; it matches no other table.',
  );
  return { logGroup, role };
}
