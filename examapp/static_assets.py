"""Static files that browsers and proxies may cache: every static URL carries a digest of the file
(`?v=…`), so a versioned URL can be cached for a year and a new release is fetched at once."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request

STATIC_ENDPOINTS = ("static", "bootstrap.static")
ONE_YEAR = 365 * 24 * 3600


def register_static_versioning(app: Flask) -> None:
    digests: dict[tuple[str, str], str] = {}

    def folder_of(endpoint: str) -> str | None:
        if endpoint == "static":
            return app.static_folder
        blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        return blueprint.static_folder if blueprint is not None else None

    def digest(endpoint: str, filename: str) -> str | None:
        key = (endpoint, filename)
        if key not in digests or app.debug:
            folder = folder_of(endpoint)
            path = Path(folder, filename) if folder else None
            if path is None or not path.is_file():
                return None
            digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return digests[key]

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint in STATIC_ENDPOINTS and "filename" in values and "v" not in values:
            version = digest(endpoint, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_static(response):
        if request.endpoint in STATIC_ENDPOINTS and response.status_code in (200, 304):
            if request.args.get("v"):
                response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"   # revalidate with the ETag
        return response
