// Kubernetes' variable expansion, as the kubelet applies it to a container's command, args and
// env values: the rule of k8s.io/kubernetes third_party/forked/golang/expansion/expand.go
// (Expand, tryReadVariableName), written again here to check what the function writes. `$(NAME)`
// becomes NAME's value when the container defines NAME (else it stays), `$$` becomes `$`, and
// any other `$` stays. (Go's Expand reads bytes: a `$` before a non-ASCII character mangles the
// character, which this port does not copy; the function writes no such `$`, since it doubles
// every one.)

/** `input` after Kubernetes' expansion with these variables. */
export function expand(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$'; // an escaped operator
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$('; // an incomplete reference stays
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

/**
 * The variables a container defines for expansion: its env entries with a plain value, in order
 * (each expanded with those before it); `secrets` stands for what valueFrom entries resolve to.
 */
export function containerVars(
  env: readonly { name: string; value?: string }[] | undefined,
  secrets: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const e of env ?? []) {
    vars[e.name] = e.value === undefined ? (secrets[e.name] ?? '') : expand(e.value, vars);
  }
  return vars;
}
