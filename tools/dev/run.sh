#!/usr/bin/env bash
# make run: Storefront on this machine with nothing to configure. Picks a database (DATABASE_URL, else
# the machine's PostgreSQL, else a private cluster under .data/postgres), generates a dev signing key, a
# dev data-encryption key and a dev admin under .data/ (gitignored) on first use, keeps uploaded files in
# .data/files, then runs cmd/server in the foreground.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=$ROOT/.data
KEY_FILE=$DATA/jwt-ed25519.pem
DATA_KEY_FILE=$DATA/data-encryption.key
ADMIN_FILE=$DATA/dev-admin.env
ADMIN_EMAIL=admin@storefront.local

mkdir -p "$DATA"
chmod go-rw "$DATA"
umask 077

# Passwords stay out of the console; a URL without one is printed as is.
mask_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

if [[ -n ${DATABASE_URL:-} ]]; then
	echo "run: database from DATABASE_URL: $(mask_url "$DATABASE_URL")"
else
	DATABASE_URL=$("$ROOT/tools/dev/pg.sh" url)
	echo "run: database: $DATABASE_URL"
fi
export DATABASE_URL

if [[ -z ${JWT_PRIVATE_KEY_FILE:-} ]]; then
	if [[ ! -s $KEY_FILE ]]; then
		openssl genpkey -algorithm ed25519 -out "$KEY_FILE"
		echo "run: generated a dev JWT signing key: ${KEY_FILE#"$ROOT"/}"
	fi
	export JWT_PRIVATE_KEY_FILE=$KEY_FILE
fi

if [[ -z ${DATA_ENCRYPTION_KEY:-} ]]; then
	# Seals real-name names and certificate numbers in the database: losing it loses them.
	if [[ ! -s $DATA_KEY_FILE ]]; then
		openssl rand -base64 32 >"$DATA_KEY_FILE"
		echo "run: generated a dev data-encryption key: ${DATA_KEY_FILE#"$ROOT"/}"
	fi
	DATA_ENCRYPTION_KEY=$(<"$DATA_KEY_FILE")
	export DATA_ENCRYPTION_KEY
fi

export FILES_DIR=${FILES_DIR:-$DATA/files}
# The sandbox's network for ECS orders (the simulator accepts any ids).
export ECS_VPC_ID=${ECS_VPC_ID:-vpc-sandbox} ECS_SUBNET_IDS=${ECS_SUBNET_IDS:-subnet-sandbox}

if [[ -z ${BOOTSTRAP_ADMIN_EMAIL:-} ]]; then
	if [[ ! -s $ADMIN_FILE ]]; then
		password=$(openssl rand -base64 24 | tr -d '/+=\n' | cut -c1-24)
		printf 'BOOTSTRAP_ADMIN_EMAIL=%s\nBOOTSTRAP_ADMIN_PASSWORD=%s\n' "$ADMIN_EMAIL" "$password" >"$ADMIN_FILE"
		chmod 600 "$ADMIN_FILE"
		cat <<-MSG
			run: ------------------------------------------------------------------
			run: dev admin (shown once; kept in ${ADMIN_FILE#"$ROOT"/}):
			run:   email:    $ADMIN_EMAIL
			run:   password: $password
			run: ------------------------------------------------------------------
		MSG
		unset password
		# The server creates the bootstrap admin only when it is missing, so a database kept from an
		# earlier run still has the old password.
		if psql -w -qAt "$DATABASE_URL" -c "SELECT 1 FROM users WHERE lower(email) = '$ADMIN_EMAIL'" 2>/dev/null | grep -q 1; then
			echo "run: note: $ADMIN_EMAIL already exists in this database with an earlier password;"
			echo "run:       the password above applies only to a fresh database"
		fi
	else
		echo "run: dev admin credentials are in ${ADMIN_FILE#"$ROOT"/}"
	fi
	set -a
	# shellcheck source=/dev/null
	. "$ADMIN_FILE"
	set +a
fi

exec go run ./cmd/server
