import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../nag-acknowledgements';
import { fromRepoRoot } from '../paths';

export interface ApiFunctionProps {
  readonly table: dynamodb.ITable;
  readonly mastersBucket: s3.IBucket;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

/** The Lambda entry of the control plane's Hono app, with a role that can do only its job. */
export class ApiFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);

    // Explicit log group: a retention we choose, and a logs write grant scoped to this group
    // instead of the AWSLambdaBasicExecutionRole managed policy (which allows every group).
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Marrow API function: catalogue table, masters bucket, its own log group',
    });
    logGroup.grantWrite(this.role);
    props.table.grantReadWriteData(this.role);
    props.mastersBucket.grantReadWrite(this.role); // includes s3:DeleteObject*
    // The wildcards below are exactly those the two grants generate, each acknowledged by name.
    acknowledgeWildcardResources(
      this.role,
      [`${props.table.tableArn}/index/*`],
      'grantReadWriteData adds <table>/index/* so queries can use the table’s own GSIs; it matches no other table.',
    );
    acknowledgeWildcardResources(
      this.role,
      [props.mastersBucket.arnForObjects('*')],
      'The function reads, writes and deletes objects of this one bucket; keys are tenant-prefixed and the tenant check is done by the app per request.',
    );
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is one of the action families of bucket.grantReadWrite (read, write, delete), granted on the masters bucket and its objects only.`,
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Marrow control-plane API (Hono on API Gateway HTTP API)',
      entry: fromRepoRoot('lambdas/src/entry/lambda.ts'),
      handler: 'handler',
      projectRoot: fromRepoRoot(),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      // Pinned: the newest runtime (CDK's default) is not one our dependencies are verified on;
      // nodejs22.x is the oldest supported line that runs everything the repo pins (see stack notes).
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // Just under the HTTP API's 30 s integration limit, so Lambda times out first and logs it.
      timeout: Duration.seconds(29),
      role: this.role,
      logGroup,
      environment: {
        MARROW_TABLE_NAME: props.table.tableName,
        MARROW_MASTERS_BUCKET: props.mastersBucket.bucketName,
        MARROW_AUTH_MODE: 'cognito',
        MARROW_COGNITO_USER_POOL_ID: props.userPoolId,
        MARROW_COGNITO_CLIENT_ID: props.userPoolClientId,
        NODE_OPTIONS: '--enable-source-maps',
      },
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
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned on purpose: the pinned dependencies (vitest 4, middy 6, better-sqlite3 12, aws-sdk 3.11xx) are verified on Node 20/22, not on the newest runtime; move together with the toolchain.',
    });
  }
}
