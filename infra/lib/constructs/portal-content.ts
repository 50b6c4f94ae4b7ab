import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { acknowledgeWildcardResources } from '../nag-acknowledgements';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

export interface PortalContentProps {
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  /** The built portal (web/dist). When it holds no index.html, a placeholder page is deployed. */
  readonly portalDir: string;
  /** Written as /config.json: what the portal signs in with. */
  readonly config: { authMode: 'cognito'; region: string; userPoolClientId: string };
}

const IMMUTABLE = s3deploy.CacheControl.fromString('public, max-age=31536000, immutable');
const REVALIDATE = s3deploy.CacheControl.fromString('no-cache');

/** Shown when the stack was synthesized without a built portal (`npm run build:web`). */
export const PLACEHOLDER_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marrow</title></head>
<body style="font-family:sans-serif;padding:2em"><h1>The Marrow portal was deployed without its build</h1>
<p>Deploy with <code>npm run deploy</code> (it runs <code>npm run build:web</code> first). The API answers under <a href="/v1/health">/v1</a>.</p></body></html>`;

/**
 * Uploads the portal: hashed assets first, cached for a year and never pruned (a tab still
 * running the previous version keeps finding its chunks), then index.html and config.json,
 * revalidated on every load, with a CloudFront invalidation of just those.
 */
export class PortalContent extends Construct {
  readonly built: boolean;

  constructor(scope: Construct, id: string, props: PortalContentProps) {
    super(scope, id);
    this.built = existsSync(join(props.portalDir, 'index.html'));
    const config = s3deploy.Source.jsonData('config.json', props.config);

    let assets: s3deploy.BucketDeployment | undefined;
    if (this.built) {
      assets = new s3deploy.BucketDeployment(this, 'Assets', {
        sources: [s3deploy.Source.asset(props.portalDir, { exclude: ['index.html', 'config.json', '.*'] })],
        destinationBucket: props.bucket,
        cacheControl: [IMMUTABLE],
        prune: false,
      });
    }
    const entry = new s3deploy.BucketDeployment(this, 'Entry', {
      sources: [
        this.built ? s3deploy.Source.asset(props.portalDir, { exclude: ['*', '!index.html'] }) : s3deploy.Source.data('index.html', PLACEHOLDER_HTML),
        config,
      ],
      destinationBucket: props.bucket,
      cacheControl: [REVALIDATE],
      prune: false,
      distribution: props.distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
    });
    if (assets) entry.node.addDependency(assets);
  }
}

/**
 * The findings cdk-nag raises on CDK's BucketDeployment handler (one singleton function per
 * stack, outside our constructs), acknowledged on it with the reasons. Its grants are CDK's:
 * read the deployment's source assets, write and delete in the portal bucket, invalidate.
 */
export function acknowledgeBucketDeploymentHandler(handler: Construct, portalBucket: s3.IBucket): void {
  const policy = handler.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy') ?? handler;
  acknowledgeWildcardResources(
    policy,
    [portalBucket.arnForObjects('*')],
    'BucketDeployment writes, overwrites and deletes the portal’s own files in this one bucket (the built web/dist and config.json), nothing else.',
  );
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
    reason: 'BucketDeployment reads the zipped portal from the CDK bootstrap assets bucket of this account and region, where `cdk deploy` uploaded it.',
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'cloudfront:CreateInvalidation and GetInvalidation as granted by BucketDeployment for the distribution it invalidates (index.html and config.json after each deploy).',
  });
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${action} is one of the action families of BucketDeployment's grants (read the source assets, write and prune the portal bucket), on those two buckets only.`,
    });
  }
  const reasons: Record<string, string> = {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      'CDK’s BucketDeployment handler (runs only during deployments) logs with the AWS-managed basic execution policy; CDK does not expose its role to scope it further.',
    'AwsSolutions-L1':
      'The BucketDeployment handler’s runtime is chosen by aws-cdk-lib (Python, with the AWS CLI layer) and moves with CDK upgrades; it runs only during deployments.',
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(handler).acknowledge({ id, reason });
}
