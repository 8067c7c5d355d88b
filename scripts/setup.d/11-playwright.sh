# playwright-core (npm, pinned) drives Debian's Chromium in vectors/tests/browser.rs; it downloads
# no browser of its own (executablePath is MYNAFIDO_CHROMIUM). Installed under target/node.
# Tests read MYNAFIDO_PLAYWRIGHT; under CI=true they fail when it is missing.
command -v node >/dev/null || need_deb nodejs
command -v npm >/dev/null || need_deb npm
MYNAFIDO_NODE_DIR=${MYNAFIDO_NODE_DIR:-$PWD/target/node}
if [ "$(node -p "try{require('$MYNAFIDO_NODE_DIR/node_modules/playwright-core/package.json').version}catch(e){''}" 2>/dev/null)" != 1.65.1 ]; then
    echo "scripts/test: installing playwright-core@1.65.1 into $MYNAFIDO_NODE_DIR" >&2
    mkdir -p "$MYNAFIDO_NODE_DIR"
    npm install -s --no-audit --no-fund --prefix "$MYNAFIDO_NODE_DIR" playwright-core@1.65.1 >/dev/null
fi
export MYNAFIDO_PLAYWRIGHT=$MYNAFIDO_NODE_DIR/node_modules/playwright-core
