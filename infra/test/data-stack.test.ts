import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogueTable } from '../../lambdas/src/adapters/dynamodb/table-definition';
import { onlyLogicalId, synthMarrow } from './marrow-app';

describe('DataStack', () => {
  let synth: ReturnType<typeof synthMarrow>;
  beforeAll(() => {
    synth = synthMarrow();
  });

  it('has one catalogue table keyed as the adapters expect, on demand, recoverable and retained', () => {
    const t = synth.dataTemplate;
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: catalogueTable.partitionKey, KeyType: 'HASH' },
          { AttributeName: catalogueTable.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: catalogueTable.partitionKey, AttributeType: 'S' },
          { AttributeName: catalogueTable.sortKey, AttributeType: 'S' },
          { AttributeName: catalogueTable.groupIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: catalogueTable.groupIndex.sortKey, AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: catalogueTable.groupIndex.name,
            KeySchema: [
              { AttributeName: catalogueTable.groupIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: catalogueTable.groupIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it('keeps the masters bucket private, encrypted, versioned, TLS-only, logged and retained', () => {
    const t = synth.dataTemplate;
    const masters = onlyLogicalId(t, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.anyValue() }, LogFilePrefix: 'masters/' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
            Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          ]),
        },
      }),
    });
    // enforceSSL: a bucket policy that denies any request made without TLS.
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: masters },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('blocks public access on every bucket (including the access-log bucket)', () => {
    const buckets = Object.values(synth.dataTemplate.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    for (const bucket of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
  });

  it('outputs the table and bucket names and is termination-protected', () => {
    synth.dataTemplate.hasOutput('TableName', {});
    synth.dataTemplate.hasOutput('MastersBucketName', {});
    expect(synth.data.terminationProtection).toBe(true);
  });
});
