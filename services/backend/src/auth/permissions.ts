/**
 * What a credential may do. `read`: every GET of images, objects, labels, models and metrics. `detect`: upload,
 * `POST /detect`, re-detection. `admin`: delete, and the management routes to come. They do not imply each other:
 * a credential has exactly the permissions it was given.
 */
export const permissions = ['read', 'detect', 'admin'] as const;
export type Permission = (typeof permissions)[number];

/** Who made a request, once authenticated. */
export interface Principal {
  /** `token` for a static token, the JWT's `sub` otherwise; `anonymous` when authentication is off. */
  subject: string;
  kind: 'anonymous' | 'static-token' | 'jwt';
  permissions: ReadonlySet<Permission>;
}

export const anonymous: Principal = {
  subject: 'anonymous',
  kind: 'anonymous',
  permissions: new Set(permissions),
};
