# The openssl program, an independent generator of JPKI-like certificates, CRLs and card
# signatures for vectors/tests/openssl_jpki.rs. The test reads MYNAFIDO_OPENSSL; under CI=true
# it fails when the program is missing.
need_deb openssl
export MYNAFIDO_OPENSSL=${MYNAFIDO_OPENSSL:-/usr/bin/openssl}
