import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, Outlet, type RouteObject } from 'react-router';
import Box from '@cloudscape-design/components/box';
import { useSessionControl } from './auth/session';
import { ErrorState, PageLoading } from './components/page-states';
import type { RouteHandle } from './shell/route-handle';

/**
 * Every page is its own chunk, and so is the console frame (AppLayout, navigation,
 * notifications): the first load carries React, the router, the API client and the session.
 * The frame starts loading at once, in parallel with the portal's configuration and the
 * session check, so a signed-in user does not wait for it in turn.
 */
const loadShell = () => import('./shell/app-shell').then((m) => ({ default: m.AppShell }));
const shellLoading = loadShell();
const AppShell = lazy(() => shellLoading);
const SignInPage = lazy(() => import('./auth/sign-in-page'));
const ImagingServerStatusPage = lazy(() => import('./pages/imaging-server-status/imaging-server-status-page'));
const FleetPage = lazy(() => import('./pages/fleet/fleet-page'));
const MastersPage = lazy(() => import('./pages/masters/masters-page'));
const BackupImagesPage = lazy(() => import('./pages/backup-images/backup-images-page'));
const ArchiveStoragePage = lazy(() => import('./pages/archive-storage/archive-storage-page'));
const MachinesPage = lazy(() => import('./pages/machines/machines-page'));
const StartupServicesPage = lazy(() => import('./pages/startup-services/startup-services-page'));
const StartupMenuPage = lazy(() => import('./pages/startup-menu/startup-menu-page'));
const ScriptsPage = lazy(() => import('./pages/post-imaging-scripts/scripts-page'));
const ScriptEditorPage = lazy(() => import('./pages/post-imaging-scripts/script-editor-page'));
const AnswerFilesPage = lazy(() => import('./pages/answer-files/answer-files-page'));
const DeploymentsPage = lazy(() => import('./pages/deployments/deployments-page'));
const CreateDeploymentPage = lazy(() => import('./pages/deployments/create-deployment-page'));
const EntitiesPage = lazy(() => import('./pages/entities/entities-page'));
const HowImagingWorksPage = lazy(() => import('./pages/how-imaging-works/how-imaging-works-page'));
const NotFoundPage = lazy(() => import('./pages/not-found-page'));

/** Before the shell: the portal's configuration, then a session. */
function SessionGate() {
  const { state } = useSessionControl();
  if (state.status === 'starting') return <PageLoading text="Starting Marrow" />;
  if (state.status === 'config-error') {
    return (
      <Box padding="xxl">
        <ErrorState header="The portal cannot start" error={new Error(state.message)} onRetry={() => window.location.reload()} />
      </Box>
    );
  }
  if (state.status === 'signed-out') {
    return (
      <Suspense fallback={<PageLoading text="Loading sign-in" />}>
        <SignInPage config={state.config} {...(state.reason ? { reason: state.reason } : {})} />
      </Suspense>
    );
  }
  return (
    <Suspense fallback={<PageLoading text="Loading Marrow" />}>
      <AppShell />
    </Suspense>
  );
}

/** A page route; an empty path is the index page of its parent. */
function page(path: string, Component: React.ComponentType, handle: RouteHandle): RouteObject {
  return path === '' ? { index: true, element: <Component />, handle } : { path, element: <Component />, handle };
}

const routes: RouteObject[] = [
  {
    element: <SessionGate />,
    children: [
      { index: true, element: <Navigate to="/imaging-server-status" replace /> },
      page('imaging-server-status', ImagingServerStatusPage, { crumbs: [{ text: 'Imaging server status', href: '/imaging-server-status' }] }),
      page('fleet', FleetPage, { crumbs: [{ text: 'Fleet', href: '/fleet' }], contentType: 'table' }),
      page('masters', MastersPage, { crumbs: [{ text: 'Masters', href: '/masters' }], contentType: 'table' }),
      page('backup-images', BackupImagesPage, { crumbs: [{ text: 'Backup images', href: '/backup-images' }], contentType: 'table' }),
      page('archive-storage', ArchiveStoragePage, { crumbs: [{ text: 'Archive storage', href: '/archive-storage' }] }),
      page('machines', MachinesPage, { crumbs: [{ text: 'Machines', href: '/machines' }], contentType: 'table' }),
      page('startup-services', StartupServicesPage, { crumbs: [{ text: 'Startup services', href: '/startup-services' }], contentType: 'table' }),
      page('default-startup-menu', StartupMenuPage, { crumbs: [{ text: 'Default startup menu', href: '/default-startup-menu' }] }),
      {
        path: 'post-imaging-scripts',
        element: <Outlet />,
        children: [
          page('', ScriptsPage, { crumbs: [{ text: 'Post-imaging scripts', href: '/post-imaging-scripts' }], contentType: 'table' }),
          page('new', ScriptEditorPage, {
            crumbs: [
              { text: 'Post-imaging scripts', href: '/post-imaging-scripts' },
              { text: 'Create script', href: '/post-imaging-scripts/new' },
            ],
            contentType: 'form',
          }),
          page(':scriptId', ScriptEditorPage, {
            crumbs: [
              { text: 'Post-imaging scripts', href: '/post-imaging-scripts' },
              { text: 'Edit script', href: '.' },
            ],
            contentType: 'form',
          }),
        ],
      },
      page('answer-files', AnswerFilesPage, { crumbs: [{ text: 'Answer files', href: '/answer-files' }], contentType: 'table' }),
      {
        path: 'deployments',
        element: <Outlet />,
        children: [
          page('', DeploymentsPage, { crumbs: [{ text: 'Deployments', href: '/deployments' }], contentType: 'table' }),
          page('new', CreateDeploymentPage, {
            crumbs: [
              { text: 'Deployments', href: '/deployments' },
              { text: 'Create deployment', href: '/deployments/new' },
            ],
            contentType: 'form',
          }),
        ],
      },
      page('entities', EntitiesPage, { crumbs: [{ text: 'Entities', href: '/entities' }], contentType: 'table' }),
      page('how-imaging-works', HowImagingWorksPage, { crumbs: [{ text: 'How imaging works', href: '/how-imaging-works' }] }),
      page('*', NotFoundPage, { crumbs: [{ text: 'Page not found', href: '.' }] }),
    ],
  },
];

export const router = createBrowserRouter(routes);
