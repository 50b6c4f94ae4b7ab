import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Tenant } from '@marrow/shared';
import { api, setCredentials, setUnauthorizedHandler, type Me } from '../api/client';
import { messageOf } from '../api/api-error';
import { loadRuntimeConfig, type RuntimeConfig } from './runtime-config';

/**
 * Who is signed in, in which tenant. The token lives in sessionStorage (gone with the tab);
 * the last tenant chosen is remembered per user in localStorage.
 */
export type SessionState =
  | { status: 'starting' }
  | { status: 'config-error'; message: string }
  | { status: 'signed-out'; config: RuntimeConfig; reason?: string }
  | { status: 'signed-in'; config: RuntimeConfig; token: string; expiresAt: string; me: Me; tenants: Tenant[]; tenantId: string };

export type SignedIn = Extract<SessionState, { status: 'signed-in' }>;

interface SessionControl {
  state: SessionState;
  /** Completes a sign-in with a token from the API (local) or Cognito (cloud). */
  signIn(token: string, expiresAt: string): Promise<void>;
  signOut(reason?: string): void;
  switchTenant(tenantId: string): void;
  /** Reloads the tenants the user may act in (operators create tenants at any time). */
  refreshTenants(): Promise<void>;
}

const SessionContext = createContext<SessionControl | null>(null);

const SESSION_KEY = 'marrow.session';
const tenantKey = (username: string) => `marrow.tenant.${username}`;

interface StoredSession {
  token: string;
  expiresAt: string;
}

function readStoredSession(): StoredSession | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as StoredSession | null;
    if (stored && typeof stored.token === 'string' && Date.parse(stored.expiresAt) > Date.now() + 30_000) return stored;
  } catch {
    // unreadable: sign in again
  }
  return null;
}

async function establish(config: RuntimeConfig, token: string, expiresAt: string): Promise<SignedIn> {
  setCredentials({ token, tenantId: null });
  const [me, tenants] = await Promise.all([api.auth.me(), api.tenants.list()]);
  if (tenants.length === 0) throw new Error('Your account may act in no tenant: ask an MSP operator to grant you one.');
  const remembered = localStorage.getItem(tenantKey(me.username));
  const tenantId = tenants.some((t) => t.id === remembered) ? remembered! : [...tenants].sort(byName)[0]!.id;
  setCredentials({ tenantId });
  return { status: 'signed-in', config, token, expiresAt, me, tenants: [...tenants].sort(byName), tenantId };
}

const byName = (a: Tenant, b: Tenant) => a.name.localeCompare(b.name);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'starting' });
  const queryClient = useQueryClient();
  const configRef = useRef<RuntimeConfig | null>(null);

  const signOut = useCallback(
    (reason?: string) => {
      sessionStorage.removeItem(SESSION_KEY);
      setCredentials({ token: null, tenantId: null });
      queryClient.clear();
      const config = configRef.current;
      setState(config ? { status: 'signed-out', config, ...(reason ? { reason } : {}) } : { status: 'starting' });
    },
    [queryClient],
  );

  useEffect(() => {
    setUnauthorizedHandler(() => signOut('Your session has expired or was revoked. Sign in again.'));
    let cancelled = false;
    (async () => {
      let config: RuntimeConfig;
      try {
        config = await loadRuntimeConfig();
      } catch (error) {
        if (!cancelled) setState({ status: 'config-error', message: messageOf(error) });
        return;
      }
      configRef.current = config;
      const stored = readStoredSession();
      if (!stored) {
        if (!cancelled) setState({ status: 'signed-out', config });
        return;
      }
      try {
        const session = await establish(config, stored.token, stored.expiresAt);
        if (!cancelled) setState(session);
      } catch (error) {
        sessionStorage.removeItem(SESSION_KEY);
        if (!cancelled) setState({ status: 'signed-out', config, reason: messageOf(error) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [signOut]);

  // Sign out when the token expires rather than failing the next call.
  const expiresAt = state.status === 'signed-in' ? state.expiresAt : null;
  useEffect(() => {
    if (!expiresAt) return;
    const delay = Math.max(0, Date.parse(expiresAt) - Date.now());
    const timer = setTimeout(() => signOut('Your session has expired. Sign in again.'), Math.min(delay, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [expiresAt, signOut]);

  const signIn = useCallback(async (token: string, tokenExpiresAt: string) => {
    const config = configRef.current;
    if (!config) throw new Error('The portal is still starting.');
    try {
      const session = await establish(config, token, tokenExpiresAt);
      sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, expiresAt: tokenExpiresAt } satisfies StoredSession));
      setState(session);
    } catch (error) {
      setCredentials({ token: null, tenantId: null });
      throw error;
    }
  }, []);

  const switchTenant = useCallback((tenantId: string) => {
    setState((current) => {
      if (current.status !== 'signed-in' || !current.tenants.some((t) => t.id === tenantId)) return current;
      setCredentials({ tenantId });
      localStorage.setItem(tenantKey(current.me.username), tenantId);
      return { ...current, tenantId };
    });
  }, []);

  const refreshTenants = useCallback(async () => {
    const tenants = [...(await api.tenants.list())].sort(byName);
    setState((current) => {
      if (current.status !== 'signed-in') return current;
      if (JSON.stringify(tenants) === JSON.stringify(current.tenants)) return current;
      // The current tenant stays unless it is gone.
      if (tenants.some((t) => t.id === current.tenantId) || tenants.length === 0) return { ...current, tenants };
      setCredentials({ tenantId: tenants[0]!.id });
      return { ...current, tenants, tenantId: tenants[0]!.id };
    });
  }, []);

  // Tenants come and go: refresh the list every few minutes and when the tab gets focus again.
  const signedIn = state.status === 'signed-in';
  useEffect(() => {
    if (!signedIn) return;
    const refresh = () => void refreshTenants().catch(() => undefined);
    const timer = setInterval(refresh, 5 * 60_000);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
    };
  }, [signedIn, refreshTenants]);

  const value = useMemo(() => ({ state, signIn, signOut, switchTenant, refreshTenants }), [state, signIn, signOut, switchTenant, refreshTenants]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionControl(): SessionControl {
  const control = useContext(SessionContext);
  if (!control) throw new Error('useSessionControl outside SessionProvider');
  return control;
}

/** The signed-in session; only used below the sign-in guard. */
export function useSession(): SignedIn & Omit<SessionControl, 'state'> {
  const { state, ...actions } = useSessionControl();
  if (state.status !== 'signed-in') throw new Error('useSession while signed out');
  return { ...state, ...actions };
}

/** Read-only users see no edit actions (the API refuses them anyway). */
export function useCanEdit(): boolean {
  return useSession().me.role !== 'read-only';
}

export function useTenantName(tenantId: string): string {
  const { tenants } = useSession();
  return tenants.find((t) => t.id === tenantId)?.name ?? tenantId;
}
