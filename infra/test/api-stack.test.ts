import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { onlyLogicalId, synthMarrow } from './marrow-app';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('ApiStack', () => {
  let synth: ReturnType<typeof synthMarrow>;
  let userPool: string;
  let client: string;
  let fn: string;
  beforeAll(() => {
    synth = synthMarrow();
    userPool = onlyLogicalId(synth.apiTemplate, 'AWS::Cognito::UserPool');
    client = onlyLogicalId(synth.apiTemplate, 'AWS::Cognito::UserPoolClient');
    fn = onlyLogicalId(synth.apiTemplate, 'AWS::Lambda::Function');
  });
  /** A token of the data stack as the API stack renders it (a cross-stack reference). */
  const inApiStack = (token: string) => synth.api.resolve(token) as unknown;

  describe('Cognito', () => {
    it('admin-created users only, strong passwords, threat protection, retained', () => {
      synth.apiTemplate.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
          Policies: {
            PasswordPolicy: Match.objectLike({
              MinimumLength: 12,
              RequireLowercase: true,
              RequireUppercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
            }),
          },
          MfaConfiguration: 'OPTIONAL',
          UserPoolTier: 'PLUS',
          UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
          DeletionProtection: 'ACTIVE',
          Schema: Match.arrayWith([
            Match.objectLike({ Name: 'role', AttributeDataType: 'String', Mutable: true }),
            Match.objectLike({ Name: 'tenants', AttributeDataType: 'String', Mutable: true }),
          ]),
        }),
      });
    });

    it('portal client: no secret, SRP/password, no OAuth; role and tenants readable, never user-writable', () => {
      synth.apiTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        UserPoolId: { Ref: userPool },
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
        AllowedOAuthFlowsUserPoolClient: false,
        ReadAttributes: Match.arrayWith(['custom:role', 'custom:tenants']),
      });
      const [props] = Object.values(synth.apiTemplate.findResources('AWS::Cognito::UserPoolClient')).map(
        (r) => r.Properties as { WriteAttributes: string[] },
      );
      expect(props!.WriteAttributes.length).toBeGreaterThan(0); // empty would mean the Cognito default
      expect(props!.WriteAttributes.filter((a) => a.startsWith('custom:'))).toEqual([]);
    });
  });

  describe('function', () => {
    it('is pinned to Node 22 on arm64 with the agreed size and timeout', () => {
      synth.apiTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 29,
        Handler: 'index.handler',
      });
    });

    it('gets the environment contract the Lambda entry reads', () => {
      const [props] = Object.values(synth.apiTemplate.findResources('AWS::Lambda::Function')).map(
        (r) => r.Properties as { Environment: { Variables: Record<string, unknown> } },
      );
      expect(props!.Environment.Variables).toEqual({
        MARROW_TABLE_NAME: inApiStack(synth.data.table.tableName),
        MARROW_MASTERS_BUCKET: inApiStack(synth.data.mastersBucket.bucketName),
        MARROW_AUTH_MODE: 'cognito',
        MARROW_COGNITO_USER_POOL_ID: { Ref: userPool },
        MARROW_COGNITO_CLIENT_ID: { Ref: client },
        MARROW_IOT_ENDPOINT: inApiStack(synth.edgeLink.dataEndpoint.address),
        MARROW_IOT_POLICY_NAME: inApiStack(synth.edgeLink.edgePolicy.policyName),
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('logs to its own log group with a retention', () => {
      const t = synth.apiTemplate;
      const fnProps = t.findResources('AWS::Lambda::Function')[fn]!.Properties as {
        LoggingConfig: { LogGroup: { Ref: string } };
      };
      const logGroup = t.findResources('AWS::Logs::LogGroup')[fnProps.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties).toMatchObject({ RetentionInDays: 90 });
    });
  });

  describe('least privilege', () => {
    it('the function role has no managed policies and only statements on its table, bucket, logs and edge identities', () => {
      const t = synth.apiTemplate;
      const role = onlyLogicalId(t, 'AWS::IAM::Role');
      const roleProps = t.findResources('AWS::IAM::Role')[role]!.Properties as Record<string, unknown>;
      expect(roleProps.ManagedPolicyArns).toBeUndefined();
      expect(roleProps.Policies).toBeUndefined();
      t.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [role, 'Arn'] } });

      const { table, mastersBucket } = synth.data;
      const iot = (resource: string) =>
        JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, resource]] });
      const policyArn = JSON.stringify({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':policy/', inApiStack(synth.edgeLink.edgePolicy.policyName)],
        ],
      });
      const allowed: Record<string, string[]> = {
        dynamodb: [table.tableArn, `${table.tableArn}/index/*`].map((a) => JSON.stringify(inApiStack(a))),
        s3: [mastersBucket.bucketArn, mastersBucket.arnForObjects('*')].map((a) => JSON.stringify(inApiStack(a))),
        // Only the things Marrow creates (is_…), certificates, the edge policy and the commands topics.
        iot: [iot(':thing/is_*'), iot(':cert/*'), policyArn, iot(':topic/marrow/*/*/commands')],
      };
      const logGroupArns = Object.keys(t.findResources('AWS::Logs::LogGroup')).map((id) =>
        JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
      );

      const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
        asList(p.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })),
      );
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
      expect(statements.length).toBeGreaterThan(0);

      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        const actions = asList(statement.Action);
        const resources = asList(statement.Resource);
        const services = new Set(actions.map((a) => a.split(':')[0]!));
        // Resource "*" is tolerable only for actions without resource-level permissions.
        if (resources.includes('*')) {
          expect(actions.every((a) => a.startsWith('logs:') || a.startsWith('xray:') || a === 'iot:CreateKeysAndCertificate'), JSON.stringify(statement)).toBe(
            true,
          );
          continue;
        }
        expect(services.size, JSON.stringify(actions)).toBe(1);
        const [service] = [...services];
        const permitted = service === 'logs' ? logGroupArns : (allowed[service!] ?? []);
        for (const resource of resources) {
          expect(permitted, `${service} on ${JSON.stringify(resource)}`).toContain(JSON.stringify(resource));
        }
      }
      // Both grants are present (read/write/delete on the bucket, read/write on the table).
      const actions = statements.flatMap((s) => asList(s.Action));
      expect(actions).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 's3:PutObject', 's3:GetObject*', 's3:DeleteObject*']),
      );
    });

    it('may manage edge things and certificates and publish commands, each on its own resources only', () => {
      const t = synth.apiTemplate;
      const role = onlyLogicalId(t, 'AWS::IAM::Role');
      const statements = Object.values(t.findResources('AWS::IAM::Policy'))
        .filter((p) => asList(p.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
      const iotStatements = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('iot:')));
      /** `arn:${Partition}:iot:${Region}:${Account}:<resource>` → "<resource>" (the policy name is a cross-stack token). */
      const resourceOf = (arn: unknown): string => {
        if (arn === '*') return '*';
        const parts = (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        const last = parts[parts.length - 1];
        return typeof last === 'string' ? last.replace(/^:/, '') : `${String(parts[parts.length - 2]).replace(/^:/, '')}<edge policy>`;
      };
      const grantsOf = (action: string) => iotStatements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource).map(resourceOf));

      expect(grantsOf('iot:CreateKeysAndCertificate')).toEqual(['*']);
      for (const action of ['iot:CreateThing', 'iot:DescribeThing', 'iot:DeleteThing', 'iot:ListThingPrincipals']) {
        expect(grantsOf(action), action).toEqual(['thing/is_*']);
      }
      for (const action of ['iot:AttachThingPrincipal', 'iot:DetachThingPrincipal']) {
        expect(grantsOf(action).sort(), action).toEqual(['cert/*', 'thing/is_*']);
      }
      expect(grantsOf('iot:UpdateCertificate')).toEqual(['cert/*']);
      for (const action of ['iot:AttachPolicy', 'iot:DetachPolicy']) {
        expect(grantsOf(action).sort(), action).toEqual(['cert/*', 'policy/<edge policy>']);
      }
      expect(grantsOf('iot:Publish')).toEqual(['topic/marrow/*/*/commands']);
      // Nothing else of IoT: no UpdateThing (the tenant attribute is trusted by the edge policy),
      // no policy editing, no subscribing or receiving.
      expect(new Set(iotStatements.flatMap((s) => asList(s.Action)))).toEqual(
        new Set([
          'iot:CreateKeysAndCertificate',
          'iot:CreateThing',
          'iot:DescribeThing',
          'iot:DeleteThing',
          'iot:ListThingPrincipals',
          'iot:AttachThingPrincipal',
          'iot:DetachThingPrincipal',
          'iot:UpdateCertificate',
          'iot:AttachPolicy',
          'iot:DetachPolicy',
          'iot:Publish',
        ]),
      );
    });
  });

  describe('HTTP API', () => {
    it('puts /v1/{proxy+} behind a JWT authorizer for the user pool and client', () => {
      const t = synth.apiTemplate;
      const authorizer = onlyLogicalId(t, 'AWS::ApiGatewayV2::Authorizer');
      t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: client }],
          Issuer: {
            'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: userPool }]],
          },
        },
      });
      t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'ANY /v1/{proxy+}',
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizer },
      });
    });

    it('leaves exactly health, openapi.json, login and the edge routes (authenticated by the app) without a JWT', () => {
      const routes = Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Route')).map(
        (r) => r.Properties as { RouteKey: string; AuthorizationType?: string },
      );
      const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey);
      expect(open.sort()).toEqual(['ANY /v1/edge/{proxy+}', 'GET /v1/health', 'GET /v1/openapi.json', 'POST /v1/auth/login']);
      expect(routes).toHaveLength(5);
    });

    it('sends every route to the one function through a single payload-v2 integration', () => {
      synth.apiTemplate.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
      synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fn, 'Arn'] },
      });
    });

    it('has an auto-deployed $default stage with access logs and throttling', () => {
      synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      });
    });
  });

  it('outputs what the portal and operators need', () => {
    for (const name of ['ApiUrl', 'Region', 'UserPoolId', 'UserPoolClientId']) synth.apiTemplate.hasOutput(name, {});
    synth.apiTemplate.hasOutput('UserPoolClientId', { Value: { Ref: client } });
  });
});
