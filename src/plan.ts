// The family contract: what an output family sees of one Open edX instance, and may do.
import type { BrokerPlan } from './broker/connection.js';
import type { Worker } from './celery/worker.js';
import type { Spec } from './config/schema.js';
import type { Resources } from './krm/resources.js';
import type { Results } from './krm/results.js';
import type { ServiceName } from './names.js';
import type { TutorInstance } from './tutor/instances.js';

/**
 * `make` made once per config and service: the config is the same for every instance of a run,
 * and nothing changes it once it is loaded, so what comes of it alone is not made again for
 * each instance.
 */
export function oncePerConfig<T>(
  make: (spec: Spec, service: ServiceName) => T,
): (spec: Spec, service: ServiceName) => T {
  const made = new WeakMap<Spec, Partial<Record<ServiceName, T>>>();
  return (spec, service) => {
    let byService = made.get(spec);
    if (!byService) {
      byService = {};
      made.set(spec, byService);
    }
    if (!Object.hasOwn(byService, service)) byService[service] = make(spec, service);
    return byService[service] as T;
  };
}

/** One instance as the workers stage sees it, before any worker is planned. */
export interface InstanceInput {
  /** The namespace, its stock workers, what an earlier run wrote, the anchor. */
  readonly instance: TutorInstance;
  /** The config, checked and with its defaults. */
  readonly spec: Spec;
  /** The input's resources: what a family finds, reads and changes them through. */
  readonly resources: Resources;
  /** Errors, warnings, infos. */
  readonly results: Results;
}

/**
 * One instance, read-only, as the families after the workers stage see it. Everything in it is
 * computed once, before the first family runs: nobody reads the broker or sizes a worker again.
 */
export interface InstanceView extends InstanceInput {
  /** The broker of each service whose workers an output connects to (see broker/connection.ts). */
  readonly broker: BrokerPlan;
  /**
   * The worker Deployments the workers stage wrote or narrowed, in the order it wrote them:
   * each with its queues, command line, sizing and config.
   */
  readonly workers: readonly Worker[];
  /**
   * Every worker Deployment of the instance: `workers`, then the stock workers of services
   * the config leaves alone, as they came.
   */
  readonly instanceWorkers: readonly Worker[];
}

/**
 * The first stage: writes the worker Deployments (clones, the stock workers narrowed or turned
 * off) and says which they are, for the families after it.
 */
export type WorkersStage = (input: InstanceInput) => Worker[];

/** An output family: one concern, reading the view and staging its changes in `edit`. */
export type Family = (view: InstanceView) => void;
