#!/usr/bin/python3
"""Drives Latchkey's software authenticator over UDP with python-fido2 (Debian 0.9.x),
an independent CTAPHID/CTAP2 client. Prints one JSON object with hex outputs.

usage: cross_check.py PORT PRF_INPUT_HEX
"""
import hashlib
import json
import os
import socket
import sys

from fido2.ctap2 import Ctap2
from fido2.ctap2.extensions import HmacSecretExtension
from fido2.ctap2.pin import ClientPin, PinProtocolV1, PinProtocolV2
from fido2.hid import CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor

RP_ID = "latchkey.local"
PIN = "1234"


class UdpConnection(CtapHidConnection):
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(10)

    def read_packet(self):
        return self.sock.recv(64)

    def write_packet(self, data):
        self.sock.send(bytes(data))

    def close(self):
        self.sock.close()


def assertion(ctap, cred_id, salt, protocol, uv):
    ext = HmacSecretExtension(ctap, protocol)
    ext_in = ext.process_get_input({"hmacGetSecret": {"salt1": salt}})
    cdh = os.urandom(32)
    kwargs = {}
    if uv:
        token = ClientPin(ctap, protocol).get_pin_token(PIN, ClientPin.PERMISSION.GET_ASSERTION, RP_ID)
        kwargs = {"pin_uv_param": protocol.authenticate(token, cdh), "pin_uv_protocol": protocol.VERSION}
    res = ctap.get_assertion(RP_ID, cdh, [{"type": "public-key", "id": cred_id}], {"hmac-secret": ext_in}, **kwargs)
    out = ext.process_get_output(res.auth_data)["hmacGetSecret"]["output1"]
    return out.hex(), bool(res.auth_data.flags & 0x04)


def main():
    port = int(sys.argv[1])
    prf_input = bytes.fromhex(sys.argv[2])
    dev = CtapHidDevice(HidDescriptor("udp", 0, 0, 64, 64), UdpConnection(port))
    ctap = Ctap2(dev)
    info = ctap.info
    result = {"versions": info.versions, "extensions": info.extensions, "pinProtocols": info.pin_uv_protocols}

    v2 = PinProtocolV2()
    ClientPin(ctap, v2).set_pin(PIN)
    result["retries"] = ClientPin(ctap, v2).get_pin_retries()[0]

    token = ClientPin(ctap, v2).get_pin_token(PIN, ClientPin.PERMISSION.MAKE_CREDENTIAL, RP_ID)
    cdh = os.urandom(32)
    att = ctap.make_credential(
        cdh,
        {"id": RP_ID, "name": "Latchkey"},
        {"id": os.urandom(16), "name": "cross-check"},
        [{"type": "public-key", "alg": -7}],
        extensions={"hmac-secret": True},
        pin_uv_param=v2.authenticate(token, cdh),
        pin_uv_protocol=v2.VERSION,
    )
    cred_id = att.auth_data.credential_data.credential_id
    result["hmacCreated"] = att.auth_data.extensions.get("hmac-secret") is True
    result["credentialId"] = cred_id.hex()

    salt1 = os.urandom(32)
    salt2 = os.urandom(32)
    result["salt1a"], result["uv1"] = assertion(ctap, cred_id, salt1, v2, True)
    result["salt1b"], _ = assertion(ctap, cred_id, salt1, v2, True)
    result["salt2"], _ = assertion(ctap, cred_id, salt2, v2, True)
    result["salt1NoUv"], result["uvNoUv"] = assertion(ctap, cred_id, salt1, v2, False)
    result["salt1V1"], _ = assertion(ctap, cred_id, salt1, PinProtocolV1(), True)
    # The WebAuthn PRF transform, computed here independently of the TypeScript code.
    prf_salt = hashlib.sha256(b"WebAuthn PRF" + b"\x00" + prf_input).digest()
    result["prfUv"], _ = assertion(ctap, cred_id, prf_salt, v2, True)
    result["prfNoUv"], _ = assertion(ctap, cred_id, prf_salt, v2, False)
    dev.close() if hasattr(dev, "close") else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
