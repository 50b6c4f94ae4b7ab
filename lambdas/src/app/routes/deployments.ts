import { z } from 'zod';
import {
  deploymentCreateSchema,
  deploymentSchema,
  deploymentTaskSchema,
  deploymentTaskUpdateSchema,
  deploymentUpdateSchema,
  type Deployment,
  type DeploymentTask,
} from '@marrow/shared';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/marrow-error';
import { isUnfinished, listTasks, moveTask, refreshDeploymentState, taskKey } from '../../catalogue/deployments';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { unfinishedDeployments } from '../../catalogue/usage';
import { refuseIfMachineBusy } from '../../catalogue/backup-requests';
import { sendToServingImagingServer } from '../../catalogue/edge-commands';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Deployments';

export const deploymentRoutes = [
  listRoute({ path: '/v1/deployments', kind: 'deployment', schema: deploymentSchema, summary: 'List deployments (of one entity with entityId)', tag, byEntity: true }),
  route({
    method: 'post',
    path: '/v1/deployments',
    summary: 'Deploy a master to machines of its entity, now or at a time, with post-imaging scripts',
    tag,
    access: 'write',
    status: 201,
    body: deploymentCreateSchema,
    response: deploymentSchema,
    handle: async ({ deps, tenantId, body, principal }) => {
      const { store } = deps;
      const now = deps.clock();
      const master = await getOrNotFound(store, tenantId, 'master', body.masterId, 'body.masterId');
      if (master.versions.length === 0) throw new ConflictError(`master ${master.label} has no image yet; it cannot be deployed`);
      for (const scriptId of body.postImagingScriptIds) {
        await getOrNotFound(store, tenantId, 'postImagingScript', scriptId, 'body.postImagingScriptIds');
      }
      const machines = [];
      for (const machineId of body.machineIds) {
        const machine = await getOrNotFound(store, tenantId, 'machine', machineId, 'body.machineIds');
        if (machine.entityId !== master.entityId) {
          throw new ValidationError(`body.machineIds: machine "${machine.hostname}" is not in the entity of master ${master.label}`);
        }
        machines.push(machine);
      }
      const busy = await unfinishedDeployments(store, tenantId, master.entityId);
      for (const machine of machines) {
        const other = busy.find((d) => d.machineIds.includes(machine.id));
        if (other) throw new ConflictError(`machine "${machine.hostname}" is already in unfinished deployment ${other.id}`);
        await refuseIfMachineBusy(store, tenantId, machine, 'deploy');
      }
      const deployment: Deployment = {
        ...newMeta(tenantId, now),
        id: deps.newId('deployment'),
        entityId: master.entityId,
        ...body,
        state: 'scheduled',
        createdBy: principal.username,
      };
      // Tasks first, the deployment last: until its record exists nothing lists the tasks,
      // so an interrupted creation is never half-visible.
      for (const machine of machines) {
        const task: DeploymentTask = {
          ...newMeta(tenantId, now),
          deploymentId: deployment.id,
          machineId: machine.id,
          state: 'pending',
          progress: null,
          error: null,
        };
        await store.create(tenantId, 'deploymentTask', taskKey(deployment.id, machine.id), task);
      }
      await store.create(tenantId, 'deployment', deployment.id, deployment);
      // Make sure the site holds the master before the machines boot, then arm them.
      await sendToServingImagingServer(
        deps,
        tenantId,
        deployment.entityId,
        { type: 'sync-master', masterId: master.id, version: master.versions.at(-1)!.number },
        { type: 'arm-deployment', deploymentId: deployment.id },
      );
      return deployment;
    },
  }),
  getRoute({ path: '/v1/deployments', kind: 'deployment', schema: deploymentSchema, summary: 'Get a deployment', tag }),
  route({
    method: 'patch',
    path: '/v1/deployments/:id',
    summary: 'Edit the description, or reschedule a deployment that has not started',
    tag,
    access: 'write',
    body: deploymentUpdateSchema,
    response: deploymentSchema,
    handle: ({ deps, tenantId, params, body }) =>
      updateRecord(deps.store, tenantId, 'deployment', params.id!, deps.clock(), (deployment) => {
        if (body.scheduledAt !== undefined && deployment.state !== 'scheduled') {
          throw new ConflictError(`deployment ${deployment.id} is ${deployment.state}; only a scheduled deployment can be rescheduled`);
        }
        return applyPatch(deployment, body);
      }),
  }),
  route({
    method: 'delete',
    path: '/v1/deployments/:id',
    summary: 'Delete a finished or cancelled deployment and its tasks',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const deployment = await getOrNotFound(deps.store, tenantId, 'deployment', params.id!);
      if (deployment.state === 'scheduled' || deployment.state === 'running') {
        throw new ConflictError(`deployment ${deployment.id} is ${deployment.state}; cancel it first`);
      }
      await deps.store.delete(tenantId, 'deployment', deployment.id, deployment.version);
      for (const task of await listTasks(deps.store, tenantId, deployment.id)) {
        await deps.store.delete(tenantId, 'deploymentTask', taskKey(deployment.id, task.machineId));
      }
    },
  }),
  route({
    method: 'post',
    path: '/v1/deployments/:id/cancel',
    summary: 'Cancel every unfinished task of a deployment',
    tag,
    access: 'write',
    response: deploymentSchema,
    handle: async ({ deps, tenantId, params }) => {
      const deployment = await getOrNotFound(deps.store, tenantId, 'deployment', params.id!);
      const now = deps.clock();
      for (const task of (await listTasks(deps.store, tenantId, deployment.id)).filter(isUnfinished)) {
        try {
          await moveTask(deps.store, tenantId, deployment.id, task.machineId, now, { state: 'cancelled' });
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error; // it finished meanwhile: keep its real outcome
        }
      }
      await sendToServingImagingServer(deps, tenantId, deployment.entityId, { type: 'cancel-deployment', deploymentId: deployment.id });
      return refreshDeploymentState(deps.store, tenantId, deployment.id, now);
    },
  }),
  route({
    method: 'get',
    path: '/v1/deployments/:id/tasks',
    summary: "A deployment's per-machine tasks with their progress",
    tag,
    access: 'read',
    response: z.object({ items: z.array(deploymentTaskSchema) }),
    handle: async ({ deps, tenantId, params }) => {
      const deployment = await getOrNotFound(deps.store, tenantId, 'deployment', params.id!);
      return { items: await listTasks(deps.store, tenantId, deployment.id) };
    },
  }),
  route({
    method: 'patch',
    path: '/v1/deployments/:id/tasks/:machineId',
    summary: "Report a machine's task state and progress (legal moves only)",
    tag,
    access: 'write',
    body: deploymentTaskUpdateSchema,
    response: deploymentTaskSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      const deployment = await getOrNotFound(deps.store, tenantId, 'deployment', params.id!);
      const now = deps.clock();
      if (!(await deps.store.get(tenantId, 'deploymentTask', taskKey(deployment.id, params.machineId!)))) {
        throw new NotFoundError(`machine ${params.machineId} is not part of deployment ${deployment.id}`);
      }
      const task = await moveTask(deps.store, tenantId, deployment.id, params.machineId!, now, body);
      await refreshDeploymentState(deps.store, tenantId, deployment.id, now);
      return task;
    },
  }),
];
