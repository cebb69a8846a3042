// Live data: a hook that loads on mount and again every few seconds without reloading the
// page, and keeps the last good answer on screen while a poll fails.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often live pages poll the API. */
export const POLL_MS = 2_000;

export interface Poll<T> {
  data: T | undefined;
  error: unknown;
  /** Loads now (after a change made by the user), and polls again after a pause. */
  refresh: () => void;
  /**
   * Stops polling and resolves once no load is in flight: before deleting what the page
   * shows, so no poll asks for it afterwards.
   */
  pause: () => Promise<void>;
}

export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs: number | null = POLL_MS): Poll<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown }>({ data: undefined, error: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => {});
  const halt = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running: Promise<void> | undefined;
    let paused = false;
    setState({ data: undefined, error: undefined });
    const once = async () => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined });
      } catch (error) {
        if (!stopped) setState((s) => ({ data: s.data, error }));
      }
    };
    const run = () => {
      if (stopped || paused || running) return;
      clearTimeout(timer);
      running = once().finally(() => {
        running = undefined;
        if (!stopped && !paused && intervalMs !== null) timer = setTimeout(run, intervalMs);
      });
    };
    kick.current = () => {
      paused = false;
      run();
    };
    halt.current = async () => {
      paused = true;
      clearTimeout(timer);
      await running;
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const refresh = useCallback(() => kick.current(), []);
  const pause = useCallback(() => halt.current(), []);
  return { data: state.data, error: state.error, refresh, pause };
}
