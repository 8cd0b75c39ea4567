#!/usr/bin/env bash
# Builds the function's image from the Dockerfile with podman, for one platform or several (a
# manifest list), tagged and labelled with the version in package.json: the one source of it.
#
#   scripts/image.sh [--platform linux/amd64,linux/arm64] [--base IMAGE] [NAME]
#
# NAME defaults to localhost/celery-queues:<version>. Run `npm run build` first: the image holds
# dist/celery-queues.js. The Dockerfile runs nothing at build time, so building for another
# processor needs no emulation, only a base image for it (node:20-alpine has both; on machines
# without a registry, scripts/podman-base.sh makes them). With docker, the same build is
#   docker buildx build --platform linux/amd64,linux/arm64 --label org.opencontainers.image.version=<version> ... -t NAME .
set -euo pipefail
cd "$(dirname "$0")/.."

platform=
base=
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) platform=${2:?--platform needs a list such as linux/amd64,linux/arm64}; shift 2 ;;
    --base) base=${2:?--base needs an image}; shift 2 ;;
    -*) echo "image.sh: unknown option $1" >&2; exit 1 ;;
    *) break ;;
  esac
done

field() { node -p "const p = require('./package.json'); $1"; }
version=$(field 'p.version')
labels=(
  --label "org.opencontainers.image.title=$(field 'p.name')"
  --label "org.opencontainers.image.version=$version"
  --label "org.opencontainers.image.description=$(field 'p.description')"
  --label "org.opencontainers.image.licenses=$(field 'p.license')"
  --label "org.opencontainers.image.source=$(field 'p.repository.url.replace(/^git\+/, "").replace(/\.git$/, "")')"
)
if revision=$(git rev-parse HEAD 2>/dev/null); then
  labels+=(--label "org.opencontainers.image.revision=$revision")
fi

name=${1:-localhost/celery-queues:$version}
[ -f dist/celery-queues.js ] || { echo "image.sh: no dist/celery-queues.js: run npm run build first" >&2; exit 1; }
args=(build --quiet "${labels[@]}")
[ -z "$base" ] || args+=(--build-arg "BASE_IMAGE=$base")
if [ -n "$platform" ]; then
  # A manifest list of that name, made anew.
  podman manifest exists "$name" && podman manifest rm "$name" >/dev/null
  podman image exists "$name" && podman rmi "$name" >/dev/null
  args+=(--platform "$platform" --manifest "$name")
else
  args+=(--tag "$name")
fi
podman "${args[@]}" . >/dev/null
echo "$name"
