// The parts of the config schema built on first use (src/config/zod.ts `deferred`) answer zod's
// question "may this be absent?" without being built; the answer must be the part's own.
import { describe, expect, it } from 'vitest';
import { celeryQueues } from '../src/config/schema.js';
import { deferredParts } from '../src/config/zod.js';

describe('deferred parts of the config schema', () => {
  it('are parts that may not be absent, as their answer says', () => {
    expect(celeryQueues).toBeDefined();
    expect(deferredParts.length).toBeGreaterThan(10);
    for (const build of deferredParts) {
      const part = build();
      expect(part._zod.optin, String(build)).toBeUndefined();
      expect(part._zod.optout, String(build)).toBeUndefined();
    }
  });
});
