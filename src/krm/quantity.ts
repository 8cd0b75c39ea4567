// Kubernetes resource quantities (`500m`, `2Gi`, `1.5`, `1e3`), as the API server reads them
// (k8s.io/apimachinery's resource.Quantity grammar): checked here so that a typo such as `2GB`
// is an error in the config, not a rejected Deployment at apply time.

// <signedNumber><suffix>; suffix: binary SI (Ki..Ei), decimal SI (n u m "" k M G T P E) or a
// decimal exponent (e/E and an integer). Other SI prefixes (h, da, Y...) are not Kubernetes'.
const QUANTITY =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

const MULTIPLIER: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a quantity in base units (cores, bytes), as a float: exact enough to compare a
 * request with its limit. Undefined when the text is not a quantity. YAML numbers (`cpu: 0.5`)
 * are quantities too: the API server reads them as their decimal text.
 */
export function quantityValue(quantity: string | number): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? quantity : undefined;
  const m = QUANTITY.exec(quantity);
  if (!m) return undefined;
  const [, sign, digits, suffix = '', exponent] = m as unknown as [
    string,
    string,
    string,
    string?,
    string?,
  ];
  const scale = exponent !== undefined ? 10 ** Number(exponent) : (MULTIPLIER[suffix] as number);
  const value = Number(digits) * scale;
  return sign === '-' ? -value : value;
}

export function isQuantity(quantity: string | number): boolean {
  return quantityValue(quantity) !== undefined;
}
