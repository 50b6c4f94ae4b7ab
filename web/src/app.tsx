import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { I18nProvider } from '@cloudscape-design/components/i18n';
import messages from '@cloudscape-design/components/i18n/messages/all.en';
import { RouterProvider } from 'react-router';
import { ApiError } from './api/api-error';
import { SessionProvider } from './auth/session';
import { router } from './routes';
import { NotificationsProvider } from './shell/notifications';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Cached data shows at once and is refreshed in the background whenever a page mounts:
      // other administrators, and the imaging servers, change things too.
      staleTime: 0,
      // Retry what may pass next time (network, 5xx); a 4xx will not change by retrying.
      retry: (failures, error) => failures < 2 && (!(error instanceof ApiError) || error.kind === 'network' || error.kind === 'server'),
    },
  },
});

export function App() {
  return (
    <I18nProvider locale={navigator.language.startsWith('en') ? navigator.language : 'en'} messages={[messages]}>
      <QueryClientProvider client={queryClient}>
        <NotificationsProvider>
          <SessionProvider>
            <RouterProvider router={router} />
          </SessionProvider>
        </NotificationsProvider>
      </QueryClientProvider>
    </I18nProvider>
  );
}
