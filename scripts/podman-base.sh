#!/usr/bin/env bash
# A local Node base image, for machines without a registry: `podman build --build-arg
# BASE_IMAGE=<it> .` then needs nothing pulled. It holds node, the libraries node links and the
# users root and nobody, like node:20-alpine. Prints the image's name; does nothing if the image
# already exists.
#
#   scripts/podman-base.sh [IMAGE]                 this machine's node, its processor
#                                                  (default: localhost/node-base:<node version>)
#   scripts/podman-base.sh --arch ARCH [IMAGE]     the same Node version for another processor
#                                                  (amd64 or arm64; default IMAGE: ...-<ARCH>)
#
# Another processor's image takes the official Node binary of this machine's version from the
# npm registry (node-linux-<arch>, the package npm's `node` installs) and the C and C++ runtime
# from Debian's packages for that processor (`dpkg --add-architecture <arch> && apt-get update`
# first). Running it needs qemu-user-static (binfmt); building the function's image does not.
set -euo pipefail

arch=
if [ "${1:-}" = --arch ]; then
  arch=${2:?--arch needs amd64 or arm64}
  shift 2
fi

node=$(readlink -f "$(command -v node)")
version=$("$node" -p process.versions.node)
host_arch=$(dpkg --print-architecture)
[ -n "$arch" ] || arch=$host_arch
if [ "$arch" = "$host_arch" ]; then
  image=${1:-localhost/node-base:$version}
else
  image=${1:-localhost/node-base:$version-$arch}
fi

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"

if [ "$arch" = "$host_arch" ]; then
  env_bin=$(readlink -f "$(command -v env)")
  cp "$node" "$root/usr/bin/node"
  cp "$env_bin" "$root/usr/bin/env"
  # The shared libraries and the loader, from ldd's "name => /path (addr)" and "/path (addr)".
  for lib in $(ldd "$node" "$env_bin" | grep -o '/[^ ]*' | grep -v ':$' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
else
  case "$arch" in
    amd64) node_arch=x64 ;;
    arm64) node_arch=arm64 ;;
    *) echo "podman-base.sh: --arch $arch: amd64 or arm64" >&2; exit 1 ;;
  esac
  work=$(mktemp -d)
  trap 'rm -rf "$root" "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-$node_arch@$version" >/dev/null)
  tar -xzf "$work"/node-linux-*.tgz -C "$work" package/bin/node
  cp "$work/package/bin/node" "$root/usr/bin/node"
  # What node links (libc, libm, libdl, libpthread, the loader; libstdc++; libgcc_s).
  if ! (cd "$work" && apt-get download "libc6:$arch" "libstdc++6:$arch" "libgcc-s1:$arch" >/dev/null 2>&1); then
    echo "podman-base.sh: Debian's $arch packages are not available: run dpkg --add-architecture $arch && apt-get update" >&2
    exit 1
  fi
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$root/usr/share"
fi

printf 'root:x:0:0::/root:/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" -c . | podman import --quiet --arch "$arch" --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$image" >/dev/null
echo "$image"
