import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { SPA_REWRITE_CODE } from '../lib/constructs/spa-rewrite';
import { addMarrowStacks } from '../lib/marrow-app';
import { fromRepoRoot } from '../lib/paths';

/** The app as `cdk synth` builds it, with the portal taken from `portalDir` (a fixture here). */
function synthWithPortal(portalDir: string) {
  const { context } = JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [], 'marrow:portalDir': portalDir } });
  const stacks = addMarrowStacks(app);
  return { app, ...stacks, template: Template.fromStack(stacks.portal) };
}

const dirs: string[] = [];
function fixture(built: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'marrow-portal-dist-'));
  dirs.push(dir);
  if (built) {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  }
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('PortalStack', () => {
  const built = synthWithPortal(fixture(true));
  const t = built.template;
  const distribution = () =>
    Object.values(t.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig as Record<string, unknown> & {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
      Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown; OriginAccessControlId?: unknown; CustomOriginConfig?: Record<string, unknown> }[];
    };

  it('keeps the portal bucket private: public access blocked, TLS only, readable by CloudFront alone (OAC)', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'portal-bucket/' }),
    });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy')).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    const read = policies.find((p) => p.includes('cloudfront.amazonaws.com'))!;
    expect(read).toContain('s3:GetObject');
    expect(read).toContain('AWS:SourceArn');
    expect(policies.every((p) => !p.includes('"Principal":"*","Action":"s3:GetObject"'))).toBe(true);
    const s3Origin = distribution().Origins.find((o) => o.S3OriginConfig)!;
    expect(s3Origin.OriginAccessControlId).toBeDefined();
  });

  it('serves the portal by default and sends /v1/* to the HTTP API uncached, with every viewer header but Host', () => {
    const config = distribution();
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      FunctionAssociations: [expect.objectContaining({ EventType: 'viewer-request' })],
    });
    const [api] = config.CacheBehaviors;
    expect(api).toMatchObject({
      PathPattern: '/v1/*',
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
    expect(api!.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']));
    const apiOrigin = config.Origins.find((o) => o.Id === api!.TargetOriginId)!;
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    // {apiId}.execute-api.{region}.{suffix}, the apiId a reference to the API stack.
    const domain = JSON.stringify(apiOrigin.DomainName);
    expect(domain).toContain('.execute-api.');
    expect(domain).toContain('MarrowApi');
  });

  it('adds security headers, with Cognito as the only other origin the page may call', () => {
    const [policy] = Object.values(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const headers = policy!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true });
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('https://cognito-idp.');
  });

  it('routes client-side paths to index.html and leaves files alone (the CloudFront function)', () => {
    const handler = new Function(`${SPA_REWRITE_CODE}; return handler;`)() as (e: { request: { uri: string } }) => { uri: string };
    const rewrite = (uri: string) => handler({ request: { uri } }).uri;
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/masters')).toBe('/index.html');
    expect(rewrite('/post-imaging-scripts/ps_01J9ZQ4T6W2R8X5Y7V3N1K0M9P')).toBe('/index.html');
    expect(rewrite('/assets/index-abc.js')).toBe('/assets/index-abc.js');
    expect(rewrite('/config.json')).toBe('/config.json');
    t.hasResourceProperties('AWS::CloudFront::Function', { FunctionCode: SPA_REWRITE_CODE, FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }) });
  });

  it('uploads hashed assets as immutable, then index.html and config.json as no-cache with an invalidation', () => {
    const deployments = Object.entries(t.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(2);
    const byCache = (value: string) => deployments.find(([, r]) => r.Properties.SystemMetadata?.['cache-control'] === value)!;
    const [assetsId, assets] = byCache('public, max-age=31536000, immutable');
    const [, entry] = byCache('no-cache');
    expect(assets.Properties.Prune).toBe(false); // an open tab of the previous version still finds its chunks
    expect(entry.Properties.DistributionPaths).toEqual(['/', '/index.html', '/config.json']);
    expect(entry.DependsOn).toEqual(expect.arrayContaining([assetsId]));
    // config.json is written at deploy time from the user pool client of the API stack.
    const markers = JSON.stringify(entry.Properties.SourceMarkers);
    expect(markers).toContain('AWS::Region');
    expect(markers).toContain('PortalClient');
  });

  it('still synthesizes without a built portal, deploying a placeholder page', () => {
    const bare = synthWithPortal(fixture(false));
    expect(bare.portal.content.built).toBe(false);
    const deployments = Object.values(bare.template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    expect(deployments[0]!.Properties.SystemMetadata['cache-control']).toBe('no-cache');
  });

  it('logs the distribution and outputs the portal URL', () => {
    expect(distribution().Logging).toMatchObject({ Prefix: 'cloudfront/' });
    t.hasOutput('PortalUrl', Match.anyValue());
  });
});
