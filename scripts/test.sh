#!/usr/bin/env bash
# The whole set-up and test run on a fresh Debian or Ubuntu machine: installs what is missing (as root, or
# through sudo), runs `npm ci`, builds, type-checks src and test, checks the import layering, and runs the whole
# vitest suite against real MariaDB servers.
# `.ci/run` runs exactly this (as `npm test`).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have mariadbd || need_pkgs+=(mariadb-server)
have mariadb || need_pkgs+=(mariadb-client)
have openssl || need_pkgs+=(openssl)
have sslscan || need_pkgs+=(sslscan)
have nmap || need_pkgs+=(nmap)
have ip || need_pkgs+=(iproute2)
have ps || need_pkgs+=(procps)
have tmux || need_pkgs+=(tmux)
{ have prlimit && have setpriv; } || need_pkgs+=(util-linux)  # prlimit: core dumps off; setpriv: output-files.test.ts runs the CLI as nobody when root
{ have prometheus && have promtool; } || need_pkgs+=(prometheus)
# GNU time measures peak RSS in the hostile-memory tests ("time" alone is the shell keyword: test the file).
[ -x /usr/bin/time ] || need_pkgs+=(time)
have searchd || need_pkgs+=(sphinxsearch)
# The system's CA bundle: the probe's "system roots" (system-roots.test.ts).
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_pkgs+=(ca-certificates)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_pkgs[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif have sudo; then SUDO="sudo"; else
    echo "test.sh: missing ${need_pkgs[*]} and not root: run 'apt-get install -y ${need_pkgs[*]}' as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
npm run typecheck --silent
# The layering of shared/DESIGN.md (.dependency-cruiser.cjs): no cycles, core never imports cli/, pure wire code, checks do no I/O.
npm run lint:deps --silent

mkdir -p .tmp
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json "$@"
status=$?
set -e
# A plain closing line that any CI reads, whatever it knows of vitest.
node -e '
  const fs = require("fs");
  try {
    const r = JSON.parse(fs.readFileSync(".tmp/vitest-results.json", "utf8"));
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  } catch (e) { console.log("vitest: no results file (the run did not finish)"); }
'
exit $status
