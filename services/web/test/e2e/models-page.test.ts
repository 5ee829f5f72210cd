// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText() is the rendered text a person reads, which is what these tests check
/**
 * The Models page in Chromium against the real backend and the real model server, serving a temporary model
 * repository (centernet-coco, and blazeface to which versions are added, one of them a broken file): deploy,
 * canary, promote, roll back, the automatic fallback, scale, delete, each confirmed; errors in words.
 */
import { copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson } from './api.js';
import { openWatchedPage } from './browser.js';
import { repoRoot } from './stack.js';
import { seriousAxeViolations } from './support.js';
import { startWebStack, type WebStack } from './web-stack.js';

const artifacts = path.join(repoRoot, 'test-results/web');

let stack: WebStack;
let repository: string;

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  repository = await mkdtemp(path.join(tmpdir(), 'web-models-repository-'));
  await symlink(
    path.join(repoRoot, 'model/repository/centernet-coco'),
    path.join(repository, 'centernet-coco'),
  );
  await cp(path.join(repoRoot, 'model/repository/blazeface'), path.join(repository, 'blazeface'), {
    recursive: true,
  });
  stack = await startWebStack({ modelServerEnv: { MODEL_REPOSITORY: repository } });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (repository) await rm(repository, { recursive: true, force: true });
});

async function addVersion(version: string, broken = false) {
  const folder = path.join(repository, 'blazeface', version);
  await mkdir(folder, { recursive: true });
  if (broken) await writeFile(path.join(folder, 'model.onnx'), 'not an ONNX model');
  else await copyFile(path.join(repository, 'blazeface/1/model.onnx'), path.join(folder, 'model.onnx'));
}

const row = (page: Page) => page.locator('[data-testid="deployment-row"][data-name="blazeface"]');

async function confirmForm(page: Page, question: string) {
  const form = page.getByTestId('deploy-form');
  await form.getByRole('button', { name: /^(Deploy|Scale|Start canary)…$/ }).click();
  const group = form.getByRole('group', { name: question });
  await group.waitFor();
  await group.getByRole('button', { name: 'Confirm' }).click();
}

async function confirmRowAction(page: Page, action: string, question: string) {
  await row(page).getByRole('button', { name: action, exact: true }).click();
  await row(page)
    .getByRole('group', { name: question })
    .getByRole('button', { name: action, exact: true })
    .click();
}

const settledRow = async (page: Page) => {
  await expect
    .poll(() => row(page).getAttribute('data-state'), { timeout: 60_000 })
    .toMatch(/^(ready|failed)$/);
  return {
    state: await row(page).getByTestId('deployment-state').innerText(),
    versions: await row(page).getByTestId('deployment-versions').innerText(),
    traffic: await row(page).getByTestId('deployment-traffic').innerText(),
  };
};

