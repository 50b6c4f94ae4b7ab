import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { EdgeMessageRules } from './constructs/edge-message-rules';
import { EdgePolicy } from './constructs/edge-policy';
import { IotDataEndpoint } from './constructs/iot-data-endpoint';

export interface EdgeLinkStackProps extends StackProps {
  readonly table: dynamodb.ITable;
}

/**
 * The MQTT link between the cloud and the edges on IoT Core: the policy every edge
 * certificate gets, the account's data endpoint, and the topic rules that bring edge messages
 * to the catalogue. Things and certificates are not here: the API creates one per imaging
 * server at enrolment. Apart from the API stack because enrolled certificates stay attached to
 * the policy: the API can be torn down and rebuilt without touching what the edges hold.
 */
export class EdgeLinkStack extends Stack {
  readonly edgePolicy: EdgePolicy;
  readonly dataEndpoint: IotDataEndpoint;
  readonly messages: EdgeMessageRules;

  constructor(scope: Construct, id: string, props: EdgeLinkStackProps) {
    super(scope, id, props);

    this.edgePolicy = new EdgePolicy(this, 'EdgePolicy');
    this.dataEndpoint = new IotDataEndpoint(this, 'DataEndpoint');
    this.messages = new EdgeMessageRules(this, 'EdgeMessages', { table: props.table });

    new CfnOutput(this, 'IotDataEndpoint', { value: this.dataEndpoint.address, description: 'MQTT endpoint of the edges (port 8883, X.509)' });
    new CfnOutput(this, 'EdgePolicyName', { value: this.edgePolicy.policyName, description: 'IoT policy attached to every edge certificate' });
    new CfnOutput(this, 'EdgeMessagesDeadLetterQueueUrl', {
      value: this.messages.deadLetterQueue.queueUrl,
      description: 'Edge messages that could not be applied (after retries)',
    });
  }

  /** What the API needs: where edges connect, and the policy their certificates get. */
  get binding(): { dataEndpoint: string; policyName: string } {
    return { dataEndpoint: this.dataEndpoint.address, policyName: this.edgePolicy.policyName };
  }
}
