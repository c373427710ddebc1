"""With `API_KEY` set the API documentation needs the key too, unless `DOCS_PUBLIC`; `.env` is not in git."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client
from tests.support.processes import REPO_ROOT

KEY = "s3cret"
BEARER = {"Authorization": f"Bearer {KEY}"}
DOCS = ["/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"]


def test_docs_need_the_api_key_when_one_is_set(settings: Settings) -> None:
    with api_client(settings, API_KEY=KEY) as client:
        for path in DOCS:
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": KEY}):
                refused = client.get(path, headers=headers)
                assert refused.status_code == 401, (path, headers)
                assert refused.headers["www-authenticate"] == "Bearer"
                assert refused.json()["error"]["code"] == "unauthorized"
            assert client.get(path, headers=BEARER).status_code == 200, path
        document = client.get("/openapi.json", headers=BEARER).json()
        assert "/api/jobs/{job_id}/results" in document["paths"]
        assert "/openapi.json" in client.get("/docs", headers=BEARER).text


def test_no_other_spelling_of_the_docs_paths_serves_the_document(settings: Settings) -> None:
    with api_client(settings, API_KEY=KEY) as client:
        for path in [
            "/openapi.json?x=1",
            "/openapi.json/",
            "//openapi.json",
            "/%6Fpenapi.json",
            "/OPENAPI.JSON",
        ]:
            response = client.get(path)
            assert '"openapi"' not in response.text, path
            assert "swagger-ui" not in client.get(path.replace("openapi.json", "docs")).text.lower()


def test_docs_public_leaves_the_docs_open_but_not_the_api(settings: Settings) -> None:
    with api_client(settings, API_KEY=KEY, DOCS_PUBLIC=True) as client:
        for path in DOCS:
            assert client.get(path).status_code == 200, path
        assert client.get("/api/jobs").status_code == 401


def test_the_document_declares_the_bearer_key_only_when_the_server_enforces_one(settings: Settings) -> None:
    with api_client(settings, API_KEY=KEY, DOCS_PUBLIC=True) as client:
        document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["apiKey"] == {"type": "http", "scheme": "bearer"}
    operations = [
        op for path, ops in document["paths"].items() if path.startswith("/api/") for op in ops.values()
    ]
    assert operations
    assert all(op["security"] == [{"apiKey": []}] for op in operations)
    assert "security" not in document["paths"]["/health"]["get"]
    with api_client(settings) as client:
        document = client.get("/openapi.json").json()
    assert "securitySchemes" not in document["components"]
    assert not any("security" in op for ops in document["paths"].values() for op in ops.values())


def test_without_an_api_key_the_docs_are_open(settings: Settings) -> None:
    assert settings.API_KEY == ""
    assert settings.DOCS_PUBLIC is False
    with api_client(settings) as client:
        for path in DOCS:
            assert client.get(path).status_code == 200, path


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO_ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_env_files_holding_the_key_are_ignored_by_git() -> None:
    paths = [".env", "backend_fastapi/.env", ".env.example"]
    # --no-index: ignored whether or not such a file exists or was ever added.
    command = ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *paths]
    out = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    verdicts = {line.split("\t")[-1]: not line.startswith("::") for line in out.stdout.splitlines()}
    assert verdicts == {".env": True, "backend_fastapi/.env": True, ".env.example": False}
