// How the programs that read our output take an address or a URL apart, for the tests:
// - Go's net.SplitHostPort (net/ipsock.go, the same from Go 1.12 to 1.25), which go-redis
//   dials KEDA's redis trigger `address` with; its rules, restated.
// - kombu's parse_url (kombu/utils/url.py), run for real in Debian's python3-kombu: what Flower
//   and celery-exporter make of a broker URL.
import { execFileSync } from 'node:child_process';
import { PYTHON } from './e2e/processes.js';

/** Go's net.SplitHostPort: [host, port], or the error it gives. */
export function goSplitHostPort(hostport: string): [string, string] | { error: string } {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return { error: 'missing port in address' };
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return { error: "missing ']' in address" };
    if (end + 1 === hostport.length) return { error: 'missing port in address' };
    if (end + 1 !== i) {
      return {
        error: hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address',
      };
    }
    host = hostport.slice(1, end);
    [j, k] = [1, end + 1];
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return { error: 'too many colons in address' };
  }
  if (hostport.slice(j).includes('[')) return { error: "unexpected '[' in address" };
  if (hostport.slice(k).includes(']')) return { error: "unexpected ']' in address" };
  return [host, hostport.slice(i + 1)];
}

export interface KombuUrl {
  transport?: string;
  hostname?: string | null;
  port?: number | null;
  userid?: string | null;
  password?: string | null;
  virtual_host?: string | null;
  ssl?: Record<string, string | number | boolean>;
  error?: string;
}

/** kombu.utils.url.parse_url of each URL, in the system's python3-kombu. */
export function kombuParse(urls: readonly string[]): KombuUrl[] {
  const script = `
import json, ssl, sys
from kombu.utils.url import parse_url
out = []
for url in json.load(sys.stdin):
    try:
        parts = parse_url(url)
        if 'ssl' in parts:
            parts['ssl'] = {k: (int(v) if isinstance(v, ssl.VerifyMode) else v) for k, v in parts['ssl'].items()}
        out.append(parts)
    except Exception as e:
        out.append({'error': f'{type(e).__name__}: {e}'})
print(json.dumps(out))
`;
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(urls), encoding: 'utf8' }),
  );
}
