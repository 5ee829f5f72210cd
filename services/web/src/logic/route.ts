/**
 * The page's location lives in the URL hash (`#/images/<id>`) so deep links never collide with the API's
 * own `/images/...` paths on the same origin and need no server-side fallback.
 */
export type Route =
  | { page: 'home' }
  | { page: 'models' }
  | { page: 'image'; imageId: string; objectId: string | null };

const IMAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;

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
  return { page: 'home' };
}

export function routeHash(route: Route): string {
  if (route.page === 'home') return '#/';
  if (route.page === 'models') return '#/models';
  const base = `#/images/${encodeURIComponent(route.imageId)}`;
  return route.objectId ? `${base}/objects/${encodeURIComponent(route.objectId)}` : base;
}

/**
 * The page's views, in the order the header lists them. A view added here (videos…) gets its own route and
 * component, and the header links to it.
 */
export const VIEWS = [
  { id: 'images', label: 'Images', hash: '#/' },
  { id: 'models', label: 'Models', hash: '#/models' },
] as const;

/** The view a route belongs to (the header marks it as the current page). */
export function viewOf(route: Route): (typeof VIEWS)[number]['id'] {
  return route.page === 'models' ? 'models' : 'images';
}
