import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { edgeToCloudChannels, edgeTopic } from '@marrow/shared';
import { TENANT_ATTRIBUTE } from '../../../lambdas/src/adapters/iot/edge-thing';

/**
 * IoT policy variables (resolved by IoT Core per connection, not by CloudFormation).
 * `Thing.*` resolve only for a certificate attached to the thing; the enrolment attaches it
 * exclusively, and the client id must equal the thing name (iot:Connect below).
 */
export const THING_NAME = '${iot:Connection.Thing.ThingName}';
export const THING_TENANT = `\${iot:Connection.Thing.Attributes[${TENANT_ATTRIBUTE}]}`;

/**
 * The one IoT policy attached to every edge certificate: an edge may connect only as its own
 * thing, publish only to its own upward channels, retain only its presence, and subscribe to
 * and receive only its own commands — `marrow/{tenant}/{thing}/…`, with the tenant taken from
 * the thing's `tenantId` attribute (set by the control plane at enrolment, never by the edge).
 * The twin of the local broker's authorize hooks (lambdas/src/local/broker/broker-access.ts).
 */
export function edgePolicyDocument(stack: Stack) {
  const arn = (resource: string) => stack.formatArn({ service: 'iot', resource, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  const own = (channel: Parameters<typeof edgeTopic>[2]) => edgeTopic(THING_TENANT, THING_NAME, channel);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsItsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: arn(`client/${THING_NAME}`),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Sid: 'PublishItsUpwardChannels',
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: edgeToCloudChannels.map((channel) => arn(`topic/${own(channel)}`)),
      },
      {
        // The presence ("online", and "offline" as the last will) is a retained message.
        Sid: 'RetainItsPresence',
        Effect: 'Allow',
        Action: 'iot:RetainPublish',
        Resource: arn(`topic/${own('presence')}`),
      },
      {
        Sid: 'SubscribeToItsCommands',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: arn(`topicfilter/${own('commands')}`),
      },
      {
        Sid: 'ReceiveItsCommands',
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: arn(`topic/${own('commands')}`),
      },
    ],
  };
}

/** The edge policy as a CloudFormation resource; its generated name is what the API attaches. */
export class EdgePolicy extends Construct {
  readonly policy: iot.CfnPolicy;
  /** The policy name (Ref), passed to the API as MARROW_IOT_POLICY_NAME. */
  readonly policyName: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.policy = new iot.CfnPolicy(this, 'Policy', { policyDocument: edgePolicyDocument(Stack.of(this)) });
    this.policyName = this.policy.ref;
  }
}
