import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { edgeTopic } from '@marrow/shared';
import { THING_NAME_PREFIX } from '../../../lambdas/src/adapters/iot/edge-thing';
import { acknowledgeWildcardResources } from '../nag-acknowledgements';
import { PINNED_RUNTIME_REASON, catalogueFunctionRole, marrowFunctionProps } from './marrow-function';

export interface ApiFunctionProps {
  readonly table: dynamodb.ITable;
  readonly mastersBucket: s3.IBucket;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** From the edge-link stack: where edges connect and the policy their certificates get. */
  readonly edgeLink: { readonly dataEndpoint: string; readonly policyName: string };
}

/** The Lambda entry of the control plane's Hono app, with a role that can do only its job. */
export class ApiFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);

    const { logGroup, role } = catalogueFunctionRole(this, 'Marrow API function: catalogue table, masters bucket, its own log group', props.table);
    this.role = role;
    props.mastersBucket.grantReadWrite(this.role); // includes s3:DeleteObject*
    // The wildcard below is exactly the one this grant generates, acknowledged by name.
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

    this.grantEdgeIdentities(props.edgeLink.policyName);

    this.function = new NodejsFunction(this, 'Function', {
      ...marrowFunctionProps('lambdas/src/entry/lambda.ts'),
      description: 'Marrow control-plane API (Hono on API Gateway HTTP API)',
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
        MARROW_IOT_ENDPOINT: props.edgeLink.dataEndpoint,
        MARROW_IOT_POLICY_NAME: props.edgeLink.policyName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: PINNED_RUNTIME_REASON });
  }

  /**
   * Enrolment creates an IoT thing and certificate; revocation retires them; commands are
   * published to the edges' `commands` topics. Each statement names the ARNs it needs: things
   * are imaging server ids (`is_…`), the policy is the edge link's one policy.
   */
  private grantEdgeIdentities(policyName: string): void {
    const stack = Stack.of(this);
    const iotArn = (resource: string) => stack.formatArn({ service: 'iot', resource, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const things = iotArn(`thing/${THING_NAME_PREFIX}*`);
    const certificates = iotArn('cert/*');
    const commands = iotArn(`topic/${edgeTopic('*', '*', 'commands')}`);
    const statements = [
      { sid: 'EdgeThings', actions: ['iot:CreateThing', 'iot:DescribeThing', 'iot:DeleteThing', 'iot:ListThingPrincipals'], resources: [things] },
      { sid: 'EdgeThingCertificates', actions: ['iot:AttachThingPrincipal', 'iot:DetachThingPrincipal'], resources: [things, certificates] },
      { sid: 'EdgeCertificateStatus', actions: ['iot:UpdateCertificate'], resources: [certificates] },
      { sid: 'EdgePolicyAttachment', actions: ['iot:AttachPolicy', 'iot:DetachPolicy'], resources: [iotArn(`policy/${policyName}`), certificates] },
      { sid: 'EdgeCommands', actions: ['iot:Publish'], resources: [commands] },
    ];
    for (const statement of statements) this.role.addToPolicy(new iam.PolicyStatement(statement));
    acknowledgeWildcardResources(
      this.role,
      [things],
      'Things are created at enrolment, one per imaging server, named by its id: is_* matches exactly the things Marrow creates, and no others.',
    );
    acknowledgeWildcardResources(
      this.role,
      [certificates],
      'Certificate ids are generated by IoT Core at enrolment (CreateKeysAndCertificate), so they cannot be named in advance; the actions allowed on cert/* only attach, detach or deactivate.',
    );
    acknowledgeWildcardResources(
      this.role,
      [commands],
      'The control plane sends commands to every edge of every tenant: marrow/{tenant}/{imaging server}/commands, and only that channel.',
    );

    // Kept out of the role's default policy so that its acknowledged "*" cannot cover any other grant.
    const issue = new iam.Policy(this, 'IotCertificateIssue', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ sid: 'EdgeCertificateIssue', actions: ['iot:CreateKeysAndCertificate'], resources: ['*'] })],
    });
    Validations.of(issue).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'iot:CreateKeysAndCertificate supports no resource-level permission (IAM requires "*"): the certificate does not exist before the call. It grants nothing by itself: a certificate is useless until the API attaches the edge policy and the thing.',
    });
  }
}
