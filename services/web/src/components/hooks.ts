import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, ImageVariant } from '../api/client.js';
import { toApiError } from '../api/errors.js';
import type { ModelList } from '../api/types.js';
import { CHECKING, interpretReadiness, planNextPoll, type StackStatus } from '../logic/readiness.js';
import { parseRoute, type Route, routeHash } from '../logic/route.js';

/**
 * Polls `GET /ready` (see planNextPoll for when the model server is asked); paused in background tabs.
 * The model server is asked once at load (which also starts a scaled-to-zero predictor while the user picks
 * a file), every second while a job runs, and once when a job ends.
 */
export function useReadiness(api: ApiClient, busy: boolean): StackStatus {
  const [status, setStatus] = useState<StackStatus>(CHECKING);
  const busyRef = useRef(busy);
  const pollNow = useRef<(askModelServer: boolean) => void>(() => {});
  busyRef.current = busy;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest = CHECKING;
    let controller = new AbortController();
    let stopped = false;
    const poll = async (askModelServer: boolean) => {
      clearTimeout(timer);
      controller.abort();
      controller = new AbortController();
      if (!document.hidden) {
        try {
          latest = interpretReadiness(await api.ready({ askModelServer }, controller.signal), null, latest);
        } catch (error) {
          const apiError = toApiError(error, 'Checking readiness', api.baseUrl);
          if (apiError.kind === 'aborted') return;
          latest = interpretReadiness(null, apiError, latest);
        }
        if (stopped) return;
        setStatus(latest);
      }
      const plan = planNextPoll(latest, busyRef.current);
      timer = setTimeout(() => void poll(plan.askModelServer), plan.delay);
    };
    pollNow.current = (askModelServer) => void poll(askModelServer);
    const onVisible = () => {
      if (!document.hidden) void poll(false);
    };
    document.addEventListener('visibilitychange', onVisible);
    void poll(true);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api]);

  const wasBusy = useRef(busy);
  useEffect(() => {
    // a job started (find out at once whether the model server is cold) or ended (it is warm now)
    if (busy !== wasBusy.current) pollNow.current(true);
    wasBusy.current = busy;
  }, [busy]);

  return status;
}

/** The models the backend can use (`GET /models`), reloaded when the token changes. */
export function useModels(api: ApiClient, tokenVersion: number) {
  const [models, setModels] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    api
      .models(controller.signal)
      .then((list) => {
        setModels(list);
        setError(null);
      })
      .catch((caught: unknown) => {
        const apiError = toApiError(caught, 'Loading models', api.baseUrl);
        if (apiError.kind === 'aborted') return;
        setModels(null);
        setError(apiError.title);
      });
    return () => controller.abort();
  }, [api, tokenVersion]);
  return { models, error };
}

/** The current hash route, and a navigate function (push or replace a history entry). */
export function useHashRoute(): [Route, (route: Route, replace?: boolean) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = (next: Route, replace = false) => {
    const hash = routeHash(next);
    if (hash === location.hash || (hash === '#/' && location.hash === '')) {
      setRoute(next);
      return;
    }
    if (replace) history.replaceState(history.state, '', hash);
    else history.pushState(history.state, '', hash);
    setRoute(next);
  };
  return [route, navigate];
}

/** Milliseconds since `startedAt` (a performance.now() time), updated ten times a second. */
export function useElapsed(startedAt: number | null): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (startedAt === null) return;
    setNow(performance.now());
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, [startedAt]);
  return startedAt === null ? 0 : Math.max(0, now - startedAt);
}

/**
 * A URL an element can load a stored file from. Without a token it is the API URL itself (cached by the browser,
 * lazy-loadable, streamed with Range requests); with one, the bytes are fetched with the Authorization header into
 * a blob URL, since an <img src> or <video src> cannot send it. `url` names the file: a new one loads it again.
 */
export function useStoredFileSource(
  api: ApiClient,
  url: string,
  fetchBlob: (signal: AbortSignal) => Promise<Blob>,
  tokenVersion: number,
): { src: string | null; failed: boolean } {
  const [state, setState] = useState<{ src: string | null; failed: boolean }>(() =>
    api.hasToken ? { src: null, failed: false } : { src: url, failed: false },
  );
  useEffect(() => {
    if (!api.hasToken) {
      setState({ src: url, failed: false });
      return;
    }
    const controller = new AbortController();
    let objectUrl: string | null = null;
    setState({ src: null, failed: false });
    fetchBlob(controller.signal)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setState({ src: objectUrl, failed: false });
      })
      .catch(() => {
        if (!controller.signal.aborted) setState({ src: null, failed: true });
      });
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, url, tokenVersion]);
  return state;
}

/** A URL an <img> can show for a stored image (see useStoredFileSource). */
export function useImageSource(
  api: ApiClient,
  imageId: string,
  variant: ImageVariant,
  tokenVersion: number,
): { src: string | null; failed: boolean } {
  return useStoredFileSource(
    api,
    api.imageUrl(imageId, variant),
    (signal) => api.imageBlob(imageId, variant, signal),
    tokenVersion,
  );
}

/** Fires `onEscape` when Escape is pressed anywhere while `enabled` (used to clear a selection). */
export function useEscapeKey(onEscape: () => void, enabled: boolean) {
  const latest = useRef({ onEscape, enabled });
  latest.current = { onEscape, enabled };
  // registered once and read through the ref, so a key pressed right after a render is never missed
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented && latest.current.enabled)
        latest.current.onEscape();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
