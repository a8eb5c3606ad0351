"""A small OpenID Connect provider on the loopback, standing in for the province's unified identity
(统一身份认证) in the tests: discovery, JWKS, an authorization endpoint that signs the test's user in
at once, and a token endpoint that checks the client's secret, the code, the redirect URI and the PKCE
verifier, then answers an ID token signed RS256 with a key generated for the run. The test may have it
misbehave: another nonce, an expired token, a token signed with a key it does not publish."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "yichuang-county"
CLIENT_SECRET = "secret-of-the-county-client"

_KEY = RSAKey.generate_key(2048, parameters={"kid": "province-1", "use": "sig", "alg": "RS256"})
_OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "province-1", "use": "sig", "alg": "RS256"})


@dataclass
class Provider:
    #: the claims of the person who signs in next (beside iss, aud, sub, nonce, iat, exp)
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-1001",
            "name": "王小明",
            "id_number": "11010519491231002X",
            "phone_number": "13900001111",
            "phone_number_verified": True,
        }
    )
    #: "ok" | "wrong_nonce" | "expired" | "forged" (signed with a key the JWKS does not hold)
    mode: str = "ok"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def authorize(self, url: str) -> str:
        """What the provider's sign-in page does once the person has signed in: the callback URL with a
        code (and the state it was given)."""
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        assert url.startswith(f"{self.issuer}/authorize?"), url
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and query["code_challenge"]
        assert "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def id_token(self, request: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now - 3600 if self.mode == "expired" else now,
            "exp": now - 1800 if self.mode == "expired" else now + 600,
            "nonce": "not-the-one-you-sent" if self.mode == "wrong_nonce" else request.get("nonce", ""),
            **self.user,
        }
        key = _OTHER_KEY if self.mode == "forged" else _KEY
        return jwt.encode({"alg": "RS256", "kid": "province-1"}, claims, key)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        request = self.codes.pop(form.get("code", ""), None)
        if request is None or form.get("redirect_uri") != request["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != request["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": self.id_token(request),
        }


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path == "/.well-known/openid-configuration":
                self._answer(200, provider.discovery())
            elif path == "/jwks":
                self._answer(200, {"keys": [_KEY.as_dict(private=False)]})
            elif path == "/authorize":  # a browser's visit: the person signs in at once, back he goes
                self.send_response(302)
                self.send_header("Location", provider.authorize(provider.issuer + self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if urlparse(self.path).path != "/token":
                self._answer(404, {"error": "not_found"})
                return
            form = {k: v[0] for k, v in parse_qs(body).items()}
            status, answer = provider.token(form, self.headers.get("Authorization", ""))
            self._answer(status, answer)

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def running_provider() -> Iterator[Provider]:
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
