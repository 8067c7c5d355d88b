#!/usr/bin/env python3
"""Independent relying parties for mynafido's WebAuthn case files.

Two verifiers that others already trust judge each case file given on the command line (files,
or directories searched recursively for *.json):

- py_webauthn (Duo Labs): verify_registration_response / verify_authentication_response;
- python-fido2 (Yubico): Fido2Server.register_complete / authenticate_complete.

Only single cases of kind webauthn.create and webauthn.get are judged; others (jpki.auth,
sequence) are reported as "skip". Each line of output is one JSON object:

    {"file": PATH, "kind": KIND, "py_webauthn": "accept"|"reject"|"skip", "py_webauthn_reason": STR,
     "fido2": "accept"|"reject"|"skip", "fido2_reason": STR}

The case's "expected" member is mapped to each library's arguments as a relying party would:
the stored key (DER SubjectPublicKeyInfo) becomes the COSE key both libraries take, the
challenge and origin and RP ID are passed as given, and UV is required when the case requires it.
State the libraries do not keep (usedChallenges) is not passed: tests/independent_rp.rs lists
each resulting difference with its reason. Exit status: 0 when every file was read, 2 otherwise.
"""

import base64
import json
import os
import sys

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cose_from_spki(spki_der, alg):
    """The COSE_Key (RFC 9053) of a DER SubjectPublicKeyInfo, for the stored credential."""
    key = load_der_public_key(spki_der)
    if isinstance(key, ec.EllipticCurvePublicKey):
        nums = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        return {1: 2, 3: alg if alg is not None else -7, -1: 1,
                -2: nums.x.to_bytes(size, "big"), -3: nums.y.to_bytes(size, "big")}
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return {1: 3, 3: alg if alg is not None else -257,
                -1: nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big"),
                -2: nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")}
    raise ValueError("unsupported stored key type")


def why(e):
    return f"{type(e).__name__}: {e}".splitlines()[0][:200]


def judge_py_webauthn(kind, exp, cred):
    import webauthn

    common = dict(
        credential=cred,
        expected_challenge=unb64(exp["challenge"]),
        expected_origin=exp["origin"],
        expected_rp_id=exp["rpId"],
        require_user_verification=bool(exp.get("requireUserVerification", False)),
    )
    if kind == "webauthn.create":
        webauthn.verify_registration_response(**common)
    else:
        cose = cose_from_spki(unb64(exp["publicKey"]), exp.get("publicKeyAlgorithm"))
        webauthn.verify_authentication_response(
            credential_public_key=cbor2.dumps(cose),
            credential_current_sign_count=int(exp.get("storedSignCount", 0)),
            **common,
        )


def judge_fido2(kind, exp, cred):
    from fido2.cose import CoseKey
    from fido2.server import Fido2Server
    from fido2.utils import websafe_encode
    from fido2.webauthn import (Aaguid, AttestedCredentialData, AuthenticationResponse,
                                PublicKeyCredentialRpEntity, RegistrationResponse)

    origin = exp["origin"]
    server = Fido2Server(PublicKeyCredentialRpEntity(name="mynafido", id=exp["rpId"]),
                         verify_origin=lambda o: o == origin)
    state = {
        "challenge": websafe_encode(unb64(exp["challenge"])),
        "user_verification": "required" if exp.get("requireUserVerification") else "discouraged",
    }
    if kind == "webauthn.create":
        server.register_complete(state, RegistrationResponse.from_dict(cred))
    else:
        cose = CoseKey.parse(cose_from_spki(unb64(exp["publicKey"]), exp.get("publicKeyAlgorithm")))
        cred_id = unb64(exp["credentialId"]) if "credentialId" in exp else unb64(cred["rawId"])
        stored = AttestedCredentialData.create(Aaguid.NONE, cred_id, cose)
        server.authenticate_complete(state, [stored], AuthenticationResponse.from_dict(cred))


def judge(path):
    with open(path, encoding="utf-8") as f:
        case = json.load(f)
    kind = case.get("kind")
    out = {"file": path, "kind": kind}
    for name, fn in (("py_webauthn", judge_py_webauthn), ("fido2", judge_fido2)):
        if kind not in ("webauthn.create", "webauthn.get"):
            out[name], out[name + "_reason"] = "skip", "not a single WebAuthn case"
            continue
        try:
            fn(kind, case["expected"], case["credential"])
            out[name], out[name + "_reason"] = "accept", ""
        except Exception as e:  # any failure of the library is its rejection
            out[name], out[name + "_reason"] = "reject", why(e)
    return out


def files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, names in sorted(os.walk(a)):
                for n in sorted(names):
                    if n.endswith(".json"):
                        yield os.path.join(root, n)
        else:
            yield a


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    status = 0
    for p in files(argv):
        try:
            print(json.dumps(judge(p)), flush=True)
        except (OSError, ValueError) as e:
            print(f"error: {p}: {why(e)}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
