#!/usr/bin/env bash
# The demo behind `make demo`: prices the export endpoint's four worked examples and a
# few exports of other formats through the exportkit binary given as $1.
set -euo pipefail
bin=${1:-bin/exportkit}
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "The rate card every quote below uses"
"$bin" ratecard

for example in spec-1-premium-40s spec-2-veo-3-fast-3-segments spec-3-high-resolution-60s \
  spec-4-dashboard-90s; do
  say "Spec example: $example"
  "$bin" quote "testdata/quotes/$example.request.json"
done

say "A 75 s dashboard video with a 70 s premium avatar, as a 2560x1440 custom export"
echo '{"video": {"origin": "dashboard", "duration": "75",
       "avatar": {"models_available": ["standard", "premium"], "visible_seconds": "70"}},
       "format": "custom", "width": 2560, "height": 1440, "plan": "start"}' | "$bin" quote

say "The same video in the vertical format, under the hoox-observed card"
echo '{"video": {"origin": "dashboard", "duration": "75",
       "avatar": {"models_available": ["standard", "premium"], "visible_seconds": "70"}},
       "format": "vertical", "plan": "start"}' | "$bin" quote -rate-card hoox-observed

say "A request the rules refuse: veo-3 on the free plan (exit status 1)"
echo '{"video": {"origin": "api", "duration": 20,
       "avatar": {"models_available": ["veo-3"]}}, "plan": "free", "format": "square"}' |
  "$bin" quote -o json || true
