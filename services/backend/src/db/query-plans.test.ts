import fs from 'node:fs/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/support/database.js';
import { imageFixture, insertFixture } from '../../test/support/fixtures.js';
import { blobOf, multipart, syntheticImage } from '../../test/support/images.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { enqueueVideo } from '../../test/support/video-jobs.js';
import { testPattern } from '../../test/support/videos.js';
import { BlobSweeper } from '../images/blob-sweeper.js';
import type { Database } from './database.js';

/** Tables that grow with the data: a statement must reach their rows through an index range or a key. */
const largeTables = [
  'images',
  'objects',
  'detection_runs',
  'image_labels',
  'pending_blobs',
  'videos',
  'video_jobs',
  'video_frames',
  'video_tracks',
  'deployment_events',
];

interface Statement {
  sql: string;
  params: unknown[];
}

/** What SQLite's `EXPLAIN QUERY PLAN` says that means "reads the table (or a whole index of it)". */
async function sqliteProblems(database: Database, statement: Statement): Promise<string[]> {
  if (database.dialect !== 'sqlite') return [];
  const plan = database.client.$client
    .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .all(...(statement.params as unknown[])) as Array<{ detail: string }>;
  // Walking an index in order under LIMIT with no condition (the first page, newest first) reads only the rows
  // it returns; with a condition it may read the whole index looking for them.
  const orderedWalk = /\blimit\b/i.test(statement.sql) && !/\bwhere\b/i.test(statement.sql);
  return plan
    .map((row) => row.detail)
    .filter((detail) => {
      const scan = /^SCAN (\w+)( USING (COVERING )?INDEX)?/.exec(detail);
      if (!scan || !largeTables.includes(scan[1]!)) return false;
      return !(scan[2] && orderedWalk);
    });
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** What PostgreSQL's plan (sequential scans disabled, so any index that helps is taken) says reads a table whole. */
async function postgresProblems(database: Database, statement: Statement): Promise<string[]> {
  if (database.dialect !== 'postgres') return [];
  const client = await database.client.$client.connect();
  try {
    await client.query('SET enable_seqscan = off');
    const result = await client.query(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.params);
    const { Plan } = (result.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!;
    const problems: string[] = [];
    const walk = (node: PlanNode, underLimit: boolean) => {
      const relation = node['Relation Name'];
      if (relation && largeTables.includes(relation)) {
        if (node['Node Type'] === 'Seq Scan') problems.push(`Seq Scan on ${relation}`);
        else if (/Index/.test(node['Node Type']) && !node['Index Cond'] && (!underLimit || node.Filter))
          problems.push(`${node['Node Type']} on ${relation} without an index condition`);
      }
      for (const child of node.Plans ?? []) walk(child, underLimit || node['Node Type'] === 'Limit');
    };
    walk(Plan, false);
    return problems;
  } finally {
    await client.query('RESET enable_seqscan');
    client.release();
  }
}

describe.each(dialects)('Query plans of every route on %s', (dialect) => {
  let t: TestApp;
  let captured: Statement[] = [];
  let capturing = false;
  const fixture = imageFixture('planned', { createdAt: Date.now() - 60_000, labels: ['dog', 'person'] });
  const failed = imageFixture('planned-failed', { createdAt: Date.now() - 50_000, status: 'failed' });
  const doomed = imageFixture('planned-doomed', { createdAt: Date.now() - 40_000, labels: ['cat'] });
  const id = fixture.image.id;
  const cursor = Buffer.from(JSON.stringify([Date.now(), 'f'.repeat(64)])).toString('base64url');
  const video = { videoId: '', jobId: '', doomedId: '', cancelledJobId: '' };

  /** One request per OpenAPI operation (`METHOD path`), exercising its filters. */
  const requests: Record<string, Array<() => Response | Promise<Response>>> = {
    'GET /health': [() => t.app.request('/health')],
    'GET /ready': [() => t.app.request('/ready?model_server=false')],
    'GET /images': [
      () => t.app.request('/images'),
      () => t.app.request(`/images?cursor=${cursor}&limit=5`),
      () => t.app.request('/images?status=failed'),
      () => t.app.request(`/images?status=completed&cursor=${cursor}`),
      () => t.app.request('/images?created_after=2020-01-01T00:00:00Z&created_before=2099-01-01T00:00:00Z'),
      () => t.app.request(`/images?label=dog&cursor=${cursor}`),
      () => t.app.request('/images?label=dog&created_after=2020-01-01T00:00:00Z&status=completed'),
    ],
    'POST /images': [
      async () =>
        t.app.request('/images', {
          method: 'POST',
          body: multipart(blobOf(await syntheticImage('png', 20, 20, 3))),
        }),
    ],
    'GET /images/{image_id}': [
      () => t.app.request(`/images/${id}`),
      () => t.app.request(`/images/${failed.image.id}`),
    ],
    'DELETE /images/{image_id}': [() => t.app.request(`/images/${doomed.image.id}`, { method: 'DELETE' })],
    'GET /images/{image_id}/file': [() => t.app.request(`/images/${id}/file`)],
    'GET /images/{image_id}/annotated': [() => t.app.request(`/images/${id}/annotated`)],
    'POST /images/{image_id}/detections': [
      () => t.app.request(`/images/${id}/detections`, { method: 'POST' }),
    ],
    'GET /images/{image_id}/objects': [
      () => t.app.request(`/images/${id}/objects`),
      () => t.app.request(`/images/${id}/objects?label=DOG&min_score=0.5`),
    ],
    'GET /images/{image_id}/objects/{object_id}': [
      () => t.app.request(`/images/${id}/objects/${fixture.objects[0]!.id}`),
    ],
    'GET /labels': [() => t.app.request('/labels')],
    'POST /detect': [
      async () =>
        t.app.request('/detect', {
          method: 'POST',
          body: multipart(blobOf(await syntheticImage('png', 20, 20, 4))),
        }),
    ],
    'GET /models': [() => t.app.request('/models')],
    'POST /videos': [
      async () =>
        t.app.request('/videos', {
          method: 'POST',
          body: multipart(
            blobOf(
              await fs.readFile(
                await testPattern(t.dir, 'posted.mp4', { width: 64, height: 48, seconds: 1 }),
              ),
            ),
          ),
        }),
    ],
    'GET /videos': [() => t.app.request('/videos'), () => t.app.request(`/videos?cursor=${cursor}&limit=5`)],
    'GET /videos/{video_id}': [() => t.app.request(`/videos/${video.videoId}`)],
    'GET /videos/{video_id}/file': [
      () => t.app.request(`/videos/${video.videoId}/file`, { headers: { range: 'bytes=0-99' } }),
    ],
    'DELETE /videos/{video_id}': [() => t.app.request(`/videos/${video.doomedId}`, { method: 'DELETE' })],
    'GET /videos/{video_id}/frames': [
      () => t.app.request(`/videos/${video.videoId}/frames`),
      () => t.app.request(`/videos/${video.videoId}/frames?from=0.5&to=1`),
    ],
    'GET /videos/{video_id}/annotated': [() => t.app.request(`/videos/${video.videoId}/annotated`)],
    'GET /videos/{video_id}/tracks': [() => t.app.request(`/videos/${video.videoId}/tracks`)],
    'GET /jobs/{job_id}': [() => t.app.request(`/jobs/${video.jobId}`)],
    'GET /jobs/{job_id}/events': [() => t.app.request(`/jobs/${video.cancelledJobId}/events`)],
    'DELETE /jobs/{job_id}': [() => t.app.request(`/jobs/${video.cancelledJobId}`, { method: 'DELETE' })],
    'GET /detect': [() => t.app.request('/detect?image_url=http%3A%2F%2F127.0.0.1%2Fphoto.jpg')],
    'GET /deployments': [() => t.app.request('/deployments')],
    'GET /deployments/{name}': [() => t.app.request('/deployments/planned')],
    'POST /deployments': [
      () =>
        t.app.request('/deployments', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'planned', version: '1' }),
        }),
    ],
    'POST /deployments/{name}/promote': [
      () => t.app.request('/deployments/planned/promote', { method: 'POST' }),
    ],
    'POST /deployments/{name}/rollback': [
      () => t.app.request('/deployments/planned/rollback', { method: 'POST' }),
    ],
    'DELETE /deployments/{name}': [() => t.app.request('/deployments/planned', { method: 'DELETE' })],
  };

  beforeAll(async () => {
    t = await createTestApp({
      dialect,
      queryLogger: {
        logQuery: (sql, params) => {
          if (capturing) captured.push({ sql, params });
        },
      },
    });
    for (const seeded of [fixture, failed, doomed]) {
      await insertFixture(t.database, seeded);
      await t.storage.put(seeded.image.storageKey, await syntheticImage('jpeg', 64, 48, 1), 'image/jpeg');
    }
    for (let i = 0; i < 50; i++)
      await insertFixture(t.database, imageFixture(`filler-${i}`, { labels: ['car'] }));
    const clip = (name: string, seconds: number) =>
      testPattern(t.dir, name, { width: 64, height: 48, seconds });
    const kept = await enqueueVideo(t.database, t.storage, await clip('kept.mp4', 2));
    video.videoId = kept.videoId;
    video.jobId = kept.jobId;
    video.doomedId = (await enqueueVideo(t.database, t.storage, await clip('doomed.mp4', 3))).videoId;
    const cancelled = await enqueueVideo(t.database, t.storage, await clip('cancelled.mp4', 4));
    await t.database.videos.cancel(cancelled.jobId, Date.now());
    video.cancelledJobId = cancelled.jobId;
    // A deployment with a canary and some history, so that promote, roll back and delete reach their statements.
    const now = Date.now();
    await t.database.deployments.create(
      {
        name: 'planned',
        phase: 'ready',
        stableVersion: '1',
        canaryVersion: '2',
        canaryPercent: 10,
        previousVersion: null,
        rolloutVersion: null,
        rolloutCanaryPercent: null,
        rolloutDeadlineAt: null,
        minReplicas: 0,
        maxReplicas: 1,
        targetConcurrency: 4,
        failureReason: null,
        message: 'ready',
        createdAt: now,
        updatedAt: now,
        lastTransitionAt: now,
      },
      { action: 'deploy', version: '1', detail: 'deploy version 1' },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('Should have a request for every operation in the OpenAPI document', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, object> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(Object.keys(requests).sort()).toEqual(operations.sort());
  });

  /** The plan problems of every statement captured since `captured` was reset. */
  async function planProblems(): Promise<string[]> {
    const problems: string[] = [];
    for (const statement of captured.filter((s) => /^\s*(select|update|delete|with)\b/i.test(s.sql))) {
      const found = [
        ...(await sqliteProblems(t.database, statement)),
        ...(await postgresProblems(t.database, statement)),
      ];
      if (found.length > 0) problems.push(`${statement.sql}\n  → ${found.join('; ')}`);
    }
    return problems;
  }

  // POST /deployments asks the model server (down here) whether the model exists before touching the database.
  const withoutDatabase = new Set([
    'GET /health',
    'POST /detect',
    'GET /detect',
    'GET /models',
    'POST /deployments',
  ]);

  it.each(Object.keys(requests))('%s reads no table whole', async (operation) => {
    captured = [];
    capturing = true;
    for (const send of requests[operation]!) await (await send()).arrayBuffer();
    capturing = false;
    if (!withoutDatabase.has(operation)) expect(captured.length, operation).toBeGreaterThan(0);
    expect(await planProblems()).toEqual([]);
  });

  it('A video worker’s claim, lease renewal and frame write read no table whole', async () => {
    captured = [];
    capturing = true;
    const job = await t.database.videos.claimNext('plan-worker', Date.now(), 60_000);
    expect(job).not.toBeNull();
    await t.database.videos.renewLease(job!.id, 'plan-worker', Date.now(), 60_000);
    await t.database.videos.saveFrame(
      job!.id,
      'plan-worker',
      { videoId: job!.videoId, frameIndex: 0, timestampMs: 0, objects: '[]' },
      Date.now(),
    );
    await t.database.videos.frameIndexes(job!.videoId);
    await t.database.videos.release(job!.id, 'plan-worker', Date.now());
    capturing = false;
    expect(await planProblems()).toEqual([]);
  });

  it('The blob sweeper’s claim reads no table whole', async () => {
    captured = [];
    capturing = true;
    const sweeper = new BlobSweeper({
      repository: t.database.images,
      videos: t.database.videos,
      pendingBlobs: t.database.pendingBlobs,
      storage: t.storage,
      logger: pino({ level: 'silent' }),
      owner: 'plan-test',
      batchSize: 10,
      intervalMs: 60_000,
      leaseMs: 60_000,
    });
    await sweeper.sweepOnce(Date.now() + 3_600_000);
    capturing = false;
    expect(captured.length).toBeGreaterThan(0);
    expect(await planProblems()).toEqual([]);
  });
});
