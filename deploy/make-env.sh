#!/bin/sh
# Write deploy/.env for docker-compose with fresh secrets: random passwords and keys, and a new
# Ed25519 token key pair. Refuses to overwrite an existing file. Needs python3 with the
# cryptography package (the project's .venv has it: PATH=.venv/bin:$PATH deploy/make-env.sh).
set -eu
cd "$(dirname "$0")"
[ ! -e .env ] || { echo "deploy/.env exists; remove it first" >&2; exit 1; }
umask 077
python3 - <<'PY' >.env
import re, secrets
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

key = Ed25519PrivateKey.generate()
private = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode()
public = key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode()
fresh = {
    "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    "ACCOUNTING_DB_PASSWORD": secrets.token_urlsafe(24),
    "REDIS_PASSWORD": secrets.token_urlsafe(24),
    "ADMIN_SECRET_KEY": secrets.token_urlsafe(50),
    "ACCOUNTING_SECRET_KEY": secrets.token_urlsafe(50),
    "APP_MOBILE_SECRET_KEY": secrets.token_urlsafe(50),
    "AUTH_SECRET_KEY": secrets.token_urlsafe(50),
    "GF_SECURITY_ADMIN_PASSWORD": secrets.token_urlsafe(18),
    "JWT_PUBLIC_KEY": public.strip().replace("\n", "\\n"),
    "JWT_PRIVATE_KEY": private.strip().replace("\n", "\\n"),
}
for line in open(".env.example").read().splitlines():
    match = re.match(r"^([A-Z_]+)=", line)
    if match and match.group(1) in fresh:
        line = f"{match.group(1)}={fresh[match.group(1)]}"
    print(line)
PY
echo "wrote deploy/.env (mode 0600)"
