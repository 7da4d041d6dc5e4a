/**
 * Where a managed policy lives. Both locations are writable only by an administrator
 * (root / SYSTEM), which is what makes them "managed"; the signature is what makes
 * them trustworthy. Functions take platform and environment so tests can point them
 * anywhere.
 */
import path from 'node:path';

/** The OS managed location of the policy file, or null on a platform without one. */
export function osPolicyPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | null {
  switch (platform) {
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      return '/etc/latchkey/policy.json';
    case 'darwin':
      return '/Library/Application Support/Latchkey/policy.json';
    case 'win32': {
      // %ProgramData% is admin-writable only; fall back to its standard location.
      const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
      return path.win32.join(programData, 'Latchkey', 'policy.json');
    }
    default:
      return null;
  }
}

/** File names inside a build's managed resources directory (see build/managed-build.ts). */
export const MANAGED_KEY_FILE = 'org-policy-key';
export const MANAGED_POLICY_FILE = 'policy.json';

/**
 * The managed resources directory of this app: `<resources>/managed` in a packaged
 * build (electron-builder extraResources), the repo's resources/ when run from source.
 */
export function managedResourcesDir(resourcesPath: string | undefined, appRoot: string): string {
  return resourcesPath !== undefined ? path.join(resourcesPath, 'managed') : path.join(appRoot, 'resources');
}

/**
 * The production sources for PolicyService: the build's managed resources and the
 * OS location. `resourcesPath` is Electron's process.resourcesPath when packaged.
 */
export function defaultPolicySources(resourcesPath: string | undefined, appRoot: string): { managedDir: string; osPolicyPath: string | null } {
  return { managedDir: managedResourcesDir(resourcesPath, appRoot), osPolicyPath: osPolicyPath() };
}
