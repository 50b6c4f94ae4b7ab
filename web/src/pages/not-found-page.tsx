import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import { useNavigate } from 'react-router';
import { EmptyState } from '../components/page-states';

export default function NotFoundPage() {
  const navigate = useNavigate();
  return (
    <ContentLayout header={<Header variant="h1">Page not found</Header>}>
      <Container>
        <EmptyState
          title="There is no page at this address"
          subtitle="The link may be out of date."
          action={<Button onClick={() => navigate('/imaging-server-status')}>Go to the imaging server status</Button>}
        />
      </Container>
    </ContentLayout>
  );
}
