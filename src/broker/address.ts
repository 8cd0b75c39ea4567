// Broker addresses, read and written the way their readers take them apart:
// - KEDA's redis scaler hands `address` to go-redis, which dials it with Go's net package:
//   net.SplitHostPort wants an IPv6 host in brackets (`[fd00::10]:6380`; `fd00::10:6380` is
//   "too many colons in address"), and net.JoinHostPort writes it so.
// - kombu (kombu/utils/url.py, url_to_parts) reads a broker URL with Python's urllib.parse,
//   whose port is what follows the host's last colon: an IPv6 host must be in brackets there
//   too (`redis://[fd00::10]:6380/0`), or the port "could not be cast to integer".

export interface HostPort {
  /** The host without brackets: `redis`, `10.0.0.7`, `fd00::10`. */
  host: string;
  port: number;
}

/** Why a host:port text cannot be read, or the host and port. */
export type ParsedAddress = HostPort | { problem: string };

const NAME =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * `host:port`, `[ipv6]:port`, or without the port (`defaultPort`, when given). A problem never
 * repeats the text: a text that is not an address may hold a password.
 */
export function parseHostPort(text: string, defaultPort?: number): ParsedAddress {
  if (/[@/?#]/.test(text) || text.includes('://')) {
    return {
      problem:
        'holds more than host:port (a URL, or credentials before an "@"); credentials belong in a Secret',
    };
  }
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2];
    if (!IPV6.test(host) || (host.match(/:/g)?.length ?? 0) < 2) {
      return { problem: 'has brackets around something other than an IPv6 address' };
    }
  } else {
    const colons = text.match(/:/g)?.length ?? 0;
    if (colons > 1) {
      return {
        problem: 'has more than one ":": write an IPv6 address in brackets, e.g. [fd00::10]:6379',
      };
    }
    [host, port] = colons === 1 ? (text.split(':') as [string, string]) : [text, undefined];
    if (!NAME.test(host)) return { problem: 'must be a host name or IP address, then :port' };
  }
  if (port === undefined) {
    if (defaultPort === undefined) return { problem: 'has no port (host:port)' };
    return { host, port: defaultPort };
  }
  const n = /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 1 && n <= 65535))
    return { problem: 'has a port that is not a number from 1 to 65535' };
  return { host, port: n };
}

/** `host:port`, with an IPv6 host in brackets (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An IP address, which no DNS search path can qualify. */
export function isIpAddress(host: string): boolean {
  return host.includes(':') || /^[0-9]+(\.[0-9]+){3}$/.test(host);
}