describe('Models page against the real backend and model server', () => {
  it('deploys, runs a canary, promotes, rolls back, falls back from a broken version, scales and deletes', async () => {
    const page = await openWatchedPage(stack.browser, 1440, 1000);
    await page.goto(`${stack.backend.url}/#/models`);
    await expect
      .poll(() => page.getByRole('link', { name: 'Models' }).getAttribute('aria-current'))
      .toBe('page');
    await page.getByTestId('deployments-empty').waitFor();
    expect(await page.getByTestId('deployment-target').innerText()).toBe('on the local model server');

    // A mistake in the form is said next to it, and nothing is sent.
    await page.locator('#deploy-model').selectOption('blazeface');
    await page.locator('#deploy-min').fill('3');
    await page.locator('#deploy-max').fill('2');
    await page.getByTestId('deploy-form').getByRole('button', { name: 'Deploy…' }).click();
    expect(await page.getByTestId('deploy-form-error').innerText()).toBe(
      'Minimum replicas (3) is more than maximum replicas (2).',
    );
    expect(
      (await apiJson<{ deployments: unknown[] }>(stack.backend.url, '/deployments')).body.deployments,
    ).toEqual([]);

    // Deploy version 1.
    await page.locator('#deploy-min').fill('0');
    await confirmForm(page, 'Deploy version 1 of blazeface?');
    expect(await settledRow(page)).toEqual({ state: 'ready', versions: 'v1', traffic: 'v1 100 %' });
    expect(await row(page).innerText()).toContain('not applicable locally');
    const detect = await fetch(`${stack.backend.url}/detect?image_url=x`).then((res) => res.status);
    expect(detect).toBe(400);

    // A canary of version 2 for half the requests, then promote it.
    await addVersion('2');
    await row(page).getByRole('button', { name: 'Canary…' }).click();
    expect(await page.getByTestId('deploy-form').getAttribute('data-mode')).toBe('canary');
    expect(await page.locator('#deploy-version').inputValue()).toBe('2');
    await page.locator('#deploy-canary').fill('50');
    await confirmForm(page, 'Start version 2 of blazeface as a canary for 50 % of requests?');
    await expect
      .poll(() => row(page).getByTestId('deployment-traffic').innerText(), { timeout: 60_000 })
      .toBe('v1 50 % · v2 50 %');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'models.png') });

    await confirmRowAction(page, 'Promote', 'Send every request of blazeface to v2?');
    await expect.poll(() => row(page).getByTestId('deployment-traffic').innerText()).toBe('v2 100 %');
    expect(await row(page).getByTestId('deployment-versions').innerText()).toBe('v2 (previous v1)');

    // Roll back to version 1.
    await confirmRowAction(page, 'Roll back', 'Go back to v1 of blazeface?');
    await expect.poll(() => row(page).getByTestId('deployment-traffic').innerText()).toBe('v1 100 %');

    // A broken version 3 is rolled back by itself, and the row says why.
    await addVersion('3', true);
    await page.locator('#deploy-model').selectOption('blazeface');
    await page.locator('#deploy-version').fill('3');
    await confirmForm(page, 'Deploy version 3 of blazeface?');
    await expect
      .poll(
        () =>
          row(page)
            .getByTestId('deployment-failure')
            .innerText()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toMatch(/version 3 was not deployed: .*version 3/);
    expect(await settledRow(page)).toMatchObject({ state: 'ready', traffic: 'v1 100 %' });
    expect(await row(page).getByTestId('deployment-message').innerText()).toMatch(
      /rolled back: version 1 keeps serving/,
    );
    await rm(path.join(repository, 'blazeface/3'), { recursive: true });

    // Scale.
    await row(page).getByRole('button', { name: 'Scale…' }).click();
    await page.locator('#deploy-max').fill('3');
    await confirmForm(page, 'Scale blazeface to 0–3 replicas, 4 requests each?');
    await expect.poll(() => page.getByTestId('deployments-notice').innerText()).toMatch(/Replicas 0–3/);

    // An action on a deployment deleted behind the page's back: the error in words.
    await fetch(`${stack.backend.url}/deployments/blazeface/rollback`, { method: 'POST' });
    await page.reload();
    await row(page).waitFor();
    await fetch(`${stack.backend.url}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'blazeface', version: '2', canary_percent: 20 }),
    });
    await page.reload();
    await expect
      .poll(() => row(page).getByTestId('deployment-traffic').innerText(), { timeout: 60_000 })
      .toBe('v1 80 % · v2 20 %');
    await fetch(`${stack.backend.url}/deployments/blazeface`, { method: 'DELETE' });
    await confirmRowAction(page, 'Promote', 'Send every request of blazeface to v2?');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain('Promoting blazeface failed: not found');
    expect(await alert.innerText()).toContain('No deployment named blazeface.');
    await page.getByTestId('deployments-empty').waitFor();

    // Deploy again and delete from the page.
    await page.locator('#deploy-model').selectOption('blazeface');
    await page.locator('#deploy-version').fill('1');
    await confirmForm(page, 'Deploy version 1 of blazeface?');
    await settledRow(page);
    await confirmRowAction(page, 'Delete', 'Stop serving blazeface and delete the deployment?');
    await page.getByTestId('deployments-empty').waitFor();
    const index = (await (
      await fetch(`${stack.modelServer.url}/v2/repository/index`, { method: 'POST' })
    ).json()) as Array<{
      name: string;
      reason: string;
    }>;
    expect(index.find((entry) => entry.name === 'blazeface')?.reason).toBe('unloaded');
    expect(page.problems).toEqual([]);
    await page.close();
  });
});
