import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { catalogueTable } from '../../lambdas/src/adapters/dynamodb/table-definition';

/**
 * Stateful resources: the catalogue table and the masters bucket. They live in their own
 * stack (termination protection, RETAIN) so the API stack can be torn down and rebuilt
 * freely without putting customer data at risk.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  readonly mastersBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });

    // Key names come from the same module the local host uses, so cloud and dynalite agree.
    this.table = new dynamodb.Table(this, 'CatalogueTable', {
      partitionKey: { name: catalogueTable.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: catalogueTable.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // AWS-managed key (aws/dynamodb): encrypted with an auditable KMS key, and no key
      // policy of ours to grant, so the function role needs no kms:* permission.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: catalogueTable.groupIndex.name,
      partitionKey: { name: catalogueTable.groupIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: catalogueTable.groupIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging cannot deliver into an SSE-KMS bucket; SSE-S3 is the option.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365) },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the target of the masters bucket server access logs; logging it into itself would loop, and a second log bucket would only move the finding.',
    });

    this.mastersBucket = new s3.Bucket(this, 'MastersBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: edges fetch chunks through presigned URLs; SSE-KMS would add a KMS call per
      // chunk GET (cost, throttling) and a key grant to every signer for no added control.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Versioning guards golden images and chunks against an accidental overwrite or delete.
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'masters/',
      lifecycleRules: [
        // Chunk uploads from edges use multipart; an edge that goes offline mid-upload
        // leaves parts that are billed until aborted.
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // Chunks are content-addressed and immutable, so old versions only exist after a
        // delete: keep them 30 days for recovery, then let them (and bare delete markers) go.
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30), expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Catalogue DynamoDB table' });
    new CfnOutput(this, 'MastersBucketName', { value: this.mastersBucket.bucketName, description: 'Masters and chunks bucket' });
  }
}
