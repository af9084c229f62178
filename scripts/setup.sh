#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (and quick when everything is there).
#   - Debian packages: browsers, SpamAssassin, Prometheus (+ Pushgateway), Xvfb, Dovecot + Postfix;
#   - Mailpit v1.30.5, built with `go install` when no `mailpit` is on PATH;
#   - .venv at the repo root with the pinned Python packages (re-installed only when
#     pyproject.toml changes);
#   - Playwright's own browser builds, tried once per machine where a download can work,
#     never failing the set-up (Debian's chromium and firefox-esr are used otherwise).
# Environment knobs: PLAYWRIGHT_BROWSERS_INSTALL=auto|always|never (default auto).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAILPIT_VERSION="v1.30.5"
# chromium-headless-shell: what headless runs launch (as Playwright does), about a third faster.
# libwebkit2gtk-4.1-0 holds WebKitGTK's MiniBrowser (the WebKit engine here, needs xvfb); gcc and
# libc6-dev build its TCP_NODELAY shim (fixtures/engines/native/inspector_nodelay.c; without it WebKit is slower).
BROWSER_PACKAGES=(chromium chromium-headless-shell firefox-esr libwebkit2gtk-4.1-0 gcc libc6-dev)
# dovecot-*, postfix, spamc, openssl: the real mailbox of the IMAP tests (tests/support/dovecot.py, tests/support/postfix.py).
# prometheus-alertmanager: routes tested by amtool and end to end (tests/integration/test_alertmanager_*.py).
# dnsmasq-base: the lab's private DNS on loopback (DKIM, SPF and DMARC records; tests/support/lab_dns.py).
TOOL_PACKAGES=(spamassassin spamd spamc prometheus prometheus-pushgateway prometheus-alertmanager xvfb fonts-dejavu-core wrk
               dovecot-imapd dovecot-lmtpd dovecot-sieve postfix openssl dnsmasq-base)
log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*  (run as root or install sudo)"; return 1; fi
}

# --- Debian packages --------------------------------------------------------------
# Debian's browsers are the fallback where Playwright's own builds cannot be downloaded (as
# here). Other apt systems (Ubuntu's chromium is a snap stub, it has no firefox-esr) get the
# tools only and use Playwright's builds, tried below.
os_id="$( (. /etc/os-release 2>/dev/null && echo "${ID:-unknown}") || echo unknown)"
wanted=("${TOOL_PACKAGES[@]}")
if [ "$os_id" = debian ]; then wanted=("${BROWSER_PACKAGES[@]}" "${wanted[@]}"); fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Optional: the suite works without them (slower headless Chromium; no wrk load benchmark), so a
# failed download of these alone must not fail the set-up.
OPTIONAL_PACKAGES=" chromium-headless-shell wrk gcc libc6-dev "
apt_install() {
  as_root apt-get update -qq || return 1
  installable=()
  for pkg in "$@"; do
    if apt-cache show "$pkg" >/dev/null 2>&1; then installable+=("$pkg"); else
      log "no package '$pkg' on this system: skipped (the tests that need it say so)"; fi
  done
  [ "${#installable[@]}" -gt 0 ] || return 0
  log "installing Debian packages: ${installable[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${installable[@]}" >/dev/null
}
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    if ! apt_install "${missing[@]}"; then
      required=()
      for pkg in "${missing[@]}"; do [[ "$OPTIONAL_PACKAGES" == *" $pkg "* ]] || required+=("$pkg"); done
      if [ "${#required[@]}" -gt 0 ]; then
        log "apt-get failed; still missing: ${required[*]} (check the Debian mirror, then run again)"; exit 1
      fi
      log "apt-get failed for optional packages only (${missing[*]}): continuing without them"
    fi
  else
    log "no apt-get here: install ${missing[*]} yourself (see README)"
  fi
fi

# --- Mailpit ----------------------------------------------------------------------
if ! command -v mailpit >/dev/null && [ ! -x "$HOME/go/bin/mailpit" ]; then
  if ! command -v go >/dev/null; then
    log "Go is missing: installing Debian's golang-go to build Mailpit"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
  gobin=/usr/local/bin; [ -w "$gobin" ] || gobin="$HOME/.local/bin"
  mkdir -p "$gobin"
  log "building Mailpit $MAILPIT_VERSION with go install into $gobin (a minute or two, once)"
  GOBIN="$gobin" go install "github.com/axllent/mailpit@$MAILPIT_VERSION"
fi

# --- Python virtualenv ------------------------------------------------------------
PY="${PYTHON:-python3}"
stamp="$ROOT/.venv/.installed-pyproject.sha256"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  log "creating .venv with $($PY --version)"
  "$PY" -m venv "$ROOT/.venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python packages into .venv"
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install -q -e "$ROOT[dev]"  # dev: ruff and mypy, run by make test
  echo "$want" > "$stamp"
fi

# --- Test tools from npm: axe-core and the Nu Html Checker (vnu.jar) ---------------
# The status page's browser test (tests/integration/test_status_page.py) injects node_modules/axe-core/axe.min.js
# into each engine and runs vnu.jar (needs java); re-installed only when package-lock.json changes. Without npm
# (or java) those checks are skipped and say so; nothing else needs them.
npm_stamp="$ROOT/node_modules/.installed-package-lock.sha256"
if command -v npm >/dev/null; then
  npm_want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
    log "installing the test tools from npm (axe-core, vnu-jar) into node_modules"
    if (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then echo "$npm_want" > "$npm_stamp"
    else log "npm ci failed: the status page's accessibility and HTML checks will be skipped"; fi
  fi
else
  log "no npm here: the status page's accessibility (axe-core) and HTML (vnu) checks will be skipped; install nodejs and npm"
fi

# --- Playwright's own browser builds (optional) -----------------------------------
mode="${PLAYWRIGHT_BROWSERS_INSTALL:-auto}"
if [ "$os_id" != debian ] && [ "$mode" = auto ]; then mode=always; fi  # no system browsers to fall back on
marker="${XDG_CACHE_HOME:-$HOME/.cache}/aparts-sentinel/playwright-install-tried-1.64.1"
if [ "$mode" = always ] || { [ "$mode" = auto ] && [ ! -e "$marker" ]; }; then
  mkdir -p "$(dirname "$marker")"
  log "trying 'playwright install chromium firefox webkit' (optional; Debian browsers are the fallback)"
  if timeout 300 "$ROOT/.venv/bin/playwright" install chromium firefox webkit >"$marker" 2>&1; then
    log "Playwright browser builds installed; installing their system libraries (best effort)"
    as_root "$ROOT/.venv/bin/playwright" install-deps chromium firefox webkit >>"$marker" 2>&1 \
      || log "playwright install-deps failed: WebKit may not start (details: $marker)"
  else
    log "Playwright browser builds could not be downloaded here; using Debian's chromium and firefox-esr, WebKit unavailable (details: $marker)"
  fi
fi
# --- WebKitGTK's TCP_NODELAY shim (cached per source hash; skipped without a C compiler) ---
if [ -n "$(ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser 2>/dev/null)" ]; then
  shim="$("$ROOT/.venv/bin/python" -m fixtures.engines.webkit_nodelay)" || true
  log "WebKitGTK inspector shim: $shim"
fi
log "ready"
