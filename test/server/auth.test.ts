import { describe, expect, it } from 'vitest';
import { useApp } from './support.ts';

describe('API authentication', () => {
  const app = useApp();

  it('answers 401 E_AUTH to a request without an Authorization header', async () => {
    const res = await app.call('/api/pipelines', { token: null });
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.error.code).toBe('E_AUTH');
    expect(body.error.message).toMatch(/Authorization: Bearer/);
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="weir"');
  });

  it('answers 401 E_AUTH to a wrong token, also one that shares the right prefix', async () => {
    for (const token of ['nope', 'test-token-012345678', 'test-token-0123456789x']) {
      const res = await app.call('/api/pipelines', { token });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('E_AUTH');
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="weir"');
    }
  });

  it('answers 401 to an Authorization header that is not a bearer token', async () => {
    const res = await app.call('/api/pipelines', { token: null, headers: { Authorization: 'Basic dGVzdDp0ZXN0' } });
    expect(res.status).toBe(401);
  });

  it('accepts the right token', async () => {
    const res = await app.call('/api/pipelines');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pipelines: [] });
  });

  it('requires the token before saying whether an API route exists', async () => {
    expect((await app.call('/api/no-such-thing', { token: null })).status).toBe(401);
    const res = await app.call('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('E_NOT_FOUND');
  });

  it('takes ?token= on the event stream endpoints only', async () => {
    const onEvents = await app.call('/api/deployments/clicks/events?token=test-token-0123456789', { token: null });
    // Past authentication: this app runs without deployments.
    expect(onEvents.status).toBe(503);
    expect((await onEvents.json()).error.code).toBe('E_UNAVAILABLE');
    const onTail = await app.call('/api/deployments/clicks/tail/out?token=test-token-0123456789', { token: null });
    expect(onTail.status).toBe(503);
    const wrong = await app.call('/api/deployments/clicks/events?token=wrong', { token: null });
    expect(wrong.status).toBe(401);
    const elsewhere = await app.call('/api/pipelines?token=test-token-0123456789', { token: null });
    expect(elsewhere.status).toBe(401);
    const notGet = await app.call('/api/deployments/clicks/stop?token=test-token-0123456789', {
      method: 'POST',
      token: null,
    });
    expect(notGet.status).toBe(401);
  });
});
