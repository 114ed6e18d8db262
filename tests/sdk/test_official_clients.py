"""The official clients beside the two Python SDKs: Tencent Cloud's Node.js SDK (against an IP
endpoint with a port and a host name with a port), tccli over native HTTPS with a test CA, the
Volcengine Node.js SDK and the older Volcengine Python SDK (`volcengine`). The Node.js packages are
installed by scripts/test (tests/node, pinned in its package-lock.json), tccli in .venv-tccli."""

import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest
import requests

from conftest import ROOT_AK, ROOT_SK, start_server
from signing import tc3_headers, tc_error

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
NODE = os.path.join(ROOT, "tests", "node")
TCCLI = os.path.join(ROOT, ".venv-tccli", "bin", "tccli")


def node(script, *args):
    if not shutil.which("node") or not os.path.isdir(os.path.join(NODE, "node_modules")):
        pytest.fail("Node.js and tests/node/node_modules are needed: scripts/test installs them")
    out = subprocess.run(["node", os.path.join(NODE, script), *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return {step["step"]: step for step in map(json.loads, out.stdout.splitlines())}


@pytest.mark.parametrize("where", ["ip", "name"])
def test_the_tencent_nodejs_sdk(server, where):
    """It signs `host` without the port and names the service after the endpoint's first label."""
    endpoint = server.host if where == "ip" else f"localhost:{server.port}"
    steps = node("eiam.js", endpoint, ROOT_AK, ROOT_SK)
    for name in ("CreateUserGroup", "CreateUser", "ListUsersInUserGroup", "ListUsersInUserGroupPage2",
                 "DescribeUserInfo"):
        assert steps[name]["ok"], steps[name]
    first = steps["ListUsersInUserGroup"]["result"]
    assert first["TotalNum"] == 1 and first["UserInfo"][0]["UserName"].startswith("ann-")
    page2 = steps["ListUsersInUserGroupPage2"]["result"]
    assert page2["TotalNum"] == 3 and [u["UserName"][:3] for u in page2["UserInfo"]] == ["cid"]
    assert steps["DescribeUserInfo"]["result"]["Status"] == "NORMAL"
    assert steps["WrongSecret"]["code"] == "AuthFailure.SignatureFailure"
    assert steps["UnknownGroup"]["code"] == "FailedOperation.UserGroupNotExist"


def test_the_volcengine_nodejs_sdk(server):
    steps = node("volc.js", server.host, ROOT_AK, ROOT_SK)
    for name in ("CreateUserPool", "ListUserPoolsPost", "ListUserPoolsGet", "CreateUser"):
        assert steps[name]["ok"], steps[name]
    pool = steps["CreateUserPool"]["result"]["Uid"]
    assert pool in [p["Uid"] for p in steps["ListUserPoolsGet"]["result"]["Data"]]
    assert steps["Duplicated"]["code"] == "Duplicated"
    assert steps["NotFound"]["code"] == "NotFound"


def test_the_older_volcengine_python_sdk(server):
    from volcengine.ApiInfo import ApiInfo
    from volcengine.Credentials import Credentials
    from volcengine.ServiceInfo import ServiceInfo
    from volcengine.base.Service import Service

    info = ServiceInfo(server.host, {"Accept": "application/json"},
                       Credentials(ROOT_AK, ROOT_SK, "id", "cn-beijing"), 10, 10, scheme="http")
    actions = {a: ApiInfo(m, "/", {"Action": a, "Version": "2025-10-30"}, {}, {})
               for a, m in [("CreateUserPool", "POST"), ("ListUserPools", "GET"), ("CreateUser", "POST"),
                            ("GetUserPool", "POST")]}
    service = Service(info, actions)
    name = f"old-{uuid.uuid4().hex[:8]}"
    pool = json.loads(service.json("CreateUserPool", {}, json.dumps({"Name": name})))["Result"]
    listed = json.loads(service.get("ListUserPools", {"PageNumber": "1", "PageSize": "100"}))["Result"]
    assert pool["Uid"] in [p["Uid"] for p in listed["Data"]]
    user = json.loads(service.json("CreateUser", {}, json.dumps({"UserPoolUid": pool["Uid"],
                                                                 "PreferredUsername": "old-sdk"})))
    assert user["Result"]["PreferredUsername"] == "old-sdk"
    with pytest.raises(Exception) as failure:
        service.json("GetUserPool", {}, json.dumps({"UserPoolUid": "00000000-0000-7000-8000-000000000000"}))
    assert "NotFound" in str(failure.value)


def test_signatures_over_another_host_or_service_are_still_refused(server):
    body = b"{}"
    for service, ok in (("eiam", True), ("127", True), ("128", False), ("id", False)):
        h = tc3_headers(server.host, "ListUserGroups", body, service=service)
        r = requests.post(f"{server.url}/", data=body, headers=h)
        assert (tc_error(r) is None) == ok, (service, r.text)
        if not ok:
            assert tc_error(r) == "AuthFailure.InvalidAuthorization"
    # Signed for another host (with or without a port): refused.
    for signed_host in (f"other.example:{server.port}", "other.example", f"127.0.0.2:{server.port}"):
        h = tc3_headers(signed_host, "ListUserGroups", body)
        h["Host"] = server.host
        assert tc_error(requests.post(f"{server.url}/", data=body, headers=h)) == "AuthFailure.SignatureFailure"
    # The port may be left out of the signed host, as the Node.js SDK does; nothing else.
    h = tc3_headers("127.0.0.1", "ListUserGroups", body)
    h["Host"] = server.host
    assert tc_error(requests.post(f"{server.url}/", data=body, headers=h)) is None


@pytest.fixture(scope="module")
def test_ca():
    """A CA the tccli virtualenv trusts (tccli reads certifi's bundle only) and a key to issue with."""
    if not os.path.exists(TCCLI):
        pytest.fail(".venv-tccli is needed: scripts/test makes it")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime

    home = os.path.join(ROOT, ".venv-tccli", "idplane-test-ca")
    os.makedirs(home, exist_ok=True)
    key_path, cert_path = os.path.join(home, "ca.key"), os.path.join(home, "ca.pem")
    if not os.path.exists(cert_path):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idplane test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
        open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
        bundle = subprocess.run([os.path.join(ROOT, ".venv-tccli", "bin", "python"), "-c",
                                 "import certifi; print(certifi.where())"], capture_output=True, text=True).stdout.strip()
        with open(bundle, "ab") as f:
            f.write(b"\n" + cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def issue(ca, directory, rsa=False):
    """A server certificate for 127.0.0.1 and localhost, signed by the test CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa as rsa_keys
    from cryptography.x509.oid import NameOID
    import datetime
    import ipaddress

    ca_key = serialization.load_pem_private_key(open(ca[0], "rb").read(), None)
    ca_cert = x509.load_pem_x509_certificate(open(ca[1], "rb").read())
    key = rsa_keys.generate_private_key(65537, 2048) if rsa else ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    key_path, cert_path = os.path.join(directory, "tls.key"), os.path.join(directory, "tls.pem")
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if rsa else serialization.PrivateFormat.PKCS8
    open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
    open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM) + open(ca[1], "rb").read())
    return cert_path, key_path


@pytest.fixture
def https_server(test_ca):
    with tempfile.TemporaryDirectory() as d:
        cert, key = issue(test_ca, d)
        s = start_server(d, {"IDPLANE_TLS_CERT": cert, "IDPLANE_TLS_KEY": key}, tls_ca=test_ca[1])
        s.tls_dir = d
        yield s
        s.stop()


def tccli(server, *args):
    env = dict(os.environ, TENCENTCLOUD_SECRET_ID=ROOT_AK, TENCENTCLOUD_SECRET_KEY=ROOT_SK,
               TENCENTCLOUD_REGION="ap-guangzhou", HOME=server.tls_dir)
    out = subprocess.run([TCCLI, "eiam", *args, "--endpoint", server.host], capture_output=True, text=True,
                         env=env, timeout=120)
    return out.returncode, out.stdout + out.stderr


def test_tccli_over_https(https_server):
    tag = uuid.uuid4().hex[:8]
    code, out = tccli(https_server, "CreateUserGroup", "--DisplayName", f"cli-{tag}")
    assert code == 0, out
    group = json.loads(out)["UserGroupId"]
    code, out = tccli(https_server, "CreateUser", "--UserName", f"cli-{tag}", "--Password", "Cli Passw0rd 42!",
                      "--UserGroupIds", json.dumps([group]))
    assert code == 0, out
    user = json.loads(out)["UserId"]
    code, out = tccli(https_server, "ListUsersInUserGroup", "--UserGroupId", group,
                      "--SearchCondition", json.dumps({"UserName": "cli*"}),
                      "--Sort", json.dumps({"SortKey": "UserName", "SortOrder": "ASC"}), "--Offset", "0", "--Limit", "10")
    assert code == 0, out
    assert [u["UserId"] for u in json.loads(out)["UserInfo"]] == [user]
    code, out = tccli(https_server, "DescribeUserInfo", "--UserId", user)
    assert code == 0 and json.loads(out)["UserName"] == f"cli-{tag}", out
    code, out = tccli(https_server, "DescribeUserGroup", "--UserGroupId", "00000000-0000-7000-8000-000000000000")
    assert code != 0 and "FailedOperation.UserGroupNotExist" in out
    code, out = tccli(https_server, "ListUserGroups")
    assert code == 0 and group in out
    bad = subprocess.run([TCCLI, "eiam", "ListUserGroups", "--endpoint", https_server.host],
                         env=dict(os.environ, TENCENTCLOUD_SECRET_ID=ROOT_AK, TENCENTCLOUD_SECRET_KEY="wrong-secret",
                                  TENCENTCLOUD_REGION="ap-guangzhou", HOME=https_server.tls_dir),
                         capture_output=True, text=True, timeout=120)
    assert "AuthFailure.SignatureFailure" in bad.stdout + bad.stderr


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_https_serves_http2_and_http1_only_over_tls_1_2_and_up(https_server, test_ca):
    import ssl
    import socket

    for alpn, expected in ((["h2", "http/1.1"], "h2"), (["http/1.1"], "http/1.1")):
        ctx = ssl.create_default_context(cafile=test_ca[1])
        ctx.set_alpn_protocols(alpn)
        with socket.create_connection(("127.0.0.1", https_server.port)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.selected_alpn_protocol() == expected
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(test_ca[1])
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", https_server.port)) as raw:
            old.wrap_socket(raw, server_hostname="localhost")
    # With TLS the issuer is https and cookies are Secure.
    api = https_server.api()
    import volcenginesdkid as v
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"tls-{uuid.uuid4().hex[:8]}"))
    assert pool.issuer_url.startswith(f"https://{https_server.host}/")


def test_a_new_certificate_is_served_without_dropping_connections(https_server, test_ca):
    import ssl
    import socket
    import time

    def fingerprint(sock):
        return sock.getpeercert(binary_form=True)

    ctx = ssl.create_default_context(cafile=test_ca[1])
    ctx.set_alpn_protocols(["http/1.1"])
    kept = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_server.port)), server_hostname="localhost")
    before = fingerprint(kept)
    issue(test_ca, https_server.tls_dir, rsa=True)
    subprocess.run(["kill", "-HUP", str(https_server.proc.pid)], check=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_server.port)),
                             server_hostname="localhost") as fresh:
            if fingerprint(fresh) != before:
                break
        time.sleep(0.2)
    else:
        pytest.fail("the new certificate was not served")
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert kept.recv(4096).startswith(b"HTTP/1.1 200"), "the open connection still works"
    kept.close()


def test_hosted_sign_in_over_https_sets_secure_cookies(https_server, test_ca, monkeypatch):
    """With TLS on, the pool's pages are served from https:// and every cookie they set carries
    Secure (RFC 6265 §4.1.2.5; ASVS V3.4.1), and a whole code flow works over it."""
    import requests
    from test_oidc import Provider

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", test_ca[1])
    p = Provider(https_server, https_server.api())
    assert p.discovery["issuer"].startswith("https://") and p.discovery["token_endpoint"].startswith("https://")
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    cookies = page.raw.headers.getlist("Set-Cookie")
    assert page.status_code == 200 and cookies
    assert all("; Secure" in c and "HttpOnly" in c for c in cookies), cookies
    back = p.sign_in(browser, page)
    assert back.status_code == 303
    assert all("; Secure" in c for c in back.raw.headers.getlist("Set-Cookie"))
    _, token, _ = p.code_flow()
    assert token["access_token"] and token["id_token"]
