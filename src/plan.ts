// What the output families share while they work on one Open edX instance.
import type { QueueSpec, Spec } from './config/schema.js';
import type { Edit } from './krm/edit.js';
import type { Results } from './krm/results.js';
import type { Doc } from './krm/yaml.js';
import type { ServiceName } from './names.js';
import type { StockWorker, TutorInstance } from './tutor/instances.js';

/**
 * A worker Deployment in the output that consumes queues: the stock one of a service, a
 * variant's (one queue), or a group's (several). A stock worker the config turns off consumes
 * none, and is none of these.
 */
export interface Worker {
  service: ServiceName;
  kind: 'stock' | 'variant' | 'group';
  /** `default` for the stock worker; the variant, or the group's name. */
  key: string;
  /** Where the config sets it up: `spec.<service>.queues.<variant>` or `spec.<service>.groups.<group>`. */
  path: string[];
  /** The Deployment's name. */
  name: string;
  /** The queues it consumes. */
  queues: string[];
  /** The Deployment as it will be written; later families may still edit it. */
  doc: Doc;
  stock: StockWorker;
  /** Its config (a group's lists its queues too); undefined for a stock worker the config does not tune. */
  config: QueueSpec | undefined;
}

export interface InstancePlan {
  instance: TutorInstance;
  spec: Spec;
  edit: Edit;
  results: Results;
  /** Filled by the workers family, read by the ones after it. */
  workers: Worker[];
}

/** An output family: one concern, reading the plan and staging its changes in `edit`. */
export type Family = (plan: InstancePlan) => void;
