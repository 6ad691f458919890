import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeploymentBackend } from '../../server/src/http/deployments.ts';
import { useApp } from './support.ts';

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
      message: 'the body is a pipeline document itself; send it wrapped: { "pipeline": <document>, "allowStateLoss"?: boolean }',
    });
  });

  it('still lists the unknown fields of a body that is not a pipeline document', async () => {
    const res = await app.call('/api/deployments', { method: 'POST', body: { pipline: {} } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('unknown field "pipline"; the body is { "pipeline": <document>, "allowStateLoss"?: boolean }');
  });
});
