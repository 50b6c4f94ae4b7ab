import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { edgeToCloudChannels } from '@marrow/shared';
import { onlyLogicalId, synthMarrow } from './marrow-app';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const THING = '${iot:Connection.Thing.ThingName}';
const TENANT = '${iot:Connection.Thing.Attributes[tenantId]}';

/** `arn:${Partition}:iot:${Region}:${Account}:<resource>` as CDK renders it → "<resource>". */
function iotResource(arn: unknown): string {
  const [, parts] = (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  expect(parts.slice(0, 6)).toEqual(['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }]);
  expect(parts).toHaveLength(7);
  return String(parts[6]).replace(/^:/, '');
}

describe('EdgeLinkStack', () => {
  let synth: ReturnType<typeof synthMarrow>;
  let fn: string;
  let queue: string;
  beforeAll(() => {
    synth = synthMarrow();
    fn = onlyLogicalId(synth.edgeLinkTemplate, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Marrow edge messages') });
    queue = onlyLogicalId(synth.edgeLinkTemplate, 'AWS::SQS::Queue');
  });
  const inEdgeStack = (token: string) => synth.edgeLink.resolve(token) as unknown;

  describe('edge policy (one for every edge certificate)', () => {
    let statements: Statement[];
    beforeAll(() => {
      const policies = Object.values(synth.edgeLinkTemplate.findResources('AWS::IoT::Policy'));
      expect(policies).toHaveLength(1);
      statements = policies[0]!.Properties.PolicyDocument.Statement as Statement[];
    });
    const grants = (action: string) =>
      statements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource).map(iotResource));

    it('lets an edge connect only as its own thing, with the certificate attached to it', () => {
      const [connect, ...others] = statements.filter((s) => asList(s.Action).includes('iot:Connect'));
      expect(others).toEqual([]);
      expect(iotResource(connect!.Resource)).toBe(`client/${THING}`);
      expect(connect!.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
    });

    it("lets it publish only to its own upward channels under its thing's tenant, and retain only its presence", () => {
      expect(grants('iot:Publish').sort()).toEqual(edgeToCloudChannels.map((c) => `topic/marrow/${TENANT}/${THING}/${c}`).sort());
      expect(grants('iot:RetainPublish')).toEqual([`topic/marrow/${TENANT}/${THING}/presence`]);
    });

    it('lets it subscribe to and receive only its own commands', () => {
      expect(grants('iot:Subscribe')).toEqual([`topicfilter/marrow/${TENANT}/${THING}/commands`]);
      expect(grants('iot:Receive')).toEqual([`topic/marrow/${TENANT}/${THING}/commands`]);
      expect(grants('iot:Publish').some((r) => r.endsWith('/commands'))).toBe(false);
    });

    it('allows nothing else: only Allow statements, no wildcard action or resource, nothing outside the thing', () => {
      const actions = statements.flatMap((s) => asList(s.Action));
      expect(new Set(actions)).toEqual(new Set(['iot:Connect', 'iot:Publish', 'iot:RetainPublish', 'iot:Subscribe', 'iot:Receive']));
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of asList(statement.Resource).map(iotResource)) {
          expect(resource).not.toMatch(/[*+#]/);
          expect(resource).toContain(THING);
          if (!resource.startsWith('client/')) expect(resource).toContain(`marrow/${TENANT}/${THING}/`);
        }
      }
    });
  });

  describe('topic rules', () => {
    it('has one rule per upward channel, SQL 2016-03-23, forwarding the raw payload (base64) and topic to the function', () => {
      const rules = Object.values(synth.edgeLinkTemplate.findResources('AWS::IoT::TopicRule')).map(
        (r) => r.Properties.TopicRulePayload as Record<string, unknown>,
      );
      expect(rules.map((r) => r.Sql).sort()).toEqual(
        edgeToCloudChannels.map((c) => `SELECT encode(*, 'base64') AS payload, topic() AS topic FROM 'marrow/+/+/${c}'`).sort(),
      );
      for (const rule of rules) {
        expect(rule).toMatchObject({
          AwsIotSqlVersion: '2016-03-23',
          RuleDisabled: false,
          Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] } } }],
          ErrorAction: { Sqs: { QueueUrl: { Ref: queue }, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/ErrorActionRole/), 'Arn'] }, UseBase64: false } },
        });
      }
    });

    it('lets IoT Core invoke the function only from these rules, in this account', () => {
      const permissions = Object.values(synth.edgeLinkTemplate.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
      const rules = Object.keys(synth.edgeLinkTemplate.findResources('AWS::IoT::TopicRule'));
      expect(permissions.filter((p) => p.FunctionName['Fn::GetAtt']?.[0] === fn)).toHaveLength(rules.length);
      expect(permissions.map((p) => p.SourceArn).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
        rules.map((r) => ({ 'Fn::GetAtt': [r, 'Arn'] })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      for (const permission of permissions) {
        expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'iot.amazonaws.com', SourceAccount: { Ref: 'AWS::AccountId' } });
      }
    });

    it('the error action role can only send to the dead-letter queue, and only IoT Core of this account assumes it', () => {
      const t = synth.edgeLinkTemplate;
      const role = onlyLogicalId(t, 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('error action') });
      expect(t.findResources('AWS::IAM::Role')[role]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'iot.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      const statements = Object.values(t.findResources('AWS::IAM::Policy'))
        .filter((p) => asList(p.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
      expect(statements).toEqual([
        { Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [queue, 'Arn'] } },
      ]);
    });
  });

  describe('edge-message function', () => {
    it('is pinned to Node 22 on arm64 and reads only the table name', () => {
      const props = synth.edgeLinkTemplate.findResources('AWS::Lambda::Function')[fn]!.Properties;
      expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', Timeout: 30 });
      expect(props.Environment.Variables).toEqual({
        MARROW_TABLE_NAME: inEdgeStack(synth.data.table.tableName),
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('retries a failed invocation twice, then dead-letters the event', () => {
      synth.edgeLinkTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
    });

    it('its role may use only the catalogue table, its log group and the dead-letter queue', () => {
      const t = synth.edgeLinkTemplate;
      const role = (t.findResources('AWS::Lambda::Function')[fn]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const roleProps = t.findResources('AWS::IAM::Role')[role]!.Properties;
      expect(roleProps.ManagedPolicyArns).toBeUndefined();
      const table = synth.data.table;
      const logGroup = (t.findResources('AWS::Lambda::Function')[fn]!.Properties.LoggingConfig.LogGroup as { Ref: string }).Ref;
      const allowed = new Set(
        [inEdgeStack(table.tableArn), inEdgeStack(`${table.tableArn}/index/*`), { 'Fn::GetAtt': [logGroup, 'Arn'] }, { 'Fn::GetAtt': [queue, 'Arn'] }].map(
          (r) => JSON.stringify(r),
        ),
      );
      const statements = Object.values(t.findResources('AWS::IAM::Policy'))
        .filter((p) => asList(p.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
      for (const statement of statements) {
        for (const resource of asList(statement.Resource)) expect(allowed, JSON.stringify(statement)).toContain(JSON.stringify(resource));
        expect(asList(statement.Action).every((a) => /^(dynamodb|logs|sqs):/.test(a)), JSON.stringify(statement.Action)).toBe(true);
      }
      expect(statements.flatMap((s) => asList(s.Action))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'sqs:SendMessage']));
    });
  });

  it('keeps dead letters 14 days, encrypted, over TLS only', () => {
    const t = synth.edgeLinkTemplate;
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('looks up the account data endpoint (iot:Data-ATS) at deploy time, so synth needs no account', () => {
    const t = synth.edgeLinkTemplate;
    const lookup = Object.values(t.findResources('Custom::IotDataEndpoint'));
    expect(lookup).toHaveLength(1);
    for (const phase of ['Create', 'Update']) {
      expect(JSON.parse(lookup[0]!.Properties[phase] as string)).toMatchObject({
        service: 'Iot',
        action: 'DescribeEndpoint',
        parameters: { endpointType: 'iot:Data-ATS' },
      });
    }
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'iot:DescribeEndpoint', Effect: 'Allow', Resource: '*' }] },
    });
    for (const name of ['IotDataEndpoint', 'EdgePolicyName', 'EdgeMessagesDeadLetterQueueUrl']) t.hasOutput(name, {});
  });
});
