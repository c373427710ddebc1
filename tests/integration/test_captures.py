"""Page captures are files: a real API and worker render a loopback page in Chromium, store its
screenshot and PDF under the job, list them in the result and serve them by safe name only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer

pytestmark = pytest.mark.browser
SCHEMA = {"title": "string", "price": "number"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, shop: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("captures")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def shot_job(stack: Stack, shop: LoopbackServer) -> dict[str, Any]:
    """A finished dynamic scrape that asked for a screenshot with `options.screenshot`."""
    return stack.run(
        {"url": f"{shop.url}/js/3", "strategy": "dynamic", "schema": SCHEMA, "options": {"screenshot": True}}
    )


def files_dir(stack: Stack) -> Path:
    """Where the processes store captures: `files` inside EXPORTS_DIR (FILES_DIR is not set)."""
    return Path(stack.env["EXPORTS_DIR"]) / "files"


def download(stack: Stack, url: str) -> httpx.Response:
    return httpx.get(stack.base + url, timeout=10)


def test_a_screenshot_asked_by_options_is_a_file_of_the_job_not_base64_in_the_result(
    stack: Stack, shot_job: dict[str, Any]
) -> None:
    job = shot_job
    assert job["status"] == "completed", job
    result = job["result"]
    assert "screenshot" not in result
    [shot] = result["files"]
    assert shot["name"] == "screenshot.jpg"
    assert shot["media_type"] == "image/jpeg"
    assert shot["url"] == f"/api/jobs/{job['job_id']}/files/screenshot.jpg"
    response = download(stack, shot["url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content.startswith(b"\xff\xd8\xff")
    assert len(response.content) == shot["size"] > 1000
    assert (files_dir(stack) / job["job_id"] / "screenshot.jpg").read_bytes() == response.content
    # Neither the job row nor the records carry the image.
    assert len(httpx.get(f"{stack.base}/api/jobs/{job['job_id']}", timeout=10).content) < 4000
    assert "files" not in stack.records(job["job_id"])[0]


def test_formats_screenshot_and_pdf_store_both_and_the_job_takes_them_along_when_deleted(
    stack: Stack, shop: LoopbackServer
) -> None:
    job = stack.run(
        {
            "url": f"{shop.url}/js/4",
            "strategy": "dynamic",
            "schema": SCHEMA,
            "formats": ["data", "screenshot", "pdf"],
        }
    )
    assert job["status"] == "completed", job
    listed = {f["name"]: f for f in job["result"]["files"]}
    assert set(listed) == {"screenshot.jpg", "page.pdf"}
    pdf = download(stack, listed["page.pdf"]["url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert len(pdf.content) == listed["page.pdf"]["size"]
    assert download(stack, listed["screenshot.jpg"]["url"]).headers["content-type"] == "image/jpeg"

    folder = files_dir(stack) / job["job_id"]
    assert folder.is_dir()
    assert httpx.delete(f"{stack.base}/api/jobs/{job['job_id']}", timeout=10).status_code == 204
    assert not folder.exists()
    gone = download(stack, listed["page.pdf"]["url"])
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "name", ["nothing.jpg", "..%2Fdataops.db", "%2E%2E", ".screenshot.jpg.partial", "screenshot.jpg%00"]
)
def test_a_name_the_job_did_not_write_answers_404_in_the_error_shape(
    stack: Stack, shot_job: dict[str, Any], name: str
) -> None:
    job = shot_job
    # A file beside the job's folder, and one inside it that is not listed, must stay unreachable.
    (files_dir(stack) / job["job_id"] / ".screenshot.jpg.partial").write_bytes(b"half written")
    (files_dir(stack) / "dataops.db").write_bytes(b"not for download")
    response = httpx.get(f"{stack.base}/api/jobs/{job['job_id']}/files/{name}", timeout=10)
    assert response.status_code == 404, response.text
    assert set(response.json()) == {"error"}
    assert b"not for download" not in response.content
    assert b"half written" not in response.content


def test_a_file_of_an_unknown_job_answers_404(stack: Stack) -> None:
    response = httpx.get(f"{stack.base}/api/jobs/no-such-job/files/screenshot.jpg", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["details"] == {"job_id": "no-such-job"}


def test_auto_with_a_capture_format_renders_a_server_rendered_page_and_stores_the_file(
    stack: Stack, shop: LoopbackServer
) -> None:
    # `/p/N` has its fields in the HTML: without the capture `auto` would stay static.
    job = stack.run({"url": f"{shop.url}/p/5", "strategy": "auto", "schema": SCHEMA, "formats": ["pdf"]})
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["strategy_used"] == "dynamic"
    assert result["switched_to_dynamic"] == "the request asks for a pdf"
    assert result["data"]["price"] is not None
    [pdf] = result["files"]
    assert pdf["name"] == "page.pdf"
    response = download(stack, pdf["url"])
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) == pdf["size"]


def test_capture_formats_need_a_browser_and_a_single_page(stack: Stack, shop: LoopbackServer) -> None:
    static = stack.refused({"url": f"{shop.url}/p/1", "formats": ["screenshot"]})
    assert "needs a browser" in static["message"]
    crawl = stack.refused(
        {"url": f"{shop.url}/catalog/1", "strategy": "dynamic", "formats": ["pdf"], "crawl": {"follow": "a"}}
    )
    assert "single pages" in crawl["message"]
