import { RecordExistsError } from '../errors/marrow-error';
import type { CatalogueStore } from '../ports/catalogue-store';
import { newMeta } from '../catalogue/records';

/**
 * Records that an edge's message was applied, and says whether it is the first time: MQTT
 * QoS 1 delivers at least once and the edge's outbox replays after an outage, so the same
 * message may arrive twice. The claim is one conditional write.
 */
export async function firstDelivery(store: CatalogueStore, tenantId: string, imagingServerId: string, messageId: string, now: Date): Promise<boolean> {
  try {
    await store.create(tenantId, 'appliedEdgeMessage', `${imagingServerId}#${messageId}`, {
      ...newMeta(tenantId, now),
      imagingServerId,
      messageId,
    });
    return true;
  } catch (error) {
    if (error instanceof RecordExistsError) return false;
    throw error;
  }
}

/** Gives back a claim when applying the message failed, so a redelivery can apply it. */
export async function forgetDelivery(store: CatalogueStore, tenantId: string, imagingServerId: string, messageId: string): Promise<void> {
  await store.delete(tenantId, 'appliedEdgeMessage', `${imagingServerId}#${messageId}`);
}
