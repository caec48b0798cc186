#!/usr/bin/env bash
# The demo behind `make demo`: prices the spec's worked examples, then sets up a demo
# space with sample videos and runs `exportkit serve` in the foreground, printing the
# calculator URL and curl commands to start an export and follow it.
#   scripts/demo.sh [bin/exportkit]     DEMO_ADDR=127.0.0.1:8080  DEMO_DATA=exportkit-data/demo
set -euo pipefail
bin=$(realpath "${1:-bin/exportkit}")
cd "$(dirname "$0")/.."
addr=${DEMO_ADDR:-127.0.0.1:8080}
data=${DEMO_DATA:-exportkit-data/demo}
hook_port=${DEMO_HOOK_PORT:-8089}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n1; }

# 1. Prices: the four worked examples of the export spec.
for example in spec-1-premium-40s spec-2-veo-3-fast-3-segments spec-3-high-resolution-60s \
  spec-4-dashboard-90s; do
  say "Spec example: $example"
  "$bin" quote "testdata/quotes/$example.request.json"
done

# 2. A fresh demo space with 500 credits and an API key.
say "A demo space in $data/ (recreated on every run)"
rm -rf "$data"
mkdir -p "$data/samples"
space=$("$bin" spaces create -data "$data" -name demo -plan start -credits 500 -o json)
space_id=$(field id <<<"$space")
key=$(field api_key <<<"$space")
secret=$(field webhook_secret <<<"$space")
echo "space $space_id, 500 credits"

# 3. Sample videos, generated with ffmpeg's test sources, registered with and without an
# avatar, made through the API and in the dashboard.
sample() { # name WxH seconds
  ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=$2:rate=30:duration=$3" \
    -f lavfi -i "sine=frequency=440:duration=$3" -c:v libx264 -preset veryfast \
    -pix_fmt yuv420p -c:a aac -shortest "$data/samples/$1.mp4"
}
add() { # name origin [video add flags]
  local name=$1 origin=$2; shift 2
  "$bin" videos add -data "$data" -space "$space_id" -file "$data/samples/$name.mp4" \
    -origin "$origin" "$@"
}
say "Generating and registering sample videos"
sample vertical-avatar 1080x1920 12
sample horizontal 1920x1080 8
sample square-avatar 1080x1080 10
vid_dash_avatar=$(add vertical-avatar dashboard -avatar-models standard,premium -avatar-seconds 10)
vid_api=$(add horizontal api)
vid_api_avatar=$(add square-avatar api -avatar-models standard,premium,veo-3-fast)
cat <<TABLE
$vid_dash_avatar  dashboard, 12 s vertical, premium-capable avatar visible 10 s
$vid_api  api,       8 s horizontal, no avatar
$vid_api_avatar  api,       10 s square, avatar with veo-3-fast
TABLE

# 4. A webhook receiver on loopback that checks each signature (python3 only).
hook_url=""
if command -v python3 >/dev/null; then
  python3 - "$hook_port" "$secret" <<'PY' &
import base64, hashlib, hmac, http.server, sys
port, secret = int(sys.argv[1]), sys.argv[2]
key = base64.b64decode(secret.removeprefix("whsec_"))
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        h = self.headers
        msg = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + body
        sig = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
        ok = any(s == "v1," + sig for s in h.get("webhook-signature", "").split())
        print(f"\n[webhook] {h['webhook-id']} signature {'valid' if ok else 'INVALID'}: "
              f"{body.decode()}\n", flush=True)
        self.send_response(204 if ok else 401)
        self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
  hook_pid=$!
  trap 'kill "$hook_pid" 2>/dev/null || true' EXIT
  hook_url="http://127.0.0.1:$hook_port/hook"
fi

# 5. What to paste, then the server in the foreground.
webhook=""
[ -n "$hook_url" ] && webhook=", \"webhook_url\": \"$hook_url\""
cat <<EOT

$(printf '\033[1m')== Ready$(printf '\033[0m')
Calculator:   http://$addr/
OpenAPI:      http://$addr/openapi.json
API key:      $key
Webhook secret (for receivers): $secret

Start an export (paste in another terminal):

  curl -s -X POST http://$addr/v1/export/start \\
    -H 'Authorization: Bearer $key' -H 'Idempotency-Key: demo-1' \\
    -d '{"video_id": "$vid_dash_avatar", "format": "square", "avatar_model": "premium"$webhook}'

Follow it (the result's video_url downloads the MP4):

  curl -s http://$addr/v1/export/status/JOB_ID -H 'Authorization: Bearer $key'

Price one without starting it:

  curl -s -X POST http://$addr/v1/export/quote -H 'Authorization: Bearer $key' \\
    -d '{"video_id": "$vid_api_avatar", "avatar_model": "veo-3-fast"}'

Interrupt (Ctrl-C) to stop the server.
EOT
"$bin" serve -addr "$addr" -data "$data" -allow-private-webhooks
