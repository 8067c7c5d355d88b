# Debian's Chromium for the browser tests (vectors' captured WebAuthn vectors, the model's
# reviewer page). Tests read MYNAFIDO_CHROMIUM; under CI=true they fail when it is missing.
need_deb chromium fonts-dejavu-core
export MYNAFIDO_CHROMIUM=${MYNAFIDO_CHROMIUM:-/usr/bin/chromium}
