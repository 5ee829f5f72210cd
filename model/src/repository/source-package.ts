import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Directory of the installed source package (its `exports` map hides package.json, so resolve its main). */
export function sourcePackageDir(packageName: string): string {
  return path.resolve(path.dirname(require.resolve(packageName)), '..');
}

export function sourcePackageVersion(packageName: string): string {
  const manifest = require(path.join(sourcePackageDir(packageName), 'package.json')) as { version: string };
  return manifest.version;
}
