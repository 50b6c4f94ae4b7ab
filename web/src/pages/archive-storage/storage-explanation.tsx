import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import { RouterLink } from '../../components/router-link';

/** How archive space is used and freed, in the users' words. */
export function StorageExplanation() {
  return (
    <Container header={<Header variant="h2">How archive space is freed</Header>}>
      <ul>
        <li>
          <RouterLink href="/masters">Masters</RouterLink> and <RouterLink href="/backup-images">backup images</RouterLink> are stored in
          the archive as chunks, shared between them: a chunk that several images contain is stored once.
        </li>
        <li>
          Deleting a master or a backup image does not free its space by itself: its chunks stay as long as another image uses them, and
          are removed only when you reclaim the space that nothing uses any more.
        </li>
        <li>Chunks less than 7 days old are always kept, even when nothing uses them yet: an upload may still be in progress.</li>
        <li>Nothing is collected while a backup image is being captured: check again once the capture has ended.</li>
        <li>
          <strong>Check</strong> only reports what can be reclaimed; nothing is deleted until you choose <strong>Reclaim</strong> and
          confirm.
        </li>
      </ul>
    </Container>
  );
}
