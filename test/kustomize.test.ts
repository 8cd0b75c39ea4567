// The standalone Kustomize the exec-function tests use is the real 4.5.4.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { KUSTOMIZE } from './helpers.js';

it('is kustomize v4.5.4', () => {
  expect(execFileSync(KUSTOMIZE, ['version'], { encoding: 'utf8' })).toContain('kustomize/v4.5.4');
});
