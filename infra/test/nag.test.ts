import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildMarrowApp } from './marrow-app';

/**
 * cdk-nag 3 is a policy-validation plugin (no longer an Aspect writing annotations), so the
 * checks are: synth with the plugin registered (it throws with the report on any finding),
 * then the pack's own report, split into errors and warnings.
 */
function nagReport(mutate?: (app: ReturnType<typeof buildMarrowApp>) => void, cfnValidation = false) {
  const built = buildMarrowApp({ cfnValidation });
  mutate?.(built);
  const checks = new AwsSolutionsChecks(built.app, { verbose: true });
  Validations.of(built.app).addPlugins(checks);
  return { built, checks };
}

/** Every acknowledgement in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct) {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning, and CDK itself warns about nothing', () => {
    // With CDK's CloudFormation template validation on, as in `cdk synth`.
    const { built, checks } = nagReport(undefined, true);
    built.app.synth(); // throws with the full report if any finding is unacknowledged
    const { violations } = checks.validateScope(built.app);
    expect(violations.filter((v) => v.severity === 'error')).toEqual([]);
    expect(violations.filter((v) => v.severity === 'warning')).toEqual([]);
    for (const stack of [built.data, built.edgeLink, built.api, built.portal]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  it('acknowledges only the reviewed findings, each with a written reason', () => {
    const { built } = nagReport();
    built.app.synth(); // the IAM5 resource acknowledgements are recorded during synthesis
    const acks = acknowledgements(built.app);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
    const expected = [
      'MarrowData/AccessLogsBucket AwsSolutions-S1',
      'MarrowApi/Users/UserPool AwsSolutions-COG2',
      'MarrowApi/ApiFunction/Function AwsSolutions-L1',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Action::s3:Abort*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Action::s3:GetObject*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Action::s3:List*]',
      // The two resource wildcards, rendered as cross-stack references to the data stack.
      expect.stringMatching(/^MarrowApi\/ApiFunction\/Role AwsSolutions-IAM5\[Resource::\{.*CatalogueTable.*\}\/index\/\*\]$/),
      expect.stringMatching(/^MarrowApi\/ApiFunction\/Role AwsSolutions-IAM5\[Resource::\{.*MastersBucket.*\}\/\*\]$/),
      'MarrowApi/HttpApi/Api/GET--v1--health AwsSolutions-APIG4',
      'MarrowApi/HttpApi/Api/GET--v1--openapi.json AwsSolutions-APIG4',
      'MarrowApi/HttpApi/Api/POST--v1--auth--login AwsSolutions-APIG4',
      'MarrowApi/HttpApi/Api/ANY--v1--edge--{proxy+} AwsSolutions-APIG4',
      // Edge identities: things is_*, certificates, the commands topics; CreateKeysAndCertificate needs "*".
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:thing/is_*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cert/*]',
      'MarrowApi/ApiFunction/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/marrow/*/*/commands]',
      'MarrowApi/ApiFunction/IotCertificateIssue AwsSolutions-IAM5[Resource::*]',
      // The edge link: the DescribeEndpoint custom resource (and CDK's provider function), the
      // edge-message function and its dead-letter queue.
      'MarrowEdgeLink/DataEndpoint/Lookup AwsSolutions-IAM5[Resource::*]',
      'MarrowEdgeLink/AWS679f53fac002430cb0da5b7982bd2287 AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'MarrowEdgeLink/EdgeMessages/Function AwsSolutions-L1',
      'MarrowEdgeLink/EdgeMessages/DeadLetters AwsSolutions-SQS3',
      expect.stringMatching(/^MarrowEdgeLink\/EdgeMessages\/Role AwsSolutions-IAM5\[Resource::\{.*CatalogueTable.*\}\/index\/\*\]$/),
      // The portal: its log bucket, the distribution (no geo restriction, no WAF yet, default
      // certificate), and CDK's BucketDeployment handler (runs only during deployments).
      'MarrowPortal/Site/Logs AwsSolutions-S1',
      'MarrowPortal/Site/Distribution AwsSolutions-CFR1',
      'MarrowPortal/Site/Distribution AwsSolutions-CFR2',
      'MarrowPortal/Site/Distribution AwsSolutions-CFR4',
      ...[
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-L1',
      ].map((id) => `MarrowPortal/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C ${id}`),
      ...[
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<SiteBucket978D4AEB.Arn>/*]',
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((a) => `AwsSolutions-IAM5[Action::${a}]`),
      ].map((id) => `MarrowPortal/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C/ServiceRole/DefaultPolicy ${id}`),
      // The daily storage collection: pinned runtime, read/delete action families on the masters
      // bucket, its objects and the table's indexes.
      'MarrowMaintenance/StorageCollection AwsSolutions-L1',
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*'].map((a) => `MarrowMaintenance/StorageCollectionRole AwsSolutions-IAM5[Action::${a}]`),
      expect.stringMatching(/^MarrowMaintenance\/StorageCollectionRole AwsSolutions-IAM5\[Resource::\{.*CatalogueTable.*\}\/index\/\*\]$/),
      expect.stringMatching(/^MarrowMaintenance\/StorageCollectionRole AwsSolutions-IAM5\[Resource::\{.*MastersBucket.*\}\/\*\]$/),
    ];
    const actual = acks.map((a) => `${a.path} ${a.id}`);
    expect(actual).toHaveLength(expected.length);
    expect(actual).toEqual(expect.arrayContaining(expected));
  });

  it('still catches a new wildcard on a function role (the acknowledgements are not blanket)', () => {
    const { built, checks } = nagReport(({ api }) => {
      api.apiFunction.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    });
    expect(() => built.app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
    const ids = checks.validateScope(built.app).violations.map((v) => v.ruleName);
    expect(ids).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });

  it('still catches a new wildcard on the edge-message function role', () => {
    const { built, checks } = nagReport(({ edgeLink }) => {
      edgeLink.messages.role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:Publish'], resources: ['*'] }));
    });
    expect(() => built.app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
    expect(checks.validateScope(built.app).violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});
