#!/usr/bin/env bash
# make-secrets-store.sh OUTDIR
#
# Plant secrets of every kind that `nixsec store scan --secrets` looks for, and look-alikes that
# are not secrets, into a tree, then add each top-level item to a real Nix store with
# `nix-store --store OUTDIR/store --add` (as root; Debian nix-bin >= 2.8). Secrets are generated
# here (ssh-keygen, openssl, random bytes): none is committed.
#
#   OUTDIR/tree/<item>/...         the planted tree (also what detect-secrets is run on)
#   OUTDIR/expected.tsv            <item-relative file>\t<kind>: every planted secret
#   OUTDIR/values.txt              the raw secret values (a scan's output must contain none)
#   OUTDIR/store/nix/...           the store (a chroot store: logical /nix/store)
#   OUTDIR/paths.tsv               <item>\t<store path>
set -euo pipefail
OUT=${1:?usage: make-secrets-store.sh OUTDIR}
rm -rf "$OUT"
mkdir -p "$OUT/tree"
OUT=$(cd "$OUT" && pwd)
T=$OUT/tree
EXP=$OUT/expected.tsv
VAL=$OUT/values.txt
: > "$EXP"
: > "$VAL"

rnd() { # rnd N CHARSET: N random characters from CHARSET
  local s
  s=$(head -c 8000 /dev/urandom | LC_ALL=C tr -dc "$2")
  printf '%s' "${s:0:$1}"
}
expect() { printf '%s\t%s\n' "$1" "$2" >> "$EXP"; }
value() { printf '%s\n' "$1" >> "$VAL"; }

# --- private keys -----------------------------------------------------------------------------
mkdir -p "$T/keys/etc/ssh" "$T/keys/etc/ssl/private" "$T/keys/keys"
ssh-keygen -q -t ed25519 -N '' -C planted -f "$T/keys/etc/ssh/ssh_host_ed25519_key"
expect keys/etc/ssh/ssh_host_ed25519_key private-key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/keys/etc/ssl/private/server.key" 2>/dev/null
expect keys/etc/ssl/private/server.key private-key
openssl genrsa -traditional -out "$T/keys/keys/legacy-rsa.pem" 2048 2>/dev/null
expect keys/keys/legacy-rsa.pem private-key
openssl ecparam -name prime256v1 -genkey -noout -out "$T/keys/keys/ec.pem" 2>/dev/null
expect keys/keys/ec.pem private-key
{
  echo '-----BEGIN PGP PRIVATE KEY BLOCK-----'
  echo
  for _ in 1 2 3 4 5 6; do rnd 64 'A-Za-z0-9+/'; echo; done
  echo '-----END PGP PRIVATE KEY BLOCK-----'
} > "$T/keys/keys/backup.asc"
expect keys/keys/backup.asc private-key
{
  echo 'PuTTY-User-Key-File-3: ssh-ed25519'
  echo 'Encryption: none'
  echo 'Comment: planted'
  echo 'Public-Lines: 2'
  rnd 64 'A-Za-z0-9+/'; echo; rnd 20 'A-Za-z0-9+/'; echo
  echo 'Private-Lines: 1'
  rnd 64 'A-Za-z0-9+/'; echo
  echo "Private-MAC: $(rnd 64 'a-f0-9')"
} > "$T/keys/keys/id.ppk"
expect keys/keys/id.ppk putty-private-key
# A JSON service-account key (the PEM inside a JSON string).
printf '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n%s\\n%s\\n-----END PRIVATE KEY-----\\n"}\n' \
  "$(rnd 64 'A-Za-z0-9+/')" "$(rnd 64 'A-Za-z0-9+/')" > "$T/keys/keys/service-account.json"
expect keys/keys/service-account.json private-key

