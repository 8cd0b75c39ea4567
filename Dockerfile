# The celery-queues KRM function as a container image, for Kustomize (`container: image:`), kpt
# (`--image`, Kptfile `image:`) and anything else that runs KRM functions in containers.
#
#   npm ci && npm run build            # the bundle, dist/celery-queues.js, and its code cache
#   podman build -t celery-queues .    # or docker build
#
# The base is an argument so that machines without a registry can build on a local Node 20
# image (scripts/podman-base.sh makes one); it needs node on PATH and a `nobody` user.
ARG BASE_IMAGE=node:20-alpine
FROM ${BASE_IMAGE}

# The code cache is taken only on the platform it was made on (see scripts/build.mjs): on another
# processor the bundle runs without it.
COPY dist/celery-queues.js dist/celery-queues.cache /usr/local/lib/celery-queues/

# nobody, by number: Kubernetes' runAsNonRoot can only check a numeric user.
USER 65534:65534
ENTRYPOINT ["node", "/usr/local/lib/celery-queues/celery-queues.js"]
