"""Hand-made signed requests of both dialects, for tests that send what no SDK would: the
Tencent TC3 and legacy signatures computed as the SDK computes them, over any headers and body."""

import base64
import hashlib
import hmac
import json
import random
import time
from urllib.parse import urlencode

import requests

from conftest import ROOT_AK, ROOT_SK


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_headers(host, action, body, *, ak=ROOT_AK, sk=ROOT_SK, timestamp=None,
                signed=("content-type", "host", "x-tc-action"), extra=None, service="eiam", method="POST", query=""):
    """The headers of a TC3-HMAC-SHA256 request, signing `signed` (lower-case names; the action
    too unless told otherwise, so that requests may repeat: see test_tencent_replay.py)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": "application/json" if method == "POST" else "application/x-www-form-urlencoded",
               "Host": host, "X-TC-Action": action, "X-TC-Version": "2021-04-20", "X-TC-Timestamp": str(ts),
               "X-TC-Region": "ap-guangzhou"}
    headers.update(extra or {})
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lower[n]}\n" for n in signed)
    payload = hashlib.sha256(body if method == "POST" else b"").hexdigest()
    canonical = "\n".join([method, "/", query, canonical_headers, ";".join(signed), payload])
    try:
        date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        date = "2025-01-01"
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(ts), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + sk).encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"TC3-HMAC-SHA256 Credential={ak}/{scope}, SignedHeaders={';'.join(signed)}, "
                                f"Signature={signature}")
    return headers


def tc3_call(server, action, body=None, **kwargs):
    """Sends a TC3-signed POST with a JSON body (`body` a dict or raw bytes)."""
    raw = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    headers = tc3_headers(server.host, action, raw, **kwargs)
    return requests.post(f"{server.url}/", data=raw, headers=headers, timeout=30)


def legacy_params(host, action, params, *, ak=ROOT_AK, sk=ROOT_SK, method="POST", nonce=None, timestamp=None):
    """The parameters of a legacy HmacSHA256 request, `Signature` included (a random nonce
    unless one is given)."""
    nonce = random.randint(1, 2 ** 31) if nonce is None else nonce
    p = dict(params)
    p.update(Action=action, Version="2021-04-20", Region="ap-guangzhou", Nonce=str(nonce),
             Timestamp=str(int(time.time()) if timestamp is None else timestamp), SecretId=ak,
             SignatureMethod="HmacSHA256")
    text = "&".join(f"{k.replace('_', '.')}={p[k]}" for k in sorted(p, key=lambda k: k.replace('_', '.')))
    to_sign = f"{method}{host}/?{text}"
    p["Signature"] = base64.b64encode(hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).digest()).decode()
    return p


def legacy_call(server, action, params, method="POST", **kwargs):
    p = legacy_params(server.host, action, params, method=method, **kwargs)
    if method == "GET":
        return requests.get(f"{server.url}/?{urlencode(p)}", timeout=30)
    return requests.post(f"{server.url}/", data=urlencode(p),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)


def tc_error(response):
    """The Tencent error code of a response (None on success)."""
    assert response.status_code == 200, response.text
    return response.json()["Response"].get("Error", {}).get("Code")