# --- cloud and forge tokens -------------------------------------------------------------------
mkdir -p "$T/tokens/etc"
AKID="AKIA$(rnd 16 'A-Z0-9')"; ASK=$(rnd 40 'A-Za-z0-9/+')
GHP="ghp_$(rnd 36 'A-Za-z0-9')"; GLPAT="glpat-$(rnd 20 'A-Za-z0-9')"
XOXB="xoxb-$(rnd 12 '0-9')-$(rnd 13 '0-9')-$(rnd 24 'A-Za-z0-9')"
AIZA="AIza$(rnd 35 'A-Za-z0-9_')"; STRIPE="sk_live_$(rnd 24 'A-Za-z0-9')"
NPM="npm_$(rnd 36 'A-Za-z0-9')"; GOCSPX="GOCSPX-$(rnd 28 'A-Za-z0-9')"
HOOK="T$(rnd 8 'A-Z0-9')/B$(rnd 8 'A-Z0-9')/$(rnd 24 'A-Za-z0-9')"
cat > "$T/tokens/etc/aws-credentials" <<EOF
[default]
aws_access_key_id = $AKID
aws_secret_access_key = $ASK
EOF
expect tokens/etc/aws-credentials aws-access-key-id
expect tokens/etc/aws-credentials aws-secret-access-key
cat > "$T/tokens/etc/ci.yaml" <<EOF
github:
  token: $GHP
gitlab: $GLPAT
slack_bot: $XOXB
maps_key: $AIZA
billing: $STRIPE
registry: $NPM
oauth_client: $GOCSPX
alerts: https://hooks.slack.com/services/$HOOK
EOF
for k in github-token gitlab-token slack-token google-api-key stripe-key npm-token google-oauth-secret slack-webhook; do
  expect tokens/etc/ci.yaml $k
done
for v in "$AKID" "$ASK" "$GHP" "$GLPAT" "$XOXB" "$AIZA" "$STRIPE" "$NPM" "$GOCSPX" "$HOOK"; do value "$v"; done

# --- passwords in generated configs -----------------------------------------------------------
mkdir -p "$T/configs/etc/nix" "$T/configs/srv/app"
PSK="$(rnd 14 'A-Za-z0-9')4u"; DBPW="$(rnd 12 'A-Za-z0-9')9z"; APITOK="$(rnd 30 'A-Za-z0-9')7q"
INIPW="Xy7-$(rnd 10 'A-Za-z0-9')"; URLPW=$(rnd 12 'A-Za-z0-9'); NIXTOK="ghp_$(rnd 36 'A-Za-z0-9')"
cat > "$T/configs/etc/wpa_supplicant.conf" <<EOF
network={
  ssid="home"
  psk="$PSK"
}
EOF
expect configs/etc/wpa_supplicant.conf password-assignment
cat > "$T/configs/srv/app/.env" <<EOF
DATABASE_HOST=db.internal
DATABASE_PASSWORD=$DBPW
API_TOKEN=$APITOK
EOF
expect configs/srv/app/.env password-assignment
expect configs/srv/app/.env secret-assignment
cat > "$T/configs/etc/app.ini" <<EOF
[database]
user = app
password = $INIPW
EOF
expect configs/etc/app.ini password-assignment
cat > "$T/configs/etc/backup.conf" <<EOF
target = postgres://backup:$URLPW@db.internal:5432/app
EOF
expect configs/etc/backup.conf url-credentials
cat > "$T/configs/etc/nix/nix.conf" <<EOF
substituters = https://cache.nixos.org/
trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=
access-tokens = github.com=$NIXTOK
EOF
expect configs/etc/nix/nix.conf nix-access-tokens
expect configs/etc/nix/nix.conf github-token
for v in "$PSK" "$DBPW" "$APITOK" "$INIPW" "$URLPW" "$NIXTOK"; do value "$v"; done

# --- users-groups.json (a store path that is a file, as NixOS writes it) ------------------------
UPW="pw-$(rnd 10 'A-Za-z0-9')"; H6="\$6\$$(rnd 16 'A-Za-z0-9./')\$$(rnd 86 'A-Za-z0-9./')"
H1="\$1\$$(rnd 8 'A-Za-z0-9./')\$$(rnd 22 'A-Za-z0-9./')"
cat > "$T/users-groups.json" <<EOF
{"groups":[{"gid":100,"members":[],"name":"users"}],"mutableUsers":true,"users":[{"createHome":false,"description":"","group":"users","hashedPassword":null,"home":"/home/alice","initialHashedPassword":null,"initialPassword":null,"isSystemUser":false,"name":"alice","password":"$UPW","shell":"/run/current-system/sw/bin/bash","uid":1000},{"createHome":false,"group":"users","hashedPassword":"$H6","home":"/home/bob","initialPassword":null,"name":"bob","password":null,"uid":1001},{"group":"users","hashedPassword":"$H1","name":"carol","password":null,"uid":1002},{"group":"users","hashedPassword":"!","initialHashedPassword":"","name":"locked","password":null,"uid":1003}]}
EOF
expect users-groups.json users-groups
value "$UPW"; value "${H6#\$6\$}"; value "${H1#\$1\$}"

