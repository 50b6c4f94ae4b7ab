import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledgeBucketDeploymentHandler, PortalContent } from './constructs/portal-content';
import { PortalSite } from './constructs/portal-site';
import { fromRepoRoot } from './paths';

export interface PortalStackProps extends StackProps {
  /** The HTTP API of the API stack, served under /v1/* by the same distribution. */
  readonly apiId: string;
  /** The portal's Cognito app client (USER_PASSWORD_AUTH), written into /config.json. */
  readonly userPoolClientId: string;
  /**
   * The built portal; defaults to web/dist. Without a build (a fresh clone, `npm run synth`)
   * the stack still synthesizes and deploys a placeholder page; `npm run deploy` builds first.
   */
  readonly portalDir?: string;
}

/** The web portal: S3 (private, OAC) behind CloudFront, with the API under /v1 on the same origin. */
export class PortalStack extends Stack {
  readonly site: PortalSite;
  readonly content: PortalContent;

  constructor(scope: Construct, id: string, props: PortalStackProps) {
    super(scope, id, props);

    const cognitoEndpoint = `https://cognito-idp.${this.region}.amazonaws.com`;
    this.site = new PortalSite(this, 'Site', { apiId: props.apiId, cognitoEndpoint });
    this.content = new PortalContent(this, 'Content', {
      bucket: this.site.bucket,
      distribution: this.site.distribution,
      portalDir: props.portalDir ?? fromRepoRoot('web/dist'),
      config: { authMode: 'cognito', region: this.region, userPoolClientId: props.userPoolClientId },
    });
    const handler = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) acknowledgeBucketDeploymentHandler(handler, this.site.bucket);

    new CfnOutput(this, 'PortalUrl', { value: `https://${this.site.distribution.distributionDomainName}/`, description: 'The portal (and the API under /v1)' });
    new CfnOutput(this, 'PortalBucketName', { value: this.site.bucket.bucketName });
    new CfnOutput(this, 'DistributionId', { value: this.site.distribution.distributionId });
  }
}
