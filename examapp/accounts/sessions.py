"""The session cookie: `Secure` whenever the request came over HTTPS (directly, or through a trusted proxy)."""
from __future__ import annotations

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; SESSION_COOKIE_SECURE forces the flag, an HTTPS request sets it too
    (with TRUST_PROXY, X-Forwarded-Proto: https counts), so a forgotten setting cannot leak the cookie over
    plain HTTP once the site is served over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)
