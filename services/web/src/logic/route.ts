/**
 * The page's location lives in the URL hash (`#/images/<id>`) so deep links never collide with the API's
 * own `/images/...` paths on the same origin and need no server-side fallback.
 */
export type Route = { page: 'home' } | { page: 'image'; imageId: string; objectId: string | null };

const IMAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
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
  const base = `#/images/${encodeURIComponent(route.imageId)}`;
  return route.objectId ? `${base}/objects/${encodeURIComponent(route.objectId)}` : base;
}

/**
 * The page's views, in the order the header lists them. Images is the only one yet; a view added here (videos,
 * models) gets its own route and component, and the header links to it.
 */
export const VIEWS = [{ id: 'images', label: 'Images', hash: '#/' }] as const;
