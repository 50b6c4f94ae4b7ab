import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';

/** Flashbar notifications: successes fade after a while, failures stay until dismissed. */
export interface Notice {
  type: 'success' | 'error' | 'warning' | 'info';
  header?: ReactNode;
  content?: ReactNode;
}

type Notify = (notice: Notice) => void;

const NotifyContext = createContext<Notify>(() => undefined);
const ItemsContext = createContext<FlashbarProps.MessageDefinition[]>([]);

const SUCCESS_LIFETIME_MS = 8000;
const MAX_NOTICES = 5;

export function NotificationsProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<FlashbarProps.MessageDefinition[]>([]);
  const counter = useRef(0);

  const notify = useCallback<Notify>((notice) => {
    const id = `notice-${++counter.current}`;
    const dismiss = () => setItems((current) => current.filter((item) => item.id !== id));
    const item: FlashbarProps.MessageDefinition = {
      id,
      type: notice.type,
      header: notice.header,
      content: notice.content,
      dismissible: true,
      dismissLabel: 'Dismiss message',
      onDismiss: dismiss,
    };
    setItems((current) => [item, ...current].slice(0, MAX_NOTICES));
    if (notice.type === 'success') setTimeout(dismiss, SUCCESS_LIFETIME_MS);
  }, []);

  return (
    <NotifyContext.Provider value={notify}>
      <ItemsContext.Provider value={items}>{children}</ItemsContext.Provider>
    </NotifyContext.Provider>
  );
}

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

export function Notifications() {
  const items = useContext(ItemsContext);
  const stacked = useMemo(() => items.length > 2, [items.length]);
  return (
    <Flashbar
      items={items}
      stackItems={stacked}
      i18nStrings={{
        ariaLabel: 'Notifications',
        notificationBarText: 'Notifications',
        notificationBarAriaLabel: 'View all notifications',
        errorIconAriaLabel: 'Error',
        successIconAriaLabel: 'Success',
        warningIconAriaLabel: 'Warning',
        infoIconAriaLabel: 'Information',
        inProgressIconAriaLabel: 'In progress',
      }}
    />
  );
}
