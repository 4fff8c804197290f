#!/usr/bin/env bash
# Packs what bench/gpu/node-webgpu.ts and bench/gpu/node-pool-scoring.ts need on the GPU machine
# (which has no Node and no registry) into .device/ (git-ignored): the bundles, a Node binary,
# Dawn's `webgpu` package and the Vulkan loader. Then, with the session's device tool:
#   carry [".device"], command: "bash .device/run.sh" (or "bash .device/run.sh pool.mjs")
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.device
mkdir -p "$out/webgpu/dist/linux-x64"
npx rolldown bench/gpu/node-webgpu.ts --platform node --format esm --external webgpu \
  --no-codeSplitting --file "$out/bench.mjs" >/dev/null
npx rolldown bench/gpu/node-pool-scoring.ts --platform node --format esm --external webgpu \
  --no-codeSplitting --file "$out/pool.mjs" >/dev/null
xz -T0 -3 -c "$(command -v node)" > "$out/node.xz"
tmp=$(mktemp -d)
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund webgpu@0.6.2 >/dev/null 2>&1)
cp "$tmp/node_modules/webgpu/index.js" "$tmp/node_modules/webgpu/package.json" "$out/webgpu/"
cp "$tmp/node_modules/webgpu/dist/linux-x64/dawn.node" "$out/webgpu/dist/linux-x64/"
mkdir -p "$out/node_modules" && rm -rf "$out/node_modules/webgpu" && mv "$out/webgpu" "$out/node_modules/"
mkdir -p /tmp/amd64/partial "$out/debs"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
apt-get "${apt_opts[@]}" update -qq
(cd "$out/debs" && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1)
cat > "$out/run.sh" <<'RUN'
set -e
for f in .device/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
cd .device && /tmp/node "${1:-bench.mjs}"
RUN
du -sh "$out"
