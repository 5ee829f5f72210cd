import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { Permission } from './permissions.js';

/** Asymmetric algorithms only: HS* (a shared secret) and `none` are refused when the settings are parsed. */
export const asymmetricAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type AsymmetricAlgorithm = (typeof asymmetricAlgorithms)[number];

export interface JwtSettings {
  /** Keys from this JWKS document, cached and refetched when a token names a key id it does not hold. */
  jwksUrl?: string | undefined;
  /** Or one public key: PEM (SPKI) or a JWK as JSON. */
  publicKey?: string | undefined;
  issuer: string;
  audience: string;
  algorithms: AsymmetricAlgorithm[];
  clockToleranceSeconds: number;
  /** The claim holding scopes or roles: a space-separated string or an array; dots reach into objects. */
  permissionsClaim: string;
  /** Claim value → permission it grants. */
  permissionValues: Record<string, Permission>;
  /** How long fetched keys are used before the JWKS is fetched again. */
  jwksCacheMaxAgeMs?: number;
  /** The shortest pause between two JWKS fetches triggered by unknown key ids. */
  jwksCooldownMs?: number;
}

export interface VerifiedToken {
  subject: string;
  permissions: Set<Permission>;
}

/** A token that is not acceptable; `message` says why (safe to show the client). */
export class InvalidTokenError extends Error {}

/**
 * Verifies JWT bearer tokens with jose: signature by the configured key(s) with an allowed asymmetric algorithm,
 * `iss`, `aud`, `exp` (required) and `nbf` within the clock tolerance, then maps the scopes or roles to permissions.
 */
export function createJwtVerifier(settings: JwtSettings): (token: string) => Promise<VerifiedToken> {
  const key: KeyObject | ReturnType<typeof createRemoteJWKSet> = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), {
        cacheMaxAge: settings.jwksCacheMaxAgeMs ?? 600_000,
        cooldownDuration: settings.jwksCooldownMs ?? 30_000,
        timeoutDuration: 5_000,
      })
    : parsePublicKey(settings.publicKey ?? '');
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        clockTolerance: settings.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error), { cause: error });
    }
    return {
      subject: typeof payload.sub === 'string' ? payload.sub : 'unknown',
      permissions: grantedPermissions(payload, settings),
    };
  };
}

/** A public key given as PEM (SPKI) or as a JWK in JSON. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('{')
    ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
    : createPublicKey(trimmed);
  if (key.type !== 'public') throw new Error('JWT_PUBLIC_KEY must be a public key');
  return key;
}

function grantedPermissions(payload: JWTPayload, settings: JwtSettings): Set<Permission> {
  let claim: unknown = payload;
  for (const part of settings.permissionsClaim.split('.')) {
    claim =
      typeof claim === 'object' && claim !== null ? (claim as Record<string, unknown>)[part] : undefined;
  }
  const values = typeof claim === 'string' ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  const granted = new Set<Permission>();
  for (const value of values) {
    const permission = typeof value === 'string' ? settings.permissionValues[value] : undefined;
    if (permission) granted.add(permission);
  }
  return granted;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm that is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError)
    return `the token is not valid (${(error as Error).message})`;
  return 'the token is not a valid JWT';
}
