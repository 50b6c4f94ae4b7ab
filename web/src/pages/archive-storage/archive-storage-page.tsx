import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useCanEdit, useSession } from '../../auth/session';
import { ConfirmModal } from '../../components/confirm-modal';
import { formatSize } from '../../format/format';
import { reclaimableOf, reclaimQuestion } from './collection-report';
import { CollectionOutcomeView } from './collection-outcome';
import { StorageExplanation } from './storage-explanation';
import { useStorageCollection, type CollectionOutcome } from './use-storage-collection';

/**
 * The archive space of the tenant that no master or backup image uses any more: check it
 * (a dry run), then reclaim it. Tenant-level: chunks are shared by every entity's images.
 */
export default function ArchiveStoragePage() {
  const { tenantId } = useSession();
  // A report is about one tenant: switching tenant starts over.
  return <ArchiveStorage key={tenantId} />;
}

function ArchiveStorage() {
  const canEdit = useCanEdit();
  const collection = useStorageCollection();
  const [confirming, setConfirming] = useState(false);
  const reclaimable = reclaimableOf(collection.outcome?.kind === 'checked' ? collection.outcome.report : null);

  const actions = canEdit ? (
    <SpaceBetween direction="horizontal" size="xs">
      <Button onClick={collection.check} loading={collection.checking} data-testid="check-storage">
        Check
      </Button>
      <Button
        variant="primary"
        disabled={!reclaimable || collection.checking}
        disabledReason={whyNotReclaim(collection.outcome)}
        onClick={() => setConfirming(true)}
        data-testid="reclaim-storage"
      >
        {reclaimable ? `Reclaim ${formatSize(reclaimable.bytes)}` : 'Reclaim space'}
      </Button>
    </SpaceBetween>
  ) : undefined;

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="Give back the archive space that no master or backup image uses any more." actions={actions}>
          Archive storage
        </Header>
      }
    >
      <SpaceBetween size="l">
        <StorageExplanation />
        {canEdit ? (
          <CollectionOutcomeView
            outcome={collection.outcome}
            checking={collection.checking}
            checkError={collection.checkError}
            onCheck={collection.check}
          />
        ) : (
          <Alert type="info" header="Only administrators can reclaim archive storage">
            Your role is read-only: ask a tenant administrator or your MSP operator to check and reclaim the space.
          </Alert>
        )}
      </SpaceBetween>
      {confirming && reclaimable && (
        <ConfirmModal
          header="Reclaim archive storage?"
          confirmText="Delete"
          refusedHeader="The archive space could not be reclaimed"
          onConfirm={collection.reclaim}
          onClose={() => setConfirming(false)}
        >
          {reclaimQuestion(reclaimable)}
        </ConfirmModal>
      )}
    </ContentLayout>
  );
}

function whyNotReclaim(outcome: CollectionOutcome | null): string {
  if (!outcome) return 'Check the archive first: the check tells how much space can be reclaimed.';
  if (outcome.kind === 'reclaimed') return 'Check again to see what can be reclaimed now.';
  return outcome.report.skipped !== null ? 'The check did not run: check again once the capture has ended.' : 'The last check found nothing to reclaim.';
}
