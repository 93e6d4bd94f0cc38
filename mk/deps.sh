#!/bin/sh
# Checks for the Debian packages acc builds and tests with and installs the
# missing ones.  Run by `make deps`, and quietly before every build, so a
# fresh Debian 12 machine needs nothing but `make demo` or `make test`.
#
#   sh mk/deps.sh [-q] [peers]
#
# `peers` adds what `make bench-peers` alone needs (bench/peers/): Debian's
# Rust toolchain and tokio crates, libuv, g++ and strace.  `make test` does
# not install them; its smoke run leaves out a peer whose toolchain is
# missing.
set -eu

PKGS="make gcc g++ clang flex bison libclang-14-dev llvm-14-dev libcriterion-dev pkg-config
graphviz valgrind csmith libcsmith-dev jq gdb libjansson-dev
curl netcat-openbsd socat wrk liburing-dev"
# Test dependencies: headers of the parse corpus that say `async` (libuv;
# tests/foreign runs a libuv program too).
PKGS="$PKGS libuv1-dev"
PEERS_PKGS="cargo rustc librust-tokio-dev libuv1-dev g++ strace"

quiet=
for a in "$@"; do
  case $a in
    -q) quiet=-q ;;
    peers) PKGS="$PKGS $PEERS_PKGS" ;;
    *) echo "deps: unknown argument '$a'" >&2; exit 2 ;;
  esac
done

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'
  then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  [ -n "$quiet" ] || echo "deps: all packages present"
  exit 0
fi

# Two builds at once must not run apt-get together: the second waits for the
# first and then finds the packages installed.
if [ -z "${ACC_DEPS_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
  export ACC_DEPS_LOCKED=1
  exec flock "${TMPDIR:-/tmp}/acc-deps.lock" sh "$0" "$@"
fi

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "deps: not root; run this, then make again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: installed$missing"
