// Kubernetes quantities: what the API server reads, and their values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isQuantity, quantityValue } from '../src/krm/quantity.js';
import { kubernetesProblems } from './kubernetes.js';

/** Does Kubernetes' schema (kubernetes-models) take this as a container's CPU limit? */
function schemaTakes(quantity: string): boolean {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', resources: { limits: { cpu: quantity } } }] },
  };
  return kubernetesProblems(pod).length === 0;
}

describe('quantityValue', () => {
  it.each<[string | number, number]>([
    ['500m', 0.5],
    ['1', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['2.', 2],
    ['+3', 3],
    ['-1', -1],
    ['100n', 100e-9],
    ['10u', 10e-6],
    ['2k', 2000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['129E6', 129e6],
    ['1e-3', 1e-3],
    ['123Mi', 123 * 2 ** 20],
    ['1Ki', 1024],
    ['2Gi', 2 * 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    [0.5, 0.5],
    [2, 2],
  ])('%j is %d', (text, value) => {
    expect(quantityValue(text)).toBeCloseTo(value, 12);
  });

  it.each([
    '',
    ' 1',
    '1 ',
    '2GB',
    '2gi',
    '1Mb',
    '1K',
    '1Y',
    '1h',
    '1da',
    'm',
    '.',
    '1.2.3',
    '--1',
    '1e',
    '1e1.5',
    '1Gi1',
    'one',
  ])('%j is not a quantity', (text) => {
    expect(quantityValue(text)).toBeUndefined();
  });

  it('refuses numbers that are not finite', () => {
    expect(isQuantity(Number.NaN)).toBe(false);
    expect(isQuantity(Number.POSITIVE_INFINITY)).toBe(false);
  });

  // The schema's quantity format follows the same grammar, but lets through SI prefixes that
  // Kubernetes' parser lacks (1Y, 1h): all we accept, it accepts.
  it('accepts nothing that Kubernetes’ schema refuses', () => {
    expect(schemaTakes('2GB')).toBe(false);
    expect(schemaTakes('1h')).toBe(true);
    const suffix = fc.constantFrom(
      '',
      'm',
      'k',
      'M',
      'G',
      'Ki',
      'Mi',
      'Gi',
      'Ti',
      'e3',
      'E-2',
      'n',
      'u',
    );
    const digits = fc.stringMatching(/^[0-9]{1,6}$/);
    const number = fc.oneof(
      digits,
      fc.tuple(digits, digits).map(([a, b]) => `${a}.${b}`),
      digits.map((d) => `.${d}`),
      digits.map((d) => `${d}.`),
    );
    fc.assert(
      fc.property(fc.constantFrom('', '+', '-'), number, suffix, (sign, n, s) => {
        const text = `${sign}${n}${s}`;
        expect(isQuantity(text)).toBe(true);
        expect(schemaTakes(text)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (text) => {
        if (isQuantity(text)) expect(schemaTakes(text)).toBe(true);
      }),
    );
  });

  it('scales by the suffix: n<suffix> is n times the suffix’s 1', () => {
    const suffix = fc.constantFrom('m', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi', 'Ti', 'e3', 'e-2');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), suffix, (n, s) => {
        const one = quantityValue(`1${s}`) as number;
        expect(quantityValue(`${n}${s}`)).toBeCloseTo(n * one, 6);
      }),
    );
  });
});
