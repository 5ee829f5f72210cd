import { describe, expect, it } from 'vitest';
import { DEFAULT_INTER_OP_THREADS, DEFAULT_INTRA_OP_THREADS, settingsFromEnvironment } from './settings.js';

describe('settingsFromEnvironment', () => {
  it('Should default to the KServe conventions and the agreed limits', () => {
    expect(settingsFromEnvironment({})).toEqual({
      port: 8080,
      grpcPort: 8081,
      host: '0.0.0.0',
      modelRepository: '/mnt/models',
      maxRequestBytes: 33_554_432,
      maxImagePixels: 40_000_000,
      intraOpThreads: DEFAULT_INTRA_OP_THREADS,
      interOpThreads: DEFAULT_INTER_OP_THREADS,
      threadSpinning: 'during-run',
      modelConcurrency: 2,
      maxQueuedRequests: 64,
      dynamicBatching: true,
      logLevel: 'info',
      shutdownTimeoutMs: 25_000,
      strictModelLoading: false,
      http: {
        headersTimeoutMs: 20_000,
        requestTimeoutMs: 60_000,
        keepAliveTimeoutMs: 65_000,
        maxConnections: 1024,
      },
      repositoryToken: null,
    });
  });

  it('Should read every variable, treating empty ones as unset', () => {
    const settings = settingsFromEnvironment({
      PORT: '9000',
      GRPC_PORT: '9001',
      HOST: '127.0.0.1',
      MODEL_REPOSITORY: 'model/repository',
      MAX_REQUEST_BYTES: '2048',
      MAX_IMAGE_PIXELS: '1000',
      ORT_INTRA_OP_THREADS: '2',
      ORT_INTER_OP_THREADS: '',
      ORT_THREAD_SPINNING: 'always',
      MODEL_CONCURRENCY: '4',
      MAX_QUEUED_REQUESTS: '0',
      DYNAMIC_BATCHING: 'false',
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '100',
      STRICT_MODEL_LOADING: 'true',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
      MAX_CONNECTIONS: '16',
      MODEL_REPOSITORY_TOKEN: 'a-repository-token-1234',
    });
    expect(settings).toMatchObject({
      port: 9000,
      grpcPort: 9001,
      host: '127.0.0.1',
      modelRepository: 'model/repository',
      maxRequestBytes: 2048,
      maxImagePixels: 1000,
      intraOpThreads: 2,
      interOpThreads: DEFAULT_INTER_OP_THREADS,
      threadSpinning: 'always',
      modelConcurrency: 4,
      maxQueuedRequests: 0,
      dynamicBatching: false,
      logLevel: 'debug',
      shutdownTimeoutMs: 100,
      strictModelLoading: true,
      http: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 3000, maxConnections: 16 },
      repositoryToken: 'a-repository-token-1234',
    });
  });

  it('Should take the REST port from HTTP_PORT before PORT (Knative sets PORT to the gRPC port of a grpc-v2 predictor)', () => {
    expect(settingsFromEnvironment({ PORT: '8081', HTTP_PORT: '8080', GRPC_PORT: '8081' })).toMatchObject({
      port: 8080,
      grpcPort: 8081,
    });
    expect(settingsFromEnvironment({ PORT: '9000' }).port).toBe(9000);
  });

  it('Should turn gRPC off with GRPC_PORT=off, and take 0 as any free port like PORT', () => {
    expect(settingsFromEnvironment({ GRPC_PORT: 'off' }).grpcPort).toBeNull();
    expect(settingsFromEnvironment({ GRPC_PORT: '0' }).grpcPort).toBe(0);
    expect(() => settingsFromEnvironment({ GRPC_PORT: 'no' })).toThrow(/GRPC_PORT/);
  });

  it('Should list every invalid variable at once', () => {
    expect(() =>
      settingsFromEnvironment({
        PORT: 'http',
        ORT_INTRA_OP_THREADS: '0',
        ORT_THREAD_SPINNING: 'sometimes',
        LOG_LEVEL: 'loud',
        STRICT_MODEL_LOADING: 'maybe',
      }),
    ).toThrow(
      /invalid environment: PORT: .*; ORT_INTRA_OP_THREADS: .*; ORT_THREAD_SPINNING: .*during-run.*; LOG_LEVEL: .*; STRICT_MODEL_LOADING: /,
    );
    expect(() => settingsFromEnvironment({ MODEL_REPOSITORY_TOKEN: 'short' })).toThrow(
      /MODEL_REPOSITORY_TOKEN: must be at least 16 characters/,
    );
    expect(() =>
      settingsFromEnvironment({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS/);
  });
});
