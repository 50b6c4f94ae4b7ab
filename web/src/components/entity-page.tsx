import type { ReactNode } from 'react';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useNavigate } from 'react-router';
import type { Entity } from '@marrow/shared';
import { useCanEdit } from '../auth/session';
import { EntitySelect } from '../entities/entity-select';
import { useSelectedEntity } from '../entities/selected-entity';
import { EmptyState, ErrorState, PageLoading } from './page-states';

interface EntityPageProps {
  title: string;
  description?: ReactNode;
  info?: ReactNode;
  actions?: ReactNode;
  /** The page's content for the selected entity. */
  children: (entity: Entity) => ReactNode;
}

/**
 * A page about one entity: title, the entity selector at the top (as the imaging module
 * always had it), and the states before an entity can be shown.
 */
export function EntityPage({ title, description, info, actions, children }: EntityPageProps) {
  const { entity, entities } = useSelectedEntity();
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  let body: ReactNode;
  if (entities.isPending) body = <PageLoading text="Loading entities" />;
  else if (entities.isError) body = <ErrorState header="The entities could not be loaded" error={entities.error} onRetry={() => entities.refetch()} />;
  else if (!entity)
    body = (
      <Container>
        <EmptyState
          title="No entities"
          subtitle="Entities group your machines by site, department or location; each is served by one imaging server."
          action={canEdit ? <Button onClick={() => navigate('/entities')}>Create an entity</Button> : undefined}
        />
      </Container>
    );
  else body = children(entity);
  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <Header variant="h1" description={description} info={info} actions={actions}>
            {title}
          </Header>
          <EntitySelect />
        </SpaceBetween>
      }
    >
      {body}
    </ContentLayout>
  );
}
