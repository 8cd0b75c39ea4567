// The container image runs as a user other than root, on a read-only root file system, with no
// network, and does the same as the bundle. The image (its Dockerfile) is another piece of work:
// these tests run when `localhost/celery-queues:dev` exists (CELERY_QUEUES_IMAGE names another),
// and are skipped with the reason otherwise.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixture, RENDERS, runCli } from './helpers.js';

const IMAGE = process.env.CELERY_QUEUES_IMAGE ?? 'localhost/celery-queues:dev';

function podman(args: string[], input = '') {
  return spawnSync('podman', args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
}

const probe = podman(['image', 'exists', IMAGE]);
const available = probe.error === undefined && probe.status === 0;
const why = probe.error
  ? 'podman is not installed'
  : `image ${IMAGE} is not built (build it, e.g. podman build -t ${IMAGE} ., and these run)`;

/** A ResourceList as Kustomize sends it, with the recommended config. */
function resourceList(): string {
  const captured = fixture('krm/kustomize-4.5.4-exec-input.yaml');
  const config = fixture('../configs/recommended.yaml')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => `  ${l}`)
    .join('\n');
  return `${captured.slice(0, captured.indexOf('functionConfig:'))}functionConfig:\n${config}\n`;
}

// The way Kustomize runs container functions (`docker run --user nobody --network none`), and
// tighter: a read-only root, no capabilities, no privilege escalation.
const LOCKED_DOWN = [
  'run',
  '--rm',
  '-i',
  '--read-only',
  '--network=none',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
];

describe.skipIf(!available)(`container image ${IMAGE}`, () => {
  it('is built to run as a user other than root', () => {
    const user = podman(['image', 'inspect', '--format', '{{.Config.User}}', IMAGE]).stdout.trim();
    expect(user).not.toBe('');
    expect(['0', 'root', '0:0', 'root:root']).not.toContain(user);
  });

  it('transforms a ResourceList locked down, as the bundle does', () => {
    const input = resourceList();
    const out = podman([...LOCKED_DOWN, IMAGE], input);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(runCli([], input).stdout);
  });

  it('runs as Kustomize runs it, as nobody', () => {
    const input = resourceList();
    const out = podman([...LOCKED_DOWN, '--user', 'nobody', IMAGE], input);
    expect(out.status, out.stderr).toBe(0);
    expect(parse(out.stdout).items.length).toBeGreaterThan(33);
  });

  it('fails cleanly inside the container too: one line, exit 1, the input back', () => {
    const input = fixture(RENDERS.v20); // a stream, not a ResourceList
    const out = podman([...LOCKED_DOWN, IMAGE], input);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^celery-queues: error: [^\n]*\n$/);
    expect(out.stdout).toBe(input);
  });

  it('needs nothing the config did not give it (no network, no writable path)', () => {
    const out = podman([...LOCKED_DOWN, '--tmpfs=/tmp:ro', IMAGE], resourceList());
    expect(out.status, out.stderr).toBe(0);
  });
});

describe.skipIf(available)('container image', () => {
  it.skip(`runs locked down: skipped, ${why}`, () => {});
});
