# The independent relying parties (py_webauthn, python-fido2) for vectors/tests/independent_rp.rs:
# a virtual environment under target/py with the pinned vectors/py/requirements.txt. Tests read
# MYNAFIDO_PYTHON; under CI=true they fail when it is missing.
need_deb python3 python3-venv
MYNAFIDO_PY_VENV=${MYNAFIDO_PY_VENV:-$PWD/target/py}
if [ ! -x "$MYNAFIDO_PY_VENV/bin/python" ]; then
    python3 -m venv "$MYNAFIDO_PY_VENV"
fi
# Installs only when the pinned set differs from what is there (idempotent, no network otherwise).
if ! "$MYNAFIDO_PY_VENV/bin/python" - vectors/py/requirements.txt <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
    echo "scripts/test: installing vectors/py/requirements.txt into $MYNAFIDO_PY_VENV" >&2
    "$MYNAFIDO_PY_VENV/bin/pip" install -q --disable-pip-version-check -r vectors/py/requirements.txt
fi
export MYNAFIDO_PYTHON=$MYNAFIDO_PY_VENV/bin/python
