import { SYSTEM_SCOPE } from '../ports/catalogue-store';
import type { AppDeps } from '../app/deps';
import { newMeta } from '../catalogue/records';
import { issueEnrolmentCode } from '../catalogue/enrolment';
import { credentialFile, type EdgeConfig } from '../../../edge/src/config/edge-config';
import { loadIdentity, saveIdentity } from '../../../edge/src/catalogue/credential-store';
import { enrol } from '../../../edge/src/catalogue/enrol';
import { startEdge, type RunningEdge } from '../../../edge/src/daemon';

export const LOCAL_EDGE_NAME = 'Local edge';

/**
 * `npm start` shows a complete site: an edge appliance running beside the control plane,
 * enrolled (once, through the real enrolment API) as the imaging server of the first
 * tenant's first entity.
 */
export async function startLocalEdge(deps: AppDeps, apiUrl: string, config: EdgeConfig): Promise<RunningEdge> {
  let identity = await loadIdentity(credentialFile(config));
  if (!identity || !(await deps.store.get(identity.tenantId, 'imagingServer', identity.imagingServerId))) {
    const code = await localImagingServerCode(deps);
    identity = await enrol(apiUrl, code);
    await saveIdentity(credentialFile(config), identity);
  }
  return startEdge(config, identity, {
    info: (message) => console.log(`  edge: ${message}`),
    warn: (message) => console.warn(`  edge: warning: ${message}`),
  });
}

/** An enrolment code for the first entity's imaging server, creating the server if it has none. */
async function localImagingServerCode(deps: AppDeps): Promise<string> {
  const now = deps.clock();
  const [tenant] = (await deps.store.list(SYSTEM_SCOPE, 'tenant', { limit: 1 })).items;
  if (!tenant) throw new Error('no tenant to enrol the local edge in');
  const [entity] = (await deps.store.list(tenant.id, 'entity', { group: 'root', limit: 1 })).items;
  if (!entity) throw new Error(`tenant ${tenant.name} has no entity to serve`);
  let serverId = entity.imagingServerId;
  if (!serverId) {
    serverId = deps.newId('imagingServer');
    await deps.store.create(tenant.id, 'imagingServer', serverId, {
      ...newMeta(tenant.id, now),
      id: serverId,
      entityId: entity.id,
      name: LOCAL_EDGE_NAME,
      revokedAt: null,
    });
    await deps.store.replace(tenant.id, 'entity', entity.id, { ...entity, imagingServerId: serverId, version: entity.version + 1, updatedAt: now.toISOString() }, entity.version);
  }
  return (await issueEnrolmentCode(deps.store, tenant.id, serverId, now)).enrolmentCode;
}
