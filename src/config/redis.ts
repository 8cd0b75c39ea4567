// The Celery broker (Redis) when it is not what Tutor's openedx-config says, its TLS, and the
// Secret that holds its credentials.

import * as z from 'zod/mini';
import { parseHostPort } from '../broker/address.js';
import { objectName, secretKey, secretKeySelector } from './kubernetes.js';
import { deferred, describe, flag, int, once, strictObject, string } from './zod.js';

// Built with the redis part, which most configs leave out.
const address = () =>
  string(
    z.superRefine((text, ctx) => {
      const parsed = parseHostPort(text);
      if ('problem' in parsed)
        ctx.addIssue({ code: 'custom', message: `the address ${parsed.problem}` });
    }),
  );

const tls = once(() =>
  describe(
    strictObject(
      {
        caSecret: describe(
          z.optional(secretKeySelector('the CA certificate(s) in PEM', 'ca.crt')),
          "A Secret you manage with the CA that signed the broker's certificate: KEDA reads it through the TriggerAuthentication (its redis scaler's `ca`), Flower and celery-exporter from a file (kombu's ssl_ca_certs).",
        ),
        unsafeSsl: describe(
          flag(false),
          "Encrypt, but do not verify the broker's certificate: KEDA's unsafeSsl, kombu's ssl_cert_reqs=none. Anyone who can reach the connection can read the queues.",
        ),
      },
      z.superRefine((t, ctx) => {
        if (t.caSecret && t.unsafeSsl) {
          ctx.addIssue({
            code: 'custom',
            path: ['unsafeSsl'],
            message: 'caSecret verifies the certificate and unsafeSsl skips that: choose one',
          });
        }
      }),
    ),
    "How KEDA, Flower and celery-exporter check the broker's certificate when the broker uses TLS, all three alike. Unset: against the public CAs their images trust, with the host name as each connects to it.",
  ),
);

export const redis = deferred(() =>
  describe(
    strictObject({
      address: describe(
        z.optional(address()),
        "The broker's host:port ([fd00::10]:6379 for IPv6), instead of CELERY_BROKER_HOSTNAME from openedx-config. KEDA's operator resolves it from its own namespace: a bare Service name is qualified with the instance's namespace.",
      ),
      databaseIndex: describe(
        z.optional(int(0)),
        'The Redis database, instead of CELERY_BROKER_VHOST.',
      ),
      enableTLS: describe(
        flag(),
        'Connect with TLS (rediss), instead of what CELERY_BROKER_TRANSPORT says.',
      ),
      tls: z.optional(tls()),
      credentialsSecret: describe(
        z.optional(
          strictObject({
            name: describe(
              objectName('the Secret name'),
              'The Secret, in the instance’s namespace.',
            ),
            passwordKey: describe(z._default(secretKey(), 'password'), 'Key of the password.'),
            usernameKey: describe(z.optional(secretKey()), 'Key of the user name (Redis ACL).'),
            urlKey: describe(
              z.optional(secretKey()),
              'Key of the complete broker URL with its credentials, percent-encoded and without a query (redis://:p%40ss@redis:6379/0), which Flower and celery-exporter read: needed with either of them (a URL composed from the password would not be percent-encoded).',
            ),
          }),
        ),
        'A Secret you manage that holds the broker credentials; the function then writes none and reads no password from the input.',
      ),
    }),
    'The Celery broker (Redis), when it is not what Tutor’s openedx-config says. Credentials only ever travel through a Secret.',
  ),
);
