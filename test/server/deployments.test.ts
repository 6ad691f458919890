import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeploymentBackend } from '../../server/src/http/deployments.ts';
import { samplePipeline, useApp } from './support.ts';

/** A backend that must never be reached: every request here is refused before it. */
const unreachable = new Proxy({} as DeploymentBackend, {
  get: (_target, name) => () => {
    throw new Error(`the deployment backend was called (${String(name)})`);
  },
});

describe('POST /api/deployments request bodies', () => {
  const app = useApp({ deployments: unreachable });

  it('tells a client that posts the pipeline document itself to wrap it in "pipeline"', async () => {
    const doc = JSON.parse(readFileSync('examples/page-views.weir.json', 'utf8'));
    const res = await app.call('/api/deployments', { method: 'POST', body: doc });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({
      code: 'E_BAD_REQUEST',
      message:
        'the body is a pipeline document itself; send it wrapped: { "pipeline": <document>, "allowStateLoss"?: boolean, "target"?: "weir" | "flink", "parallelism"?: number }',
    });
  });

  it('still lists the unknown fields of a body that is not a pipeline document', async () => {
    const res = await app.call('/api/deployments', { method: 'POST', body: { pipline: {} } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe(
      'unknown field "pipline"; the body is { "pipeline": <document>, "allowStateLoss"?: boolean, "target"?: "weir" | "flink", "parallelism"?: number }',
    );
  });
});

/** A backend that must not be reached either, with or without a Flink cluster behind it. */
function refusingBackend(flink: { restUrl: string } | null): DeploymentBackend {
  return new Proxy({} as DeploymentBackend, {
    get: (_target, name) => {
      if (name === 'flinkTarget') return flink ? () => flink : undefined;
      return () => {
        throw new Error(`the deployment backend was called (${String(name)})`);
      };
    },
  });
}

describe('POST /api/deployments target and parallelism', () => {
  const app = useApp({ deployments: refusingBackend(null) });
  const deploy = async (fields: Record<string, unknown>) => {
    const res = await app.call('/api/deployments', { method: 'POST', body: { pipeline: samplePipeline(), ...fields } });
    return { status: res.status, error: ((await res.json()) as { error: { code: string; message: string } }).error };
  };

  it('refuses a target other than "weir" or "flink"', async () => {
    expect(await deploy({ target: 'spark' })).toEqual({
      status: 400,
      error: { code: 'E_BAD_REQUEST', message: '"target" must be "weir" or "flink", got "spark"' },
    });
  });

  it('refuses a parallelism that is not a whole number of at least 1', async () => {
    for (const parallelism of [0, -1, 1.5, '2', null]) {
      expect(await deploy({ target: 'flink', parallelism })).toEqual({
        status: 400,
        error: {
          code: 'E_BAD_REQUEST',
          message: `"parallelism" must be a whole number of at least 1, got ${JSON.stringify(parallelism)}`,
        },
      });
    }
  });

  it('refuses a parallelism above 1 on the Weir target, and says which target runs in parallel', async () => {
    const { status, error } = await deploy({ parallelism: 2 });
    expect(status).toBe(400);
    expect(error).toEqual({
      code: 'E_BAD_REQUEST',
      message:
        '"parallelism": 2 with the Weir target: the Weir server runs a deployment as one engine: its parallelism is 1 (deploy with "target": "flink" to run it at a higher parallelism on a Flink cluster)',
    });
  });

  it('answers 409 with how to configure Flink when the server has no Flink cluster', async () => {
    const { status, error } = await deploy({ target: 'flink', parallelism: 2 });
    expect(status).toBe(409);
    expect(error.code).toBe('E_FLINK_UNCONFIGURED');
    expect(error.message).toMatch(
      /^this server has no Flink cluster to deploy to: set FLINK_REST_URL .*, or WEIR_FLINK=local /,
    );
  });
});

describe('GET /api/info on a server without Flink', () => {
  const app = useApp({ deployments: refusingBackend(null) });

  it('offers the Weir target only', async () => {
    const res = await app.call('/api/info');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deployments: true, targets: ['weir'], flink: null });
  });
});

describe('GET /api/info on a server with a Flink cluster', () => {
  const app = useApp({ deployments: refusingBackend({ restUrl: 'http://flink.example:8081' }) });

  it('offers both targets and names the cluster', async () => {
    const res = await app.call('/api/info');
    expect(await res.json()).toEqual({
      deployments: true,
      targets: ['weir', 'flink'],
      flink: { restUrl: 'http://flink.example:8081' },
    });
  });

  it('needs the token, like the rest of the API', async () => {
    expect((await app.call('/api/info', { token: null })).status).toBe(401);
  });
});

describe('GET /api/info on a server without Kafka', () => {
  const app = useApp();

  it('offers no target', async () => {
    expect(await (await app.call('/api/info')).json()).toEqual({ deployments: false, targets: [], flink: null });
  });
});