# --- look-alikes: none of these may be reported ---------------------------------------------------
L=$T/lookalikes
mkdir -p "$L/share/doc/app" "$L/etc" "$L/lib/python3/site-packages/app/tests" "$L/keys" "$L/src"
cat > "$L/share/doc/app/README" <<EOF
Configure the database with password=changeme, then change it.
Example key for the tests:
$(cat "$T/keys/keys/legacy-rsa.pem" | sed 's/^/    /')
EOF
cat > "$L/etc/app-defaults.conf" <<'EOF'
password=changeme
password = ${DB_PASSWORD}
passwordFile = /run/secrets/db
token = <your-token-here>
secret = xxxxxxxxxxxxxxxx
psk=ext:psk_home
url = https://user:password@example.com/
mirror = https://${USER}:${PASS}@mirror.example.org/
EOF
cat > "$L/etc/aws-example" <<'EOF'
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
EOF
cat > "$L/keys/placeholder.pem" <<'EOF'
-----BEGIN RSA PRIVATE KEY-----
...
-----END RSA PRIVATE KEY-----
EOF
ssh-keygen -q -t ed25519 -N '' -C public -f "$L/keys/only-public"
rm "$L/keys/only-public"   # keep only the .pub
openssl pkey -in "$T/keys/etc/ssl/private/server.key" -pubout -out "$L/keys/server.pub.pem" 2>/dev/null
cp "$T/keys/keys/legacy-rsa.pem" "$L/lib/python3/site-packages/app/tests/test_key.pem"
cat > "$L/lib/python3/site-packages/app/db.py" <<'EOF'
def connect(password=None):
    password = os.environ["DB_PASSWORD"]
    return driver.connect(password=password, token=self.token)
EOF
cat > "$L/src/flake.lock" <<EOF
{"nodes":{"nixpkgs":{"locked":{"lastModified":1700000000,"narHash":"sha256-$(rnd 43 'A-Za-z0-9+/')=","rev":"$(rnd 40 'a-f0-9')","type":"github"}}},"version":7}
EOF
cat > "$L/src/Cargo.lock" <<EOF
[[package]]
name = "serde"
version = "1.0.0"
checksum = "$(rnd 64 'a-f0-9')"
EOF
cat > "$L/src/package-lock.json" <<EOF
{"packages":{"node_modules/x":{"integrity":"sha512-$(rnd 86 'A-Za-z0-9+/')=="}}}
EOF

# --- into a real store ---------------------------------------------------------------------------
mkdir -p "$OUT/store" "$OUT/etc"
unset NIX_REMOTE NIX_STORE_DIR NIX_STATE_DIR NIX_LOG_DIR NIX_CONFIG NIX_PATH NIX_DAEMON_SOCKET_PATH || true
printf 'sandbox = false\nsubstituters =\nrequire-sigs = false\nfsync-metadata = false\n' > "$OUT/etc/nix.conf"
export NIX_CONF_DIR=$OUT/etc NIX_USER_CONF_FILES=$OUT/etc/nix.conf
: > "$OUT/paths.tsv"
for item in keys tokens configs users-groups.json lookalikes; do
  p=$(nix-store --store "$OUT/store" --add "$T/$item")
  printf '%s\t%s\n' "$item" "$p" >> "$OUT/paths.tsv"
done
# A "current system" for audit tests: the configs path.
mkdir -p "$OUT/store/run"
ln -s "$(awk '$1 == "configs" {print $2}' "$OUT/paths.tsv")" "$OUT/store/run/current-system"
echo "make-secrets-store: $(wc -l < "$EXP") planted secrets, store at $OUT/store" >&2
