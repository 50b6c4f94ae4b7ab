import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PINNED_RUNTIME_REASON, marrowFunctionProps } from './constructs/marrow-function';
import { acknowledgeWildcardResources } from './nag-acknowledgements';

export interface MaintenanceStackProps extends StackProps {
  readonly table: dynamodb.ITable;
  readonly mastersBucket: s3.IBucket;
}

/**
 * Work no request asks for: once a day, every tenant's storage collection
 * (lambdas/src/entry/storage-collection.ts) gives back the masters bucket's space of chunks no
 * master version or backup image uses any more. Its role reads the catalogue, and lists, reads
 * and deletes in the bucket — it never writes either.
 */
export class MaintenanceStack extends Stack {
  readonly storageCollection: NodejsFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: MaintenanceStackProps) {
    super(scope, id, props);

    const logGroup = new logs.LogGroup(this, 'StorageCollectionLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const role = new iam.Role(this, 'StorageCollectionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Marrow storage collection: reads the catalogue table (deletes abandoned upload records); lists, reads and deletes in the masters bucket; its own log group',
    });
    logGroup.grantWrite(role);
    props.table.grantReadData(role);
    // Abandoned uploads lose their record; nothing else of the catalogue is ever written.
    props.table.grant(role, 'dynamodb:DeleteItem');
    props.mastersBucket.grantRead(role);
    props.mastersBucket.grantDelete(role);
    acknowledgeWildcardResources(
      role,
      [`${props.table.tableArn}/index/*`],
      'grantReadData adds <table>/index/* so queries can use the table’s own GSIs; it matches no other table.',
    );
    acknowledgeWildcardResources(
      role,
      [props.mastersBucket.arnForObjects('*')],
      'The collection lists every tenant prefix of this one bucket, reads manifests and deletes unused chunks; keys are tenant-prefixed and each tenant is collected on its own.',
    );
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is one of the action families of bucket.grantRead / grantDelete, granted on the masters bucket and its objects only.`,
      });
    }

    this.storageCollection = new NodejsFunction(this, 'StorageCollection', {
      ...marrowFunctionProps('lambdas/src/entry/storage-collection.ts'),
      description: 'Marrow storage collection: deletes chunks no master version or backup image uses (daily)',
      memorySize: 512,
      // Every tenant in one run: listing and reading manifests of many tenants takes a while.
      timeout: Duration.minutes(15),
      role,
      logGroup,
      environment: {
        MARROW_TABLE_NAME: props.table.tableName,
        MARROW_MASTERS_BUCKET: props.mastersBucket.bucketName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    Validations.of(this.storageCollection).acknowledge({ id: 'AwsSolutions-L1', reason: PINNED_RUNTIME_REASON });

    // 03:17 UTC: away from the hour, when captures (which hold a tenant's collection back) are rare.
    this.schedule = new events.Rule(this, 'Daily', {
      description: 'Marrow: the daily storage collection',
      schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
      targets: [new targets.LambdaFunction(this.storageCollection, { retryAttempts: 2 })],
    });
  }
}
