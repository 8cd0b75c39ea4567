// Edit.write takes plain data that the caller keeps (a family builds several resources from one
// shared value: an instance's labels, a sizing's resources) and stamps what it writes with the
// generated-by annotation and the instance's labels. What it writes is its own copy: the stamps
// never reach the caller's values, nor one written resource's another's. (Skipping that copy for
// speed breaks exactly this: the stock-fields record then saw the clone's managed-by label.)
import { describe, expect, it } from 'vitest';
import { Edit } from '../src/krm/edit.js';
import { Item } from '../src/krm/item.js';
import { Results } from '../src/krm/results.js';
import { toPlain } from '../src/krm/yaml.js';

const ANCHOR =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lms-worker\n  namespace: openedx\nspec: {}\n';

function worker(name: string, labels: Record<string, string>, resources: object) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'openedx', labels },
    spec: { template: { spec: { containers: [{ name, resources }] } } },
  };
}

describe('Edit.write', () => {
  it("stamps its own copy: the caller's shared values stay as they were", () => {
    const anchor = Item.lazy(ANCHOR, 0, 'items[0]');
    const results = new Results();
    const edit = new Edit([anchor], results);
    edit.labels = { 'app.kubernetes.io/managed-by': 'celery-queues' };
    const labels = { 'app.kubernetes.io/managed-by': 'tutor' };
    const resources = { limits: { memory: '1Gi' } };
    const first = worker('lms-worker-a', labels, resources);
    const second = worker('lms-worker-b', labels, resources);
    const before = structuredClone([first, second]);
    const a = edit.write(first, anchor, 'lms-worker');
    const b = edit.write(second, anchor, 'lms-worker');
    expect(results.list).toEqual([]);
    expect([first, second]).toEqual(before);
    // What it gave back is the written resource, to go on changing: apart from each other.
    expect(a).not.toBe(first);
    (a as { metadata: { labels: Record<string, string> } }).metadata.labels.extra = 'a';
    edit.settle();
    const out = edit.output().filter((i) => i !== anchor);
    const labelsOut = out.map(
      (i) => (toPlain(i.doc) as { metadata: { labels: object } }).metadata.labels,
    );
    expect(labelsOut).toEqual([
      { 'app.kubernetes.io/managed-by': 'celery-queues', extra: 'a' },
      { 'app.kubernetes.io/managed-by': 'celery-queues' },
    ]);
    expect(b).toBeDefined();
    expect([first, second]).toEqual(before);
  });

  it('writes an object met twice in one resource whole in both places, leaving it unchanged', () => {
    const anchor = Item.lazy(ANCHOR, 0, 'items[0]');
    const results = new Results();
    const edit = new Edit([anchor], results);
    const shared = { memory: '1Gi' };
    const resource = worker('lms-worker-a', {}, { limits: shared, requests: shared });
    const before = structuredClone(resource);
    edit.write(resource, anchor, 'lms-worker');
    edit.settle();
    const [out] = edit.output().filter((i) => i !== anchor);
    expect(resource).toEqual(before);
    const plain = toPlain((out as Item).doc) as ReturnType<typeof worker>;
    expect(plain.spec.template.spec.containers[0]?.resources).toEqual({
      limits: { memory: '1Gi' },
      requests: { memory: '1Gi' },
    });
  });
});
