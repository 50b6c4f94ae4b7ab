import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface MarrowHttpApiProps {
  readonly handler: lambda.IFunction;
  /** `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, the `iss` of the ID tokens. */
  readonly jwtIssuer: string;
  /** The portal's app client id: the `aud` of its ID tokens. */
  readonly jwtAudience: string;
}

/**
 * Routes API Gateway lets through without a Cognito ID token; everything else under /v1 needs one.
 * The app still authenticates the edge routes (edge credential or enrolment code).
 */
const publicRoutes = [
  { method: apigwv2.HttpMethod.GET, path: '/v1/health', why: 'liveness probe for monitors and edges' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/openapi.json', why: 'the published API contract' },
  {
    method: apigwv2.HttpMethod.POST,
    path: '/v1/auth/login',
    why: 'local-only login; in the cloud the app answers that Cognito handles sign-in',
  },
  {
    method: apigwv2.HttpMethod.ANY,
    path: '/v1/edge/{proxy+}',
    why:
      'imaging servers are not Cognito users: the app itself authenticates each edge route (POST /v1/edge/enroll with a one-time enrolment code, the others with the credential issued at enrolment, refused once revoked)',
  },
] as const;

/** API Gateway HTTP API in front of the single control-plane function. */
export class MarrowHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: MarrowHttpApiProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Marrow control-plane API',
      // The stage is added below so that it can carry access logging and throttling.
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Account-wide defaults are 10,000 rps; a per-stage ceiling keeps one runaway client
      // from exhausting Lambda concurrency for every tenant.
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // HTTP API variables only (several REST ones are rejected at deploy time).
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            userSub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Handler', props.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpJwtAuthorizer('CognitoJwt', props.jwtIssuer, {
      jwtAudience: [props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });

    this.api.addRoutes({
      path: '/v1/{proxy+}',
      methods: [apigwv2.HttpMethod.ANY],
      integration,
      authorizer,
    });

    // Explicit routes win over the greedy proxy in HTTP API route selection.
    for (const route of publicRoutes) {
      const [created] = this.api.addRoutes({ path: route.path, methods: [route.method], integration });
      Validations.of(created!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `Public by design: ${route.why}. Every other /v1 route requires a Cognito ID token.`,
      });
    }
  }
}
