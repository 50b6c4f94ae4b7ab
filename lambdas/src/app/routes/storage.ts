import { storageCollectionRequestSchema, storageCollectionSchema } from '@marrow/shared';
import { collectUnreferencedStorage } from '../../catalogue/storage-collection';
import { route } from '../route';

const tag = 'Storage';

export const storageRoutes = [
  route({
    method: 'post',
    path: '/v1/storage/collections',
    summary:
      'Give back the archive space of chunks that no master version or backup image uses any more (older than 7 days). A dry run (the default) only reports; refused while a capture is running.',
    tag,
    access: 'write',
    body: storageCollectionRequestSchema,
    response: storageCollectionSchema,
    handle: ({ deps, tenantId, body }) => collectUnreferencedStorage(deps, tenantId, { dryRun: body.dryRun }),
  }),
];
