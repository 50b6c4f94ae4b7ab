import { Tags, type App } from 'aws-cdk-lib';
import { ApiStack } from './api-stack';
import { DataStack } from './data-stack';
import { EdgeLinkStack } from './edge-link-stack';
import { MaintenanceStack } from './maintenance-stack';
import { PortalStack } from './portal-stack';

export interface MarrowStacks {
  readonly data: DataStack;
  readonly edgeLink: EdgeLinkStack;
  readonly api: ApiStack;
  readonly portal: PortalStack;
  readonly maintenance: MaintenanceStack;
}

/**
 * Adds Marrow's stacks to an app. The CLI entry and the tests both call this, so the tests
 * check exactly what `cdk synth` produces. The stacks are environment-agnostic: synth needs
 * no account, no credentials and no network; `cdk deploy` binds them to the caller's account.
 */
export function addMarrowStacks(app: App): MarrowStacks {
  const data = new DataStack(app, 'MarrowData', {
    description: 'Marrow: catalogue table and masters bucket (stateful, retained)',
  });
  const edgeLink = new EdgeLinkStack(app, 'MarrowEdgeLink', {
    description: 'Marrow: IoT Core edge policy, data endpoint and topic rules (edge messages to the catalogue)',
    table: data.table,
  });
  const api = new ApiStack(app, 'MarrowApi', {
    description: 'Marrow: Cognito user pool, API function and HTTP API',
    table: data.table,
    mastersBucket: data.mastersBucket,
    edgeLink: edgeLink.binding,
  });
  const portal = new PortalStack(app, 'MarrowPortal', {
    description: 'Marrow: web portal (S3 + CloudFront), with the API under /v1 on the same origin',
    apiId: api.httpApi.api.apiId,
    userPoolClientId: api.users.portalClient.userPoolClientId,
    // Tests point this at a fixture; `cdk synth` uses web/dist (or deploys a placeholder without it).
    portalDir: app.node.tryGetContext('marrow:portalDir') as string | undefined,
  });
  const maintenance = new MaintenanceStack(app, 'MarrowMaintenance', {
    description: 'Marrow: daily storage collection (masters bucket space no master or backup image uses)',
    table: data.table,
    mastersBucket: data.mastersBucket,
  });
  Tags.of(app).add('project', 'marrow');
  return { data, edgeLink, api, portal, maintenance };
}
