#!/usr/bin/env bash
# A local Node base image, made from this machine's own node, for machines without a registry:
# `podman build --build-arg BASE_IMAGE=<it> .` then needs nothing pulled. It holds node, the
# libraries node links, /usr/bin/env (for `#!/usr/bin/env node`) and the users root and nobody,
# like node:20-alpine. Prints the image's name; does nothing if the image already exists.
#
#   scripts/podman-base.sh [IMAGE]     (default: localhost/node-base:<node version>)
set -euo pipefail

node=$(readlink -f "$(command -v node)")
env_bin=$(readlink -f "$(command -v env)")
image=${1:-localhost/node-base:$("$node" -p process.versions.node)}

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/bin/node"
cp "$env_bin" "$root/usr/bin/env"
# The shared libraries and the loader, from ldd's "name => /path (addr)" and "/path (addr)".
for lib in $(ldd "$node" "$env_bin" | grep -o '/[^ ]*' | grep -v ':$' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0::/root:/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" -c . | podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$image" >/dev/null
echo "$image"
