import { rm } from 'node:fs/promises';
import { type Browser, launchBrowser } from './browser.js';
import { buildUi } from './build-ui.js';
import {
  type BackendOptions,
  type ChildServer,
  type RunningBackend,
  startBackend,
  startModelServer,
} from './stack.js';

export interface WebStack {
  uiDir: string;
  modelServer: ChildServer;
  backend: RunningBackend;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * What an e2e file shares: the UI built into a temp dir, the real model server, the real backend serving that UI,
 * and one Chromium.
 */
export async function startWebStack(
  options: {
    backend?: Partial<BackendOptions>;
    browserArgs?: string[];
    /** The model server's environment, e.g. its own MODEL_REPOSITORY. */
    modelServerEnv?: Record<string, string>;
  } = {},
): Promise<WebStack> {
  const [uiDir, modelServer] = await Promise.all([
    buildUi(),
    startModelServer(undefined, options.modelServerEnv),
  ]);
  const backend = await startBackend({
    modelServerUrl: modelServer.url,
    webUiDir: uiDir,
    ...options.backend,
  });
  const browser = await launchBrowser(options.browserArgs);
  return {
    uiDir,
    modelServer,
    backend,
    browser,
    stop: async () => {
      await browser.close();
      await backend.stop();
      await modelServer.stop();
      await rm(uiDir, { recursive: true, force: true });
    },
  };
}
