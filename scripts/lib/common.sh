# Shared by scripts/run and scripts/test: Debian packages and the build.
# Source it; do not run it.

MXD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Everything mxd needs to build, run and test, from Debian 12's packages.
MXD_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libc-ares-dev libssl-dev libseccomp-dev libidn2-dev libgsasl-dev libgtest-dev libgmock-dev
  libjemalloc-dev
)
MXD_TEST_PACKAGES=(
  python3 python3-grpcio python3-protobuf python3-dnslib python3-aiosmtpd nsd postfix openssl
  sasl2-bin libsasl2-modules clang libfuzzer-14-dev
  docker-compose
)

# Tools checked by command rather than package: the machine may have newer
# ones from elsewhere (kubectl with kustomize v5, Node.js 20).
ensure_commands() {
  command -v node >/dev/null && command -v npm >/dev/null || ensure_packages nodejs npm
  command -v kubectl >/dev/null || ensure_packages kubernetes-client
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs whichever of the given packages are missing (idempotent: nothing
# is downloaded when all are present).
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is a test peer only: install it unconfigured, no system MTA.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_tree DIR [cmake options...]: configure (again, so changed options
# apply to an existing tree) and build.
build_tree() {
  local dir=$1
  shift
  local generator=()
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    command -v ninja >/dev/null && generator=(-G Ninja)
  fi
  cmake -S "$MXD_ROOT" -B "$dir" "${generator[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

# make_route_key FILE: a fresh route signing key (route_key_file, shared by
# both services) unless FILE already holds one; only its owner can read it.
make_route_key() {
  local file=$1
  [ -s "$file" ] && return 0
  mkdir -p "$(dirname "$file")"
  (umask 077 && head -c 32 /dev/urandom | base64 >"$file")
}
