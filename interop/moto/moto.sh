# shellcheck shell=sh
# Sourced by .ci/run: starts moto_server (Python moto 5.x) for the interop/moto
# tests and stops it again.
#
#   . interop/moto/moto.sh
#   moto_start || exit 1     # exports CALDERA_MOTO_ENDPOINT=http://127.0.0.1:PORT
#   trap moto_stop EXIT      # or call moto_stop from the script's own trap
#
# moto_start fails (non-zero, with a message saying what to install) when
# python3 cannot import moto, when moto_server does not come up within 30 s,
# or when it exits early (its log is printed).

moto_start() {
	if ! python3 -c 'import moto' >/dev/null 2>&1; then
		echo "moto: python3 -c 'import moto' failed; the interop/moto tests need Python moto 5.x with its server extras: pip install 'moto[server]>=5,<6'" >&2
		return 1
	fi
	if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
		echo "moto: moto is installed without its server (Flask); pip install 'moto[server]>=5,<6'" >&2
		return 1
	fi
	MOTO_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
	MOTO_LOG=${MOTO_LOG:-$(mktemp "${TMPDIR:-/tmp}/moto.XXXXXX")}
	# TOTP codes are only checked with this set (moto/cognitoidp/models.py).
	MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true python3 -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
	MOTO_PID=$!
	moto_i=0
	while [ "$moto_i" -lt 150 ]; do
		if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=1)" >/dev/null 2>&1; then
			CALDERA_MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
			export CALDERA_MOTO_ENDPOINT
			echo "moto: moto_server (pid $MOTO_PID) ready at $CALDERA_MOTO_ENDPOINT" >&2
			return 0
		fi
		if ! kill -0 "$MOTO_PID" 2>/dev/null; then
			echo "moto: moto_server exited before it was ready; its log:" >&2
			cat "$MOTO_LOG" >&2
			MOTO_PID=
			return 1
		fi
		sleep 0.2
		moto_i=$((moto_i + 1))
	done
	echo "moto: moto_server not ready on 127.0.0.1:$MOTO_PORT after 30 s; its log:" >&2
	cat "$MOTO_LOG" >&2
	moto_stop
	return 1
}

moto_stop() {
	if [ -n "${MOTO_PID:-}" ]; then
		# Never fail: this runs from EXIT traps under set -e.
		kill "$MOTO_PID" 2>/dev/null || true
		wait "$MOTO_PID" 2>/dev/null || true
		MOTO_PID=
	fi
	if [ -n "${MOTO_LOG:-}" ]; then
		rm -f "$MOTO_LOG" || true
	fi
	return 0
}
