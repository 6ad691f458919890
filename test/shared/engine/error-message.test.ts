import { describe, it, expect } from 'vitest';
import { runInNewContext } from 'node:vm';
import { errorMessage } from '../../../shared/engine/operator.ts';

describe('errorMessage', () => {
  it('gives the message of an error thrown in another realm, such as the server sandbox', () => {
    const foreign = runInNewContext('new TypeError("cannot read properties of undefined")');
    expect(foreign instanceof Error).toBe(false);
    expect(errorMessage(foreign)).toBe('cannot read properties of undefined');
  });

  it('gives a thrown string as it is and shows other thrown values as JSON', () => {
    expect(errorMessage('boom')).toBe('boom');
    expect(errorMessage({ code: 7 })).toBe('{"code":7}');
    expect(errorMessage(new RangeError('too deep'))).toBe('too deep');
  });
});
