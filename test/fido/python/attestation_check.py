#!/usr/bin/python3
"""Attestation cross-checks with implementations Latchkey did not write: python-fido2
(Debian 0.9.x) verifies statements, python3-cryptography (OpenSSL) issues certificates.

usage:
  attestation_check.py make AAGUID_HEX   -> JSON: root (PEM), intermediate and leaf (DER hex),
                                           leaf_pkcs8 (hex). Root RSA-2048, intermediate
                                           P-384, leaf P-256 with the AAGUID extension.
  attestation_check.py verify < JSON     -> JSON {"ok": bool, "type"?, "error"?}; input
                                           {fmt, attStmt: {alg?, sig, x5c: [hex]}, authData,
                                           clientDataHash, root} (bytes as hex). Runs
                                           python-fido2's format verifier, then its
                                           chain check over x5c + [root].
"""
import datetime
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from fido2.attestation import Attestation, verify_x509_chain
from fido2.ctap2 import AuthenticatorData

AAGUID_OID = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")


def name(cn, ou=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Independent Keys GmbH")]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def cert(subject, issuer, pub, signer, algo, ca, extra=()):
    now = datetime.datetime.utcnow()
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(pub)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    for oid, value in extra:
        b = b.add_extension(x509.UnrecognizedExtension(oid, value), critical=False)
    return b.sign(signer, algo)


def make(aaguid_hex):
    aaguid = bytes.fromhex(aaguid_hex)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("Independent Keys Root CA")
    root = cert(root_name, root_name, root_key.public_key(), root_key, hashes.SHA256(), True)
    mid_key = ec.generate_private_key(ec.SECP384R1())
    mid_name = name("Independent Keys FIDO Issuing CA")
    mid = cert(mid_name, root_name, mid_key.public_key(), root_key, hashes.SHA256(), True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert(
        name("Independent Key Attestation", "Authenticator Attestation"),
        mid_name,
        leaf_key.public_key(),
        mid_key,
        hashes.SHA384(),
        False,
        [(AAGUID_OID, b"\x04\x10" + aaguid)],
    )
    der = serialization.Encoding.DER
    print(
        json.dumps(
            {
                "root": root.public_bytes(serialization.Encoding.PEM).decode(),
                "intermediate": mid.public_bytes(der).hex(),
                "leaf": leaf.public_bytes(der).hex(),
                "leaf_pkcs8": leaf_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).hex(),
            }
        )
    )


def verify():
    j = json.load(sys.stdin)
    st = j["attStmt"]
    statement = {"sig": bytes.fromhex(st["sig"]), "x5c": [bytes.fromhex(c) for c in st["x5c"]]}
    if "alg" in st:
        statement["alg"] = st["alg"]
    try:
        result = Attestation.for_type(j["fmt"])().verify(statement, AuthenticatorData(bytes.fromhex(j["authData"])), bytes.fromhex(j["clientDataHash"]))
        verify_x509_chain(statement["x5c"] + [x509.load_pem_x509_certificate(j["root"].encode()).public_bytes(serialization.Encoding.DER)])
        print(json.dumps({"ok": True, "type": result.attestation_type.name}))
    except Exception as e:  # noqa: BLE001 - any refusal is reported, not raised
        print(json.dumps({"ok": False, "error": type(e).__name__ + ": " + str(e)}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        verify()
