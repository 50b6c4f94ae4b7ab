import type { AnyRoute } from '../route';
import { agentRoutes } from './agents';
import { answerFileRoutes } from './answer-files';
import { authRoutes } from './auth';
import { backupImageRoutes } from './backup-images';
import { backupRequestRoutes } from './backup-requests';
import { bootServiceRoutes } from './boot-services';
import { deploymentRoutes } from './deployments';
import { driverSetRoutes } from './driver-sets';
import { edgeRoutes } from './edge';
import { edgeImageRoutes } from './edge-images';
import { edgeImagingFileRoutes } from './edge-imaging-files';
import { entityRoutes } from './entities';
import { healthRoutes } from './health';
import { imagingServerRoutes } from './imaging-servers';
import { imagingServerStatusRoutes } from './imaging-server-status';
import { machineRoutes } from './machines';
import { masterRoutes } from './masters';
import { postImagingScriptRoutes } from './post-imaging-scripts';
import { startupMenuRoutes } from './startup-menus';
import { storageRoutes } from './storage';
import { tenantRoutes } from './tenants';
import { userRoutes } from './users';

/** Every route of the API, in the order the OpenAPI document lists them. */
export const apiRoutes: readonly AnyRoute[] = [
  ...healthRoutes,
  ...authRoutes,
  ...tenantRoutes,
  ...userRoutes,
  ...entityRoutes,
  ...startupMenuRoutes,
  ...imagingServerRoutes,
  ...imagingServerStatusRoutes,
  ...machineRoutes,
  ...backupImageRoutes,
  ...backupRequestRoutes,
  ...masterRoutes,
  ...bootServiceRoutes,
  ...postImagingScriptRoutes,
  ...answerFileRoutes,
  ...agentRoutes,
  ...driverSetRoutes,
  ...deploymentRoutes,
  ...storageRoutes,
  ...edgeRoutes,
  ...edgeImageRoutes,
  ...edgeImagingFileRoutes,
];
