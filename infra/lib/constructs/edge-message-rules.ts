import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { cloudSubscription, edgeToCloudChannels, type EdgeToCloudChannel } from '@marrow/shared';
import { PINNED_RUNTIME_REASON, catalogueFunctionRole, marrowFunctionProps } from './marrow-function';

/**
 * The rule SQL for one upward channel. The payload is forwarded base64-encoded, byte for byte
 * (`encode(*, 'base64')` works for JSON and non-JSON payloads alike), with the topic it came on;
 * lambdas/src/telemetry/iot-rule-handler.ts is the other side of this contract.
 */
export function edgeRuleSql(channel: EdgeToCloudChannel): string {
  return `SELECT encode(*, 'base64') AS payload, topic() AS topic FROM '${cloudSubscription(channel)}'`;
}

export interface EdgeMessageRulesProps {
  readonly table: dynamodb.ITable;
}

/**
 * Edge → cloud: one IoT topic rule per upward channel (health, presence, events, acks), all
 * invoking the edge-message function, which applies them to the catalogue.
 *
 * Failures end in one dead-letter queue: IoT Core invokes the function asynchronously, so a
 * failed invocation is retried twice by Lambda and then sent to the queue (on-failure
 * destination); a failure to invoke at all takes the rules' error action to the same queue.
 */
export class EdgeMessageRules extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly rules: Record<EdgeToCloudChannel, iot.CfnTopicRule>;

  constructor(scope: Construct, id: string, props: EdgeMessageRulesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SSE-SQS: encrypted at rest with no KMS key policy to grant to IoT Core and Lambda.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the edge-message function and the error action of its topic rules; a DLQ of the DLQ would only move the finding.',
    });

    const { logGroup, role } = catalogueFunctionRole(this, 'Marrow edge-message function: catalogue table, its own log group, its dead-letter queue', props.table);
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      ...marrowFunctionProps('lambdas/src/entry/iot-rule.ts'),
      description: 'Marrow edge messages (IoT topic rules: health, presence, events, acks) → catalogue',
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup,
      environment: {
        MARROW_TABLE_NAME: props.table.tableName,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // Asynchronous invocations (IoT Core): 2 retries, then the dead-letter queue. Six hours
      // is Lambda's maximum event age: a DynamoDB outage of a few hours loses no task event.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: PINNED_RUNTIME_REASON });

    // The role IoT Core assumes for the rules' error action (SendMessage to the queue only).
    const errorActionRole = new iam.Role(this, 'ErrorActionRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'IoT Core: error action of the Marrow edge-message rules (send to their dead-letter queue)',
    });
    this.deadLetterQueue.grantSendMessages(errorActionRole);

    const rules = {} as Record<EdgeToCloudChannel, iot.CfnTopicRule>;
    for (const channel of edgeToCloudChannels) {
      const name = channel[0]!.toUpperCase() + channel.slice(1);
      const rule = new iot.CfnTopicRule(this, `${name}Rule`, {
        topicRulePayload: {
          description: `Marrow: edge ${channel} messages (marrow/{tenant}/{imaging server}/${channel}) to the edge-message function`,
          sql: edgeRuleSql(channel),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          actions: [{ lambda: { functionArn: this.function.functionArn } }],
          errorAction: { sqs: { queueUrl: this.deadLetterQueue.queueUrl, roleArn: errorActionRole.roleArn, useBase64: false } },
        },
      });
      this.function.addPermission(`InvokeBy${name}Rule`, {
        principal: new iam.ServicePrincipal('iot.amazonaws.com'),
        sourceArn: rule.attrArn,
        sourceAccount: stack.account,
      });
      rules[channel] = rule;
    }
    this.rules = rules;
  }
}
