import type { AppLayoutProps } from '@cloudscape-design/components/app-layout';

/** What a route tells the shell about its page (react-router `handle`). */
export interface RouteHandle {
  /** Breadcrumb of the page, after "Marrow". */
  crumbs: { text: string; href: string }[];
  contentType?: AppLayoutProps.ContentType;
}
