#!/usr/bin/env bash
# Installs the system packages exportkit needs when they are missing. On Debian and Ubuntu
# it uses apt-get (as root, or through sudo); elsewhere it prints what to install.
#
#   libav*-dev, pkg-config  build the render package (cgo, FFmpeg 5.1 on Debian 12)
#   ffmpeg                  the reference encoder for `make bench-render` and `make demo`
#   chromium                runs the calculator page in the browser test
#   brotli                  pre-compresses the WebAssembly module
#   postgresql              the engine's tests run against a throwaway PostgreSQL cluster
set -euo pipefail

packages=(libavcodec-dev libavformat-dev libavfilter-dev libavutil-dev libswscale-dev
  libswresample-dev libavdevice-dev pkg-config ffmpeg chromium brotli postgresql)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
  done
else
  echo "deps: not a Debian system; install these (or your system's equivalents):" >&2
  printf '  %s\n' "${packages[@]}" >&2
  echo "  FFmpeg must be 5.1 (go-astiav v0.16.0 builds against FFmpeg 5.1 only)." >&2
  exit 0
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all system packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
  "${missing[@]}"
