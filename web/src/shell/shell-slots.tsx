import { createContext, useContext, useEffect, useMemo, useState, type DependencyList, type ReactNode } from 'react';

/**
 * Parts of the AppLayout that a page fills: the split panel (deployment details) and the
 * help panel. A page declares them with deps, like useMemo; the nodes are rendered by the
 * shell, so they may use every hook (queries, session) themselves.
 */
interface Slots {
  splitPanel: ReactNode | null;
  help: ReactNode | null;
}

interface SlotsControl {
  set(slot: keyof Slots, node: ReactNode | null): void;
}

const SlotsContext = createContext<Slots>({ splitPanel: null, help: null });
const SlotsControlContext = createContext<SlotsControl>({ set: () => undefined });

export function ShellSlotsProvider({ children }: { children: ReactNode }) {
  const [slots, setSlots] = useState<Slots>({ splitPanel: null, help: null });
  const control = useMemo<SlotsControl>(() => ({ set: (slot, node) => setSlots((current) => ({ ...current, [slot]: node })) }), []);
  return (
    <SlotsControlContext.Provider value={control}>
      <SlotsContext.Provider value={slots}>{children}</SlotsContext.Provider>
    </SlotsControlContext.Provider>
  );
}

export function useShellSlots(): Slots {
  return useContext(SlotsContext);
}

function useSlot(slot: keyof Slots, render: () => ReactNode | null, deps: DependencyList) {
  const { set } = useContext(SlotsControlContext);
  useEffect(() => {
    set(slot, render());
    // The caller's deps decide when the node is rebuilt, as with useMemo.
  }, deps);
  useEffect(() => () => set(slot, null), [set, slot]);
}

export function useSplitPanel(render: () => ReactNode | null, deps: DependencyList) {
  useSlot('splitPanel', render, deps);
}

export function useHelpPanel(render: () => ReactNode, deps: DependencyList = []) {
  useSlot('help', render, deps);
}
