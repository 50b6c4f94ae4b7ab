import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMarrowApp, onlyLogicalId } from './marrow-app';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('MaintenanceStack (daily storage collection)', () => {
  let built: ReturnType<typeof buildMarrowApp>;
  let t: Template;
  let fn: string;
  beforeAll(() => {
    built = buildMarrowApp();
    t = Template.fromStack(built.maintenance);
    fn = onlyLogicalId(t, 'AWS::Lambda::Function');
  });

  it('runs the storage-collection entry once a day, with the environment it reads', () => {
    const props = t.findResources('AWS::Lambda::Function')[fn]!.Properties as Record<string, unknown>;
    expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 900, Handler: 'index.handler' });
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      MARROW_TABLE_NAME: built.maintenance.resolve(built.data.table.tableName),
      MARROW_MASTERS_BUCKET: built.maintenance.resolve(built.data.mastersBucket.bucketName),
      NODE_OPTIONS: '--enable-source-maps',
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(17 3 * * ? *)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] } });
  });

  it('may read the catalogue (and delete a record), list, read and delete in the masters bucket — never write either', () => {
    const role = onlyLogicalId(t, 'AWS::IAM::Role');
    const roleProps = t.findResources('AWS::IAM::Role')[role]!.Properties as Record<string, unknown>;
    expect(roleProps.ManagedPolicyArns).toBeUndefined();
    const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement.flatMap((s) => asList(s.Action)),
    );
    expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual(['dynamodb:DeleteItem']);
    expect(actions.filter((a) => /^s3:(Put|Abort)/.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['s3:DeleteObject*', 's3:List*', 's3:GetObject*', 'logs:CreateLogStream', 'logs:PutLogEvents']));
  });
});
