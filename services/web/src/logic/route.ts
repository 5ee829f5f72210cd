/**
 * The page's location lives in the URL hash (`#/images/<id>`, `#/videos/<id>`) so deep links never collide with
 * the API's own `/images/...` and `/videos/...` paths on the same origin and need no server-side fallback.
 */
export type Route =
  | { page: 'home' }
  | { page: 'models' }
  | { page: 'image'; imageId: string; objectId: string | null }
  | { page: 'videos' }
  | { page: 'video'; videoId: string };

const IMAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const VIDEO_ID = /^[0-9a-f]{64}$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (/^\/models\/?$/.test(path)) return { page: 'models' };
  const match = /^\/images\/([^/?]+)(?:\/objects\/([^/?]+))?\/?$/.exec(path);
  if (match) {
    const imageId = decodeURIComponent(match[1]!);
    const objectId = match[2] ? decodeURIComponent(match[2]) : null;
    if (IMAGE_ID.test(imageId) && (objectId === null || IMAGE_ID.test(objectId))) {
      return { page: 'image', imageId, objectId };
    }
  }
  if (/^\/videos\/?$/.test(path)) return { page: 'videos' };
  const video = /^\/videos\/([^/?]+)\/?$/.exec(path);
  if (video && VIDEO_ID.test(video[1]!)) return { page: 'video', videoId: video[1]! };
  return { page: 'home' };
}

export function routeHash(route: Route): string {
  switch (route.page) {
    case 'home':
      return '#/';
    case 'models':
      return '#/models';
    case 'videos':
      return '#/videos';
    case 'video':
      return `#/videos/${route.videoId}`;
    default: {
      const base = `#/images/${encodeURIComponent(route.imageId)}`;
      return route.objectId ? `${base}/objects/${encodeURIComponent(route.objectId)}` : base;
    }
  }
}

/** The page's views, in the order the header lists them; each has its routes and its component. */
export const VIEWS = [
  { id: 'images', label: 'Images', hash: '#/' },
  { id: 'videos', label: 'Videos', hash: '#/videos' },
  { id: 'models', label: 'Models', hash: '#/models' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

/** The view a route belongs to (the header marks it as the current page). */
export function viewOf(route: Route): ViewId {
  if (route.page === 'models') return 'models';
  return route.page === 'videos' || route.page === 'video' ? 'videos' : 'images';
}
