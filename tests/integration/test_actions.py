"""Browser actions through the API and a real worker with headless Chromium, on loopback pages
whose content sits behind a click, a scroll, a tab, a search form or a cookie banner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.settings import get_settings
from tests.support.action_site import LOAD_MORE_TOTAL, SCROLL_PAGE, SCROLL_TOTAL, action_site
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    with action_site() as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("actions")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port}",
        WORKER_CONCURRENCY=2,
        # The operator allows scripts here; refusing them by default is checked on the model.
        ALLOW_SCRIPT_ACTIONS="true",
    ) as running:
        yield running


def _item_requests(site: LoopbackServer, path: str) -> int:
    return sum(1 for r in site.requests if r.path.startswith(path))


def test_load_more_is_clicked_until_the_button_goes(stack: Stack, site: LoopbackServer) -> None:
    before = _item_requests(site, "/api/items?page=")
    job = stack.run({
        "url": f"{site.url}/load-more", "strategy": "dynamic",
        "schema": {"items": {"selector": "li.item", "many": True}},
        "actions": [{"type": "click", "selector": "#more", "repeat": 20}],
    })  # fmt: skip
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["data"]["items"] == [f"Item {n}" for n in range(1, LOAD_MORE_TOTAL + 1)]
    # Five clicks loaded the fifty items; the sixth found no button.
    assert _item_requests(site, "/api/items?page=") - before == 5
    [report] = result["actions"]
    assert report["type"] == "click"
    assert report["ok"] is True
    assert report["duration_ms"] > 0


def test_an_infinite_list_is_scrolled_until_it_stops_growing(stack: Stack, site: LoopbackServer) -> None:
    before = _item_requests(site, "/api/items?page=")
    job = stack.run({
        "url": f"{site.url}/infinite", "strategy": "auto",
        "schema": {
            "rows": {"selector": ".row", "many": True},
            "scrolls": {"selector": "#scrolls", "type": "integer"},
        },
        "actions": [{"type": "scroll", "until": "end", "max_scrolls": 50}],
    })  # fmt: skip
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["strategy_used"] == "dynamic"
    assert result["switched_to_dynamic"] == "the request has actions"
    assert result["data"]["rows"] == [f"Item {n}" for n in range(1, SCROLL_TOTAL + 1)]
    assert _item_requests(site, "/api/items?page=") - before == SCROLL_TOTAL // SCROLL_PAGE
    # 100 rows of 80 px are about nine screens of 900 px: the scrolling stopped once the list
    # stopped growing, far from max_scrolls.
    assert 8 <= result["data"]["scrolls"] <= 15, result["data"]
    assert result["actions"][0]["ok"] is True


def test_each_tab_is_a_record_of_its_own_scrape_action(stack: Stack, site: LoopbackServer) -> None:
    job = stack.run({
        "url": f"{site.url}/tabs", "strategy": "dynamic",
        "schema": {"tab": {"selector": ".panel-title"}, "body": {"selector": ".body"}},
        "actions": [
            {"type": "scrape"},
            {"type": "click", "selector": "#tab-reviews"}, {"type": "scrape"},
            {"type": "click", "selector": "xpath://button[@data-tab='shipping']"}, {"type": "scrape"},
        ],
    })  # fmt: skip
    assert job["status"] == "completed", job
    records = stack.records(job["job_id"])
    assert [(r["action"], r["data"]) for r in records] == [
        (0, {"tab": "specs", "body": "Stoneware, 350 ml"}),
        (2, {"tab": "reviews", "body": "Four stars from 12 buyers"}),
        (4, {"tab": "shipping", "body": "Ships in 2 days"}),
    ]
    # The result is the page as the actions left it.
    assert job["result"]["data"] == {"tab": "shipping", "body": "Ships in 2 days"}
    assert [a["type"] for a in job["result"]["actions"]] == ["scrape", "click", "scrape", "click", "scrape"]


def test_a_search_form_is_filled_and_submitted_with_enter(stack: Stack, site: LoopbackServer) -> None:
    job = stack.run({
        "url": f"{site.url}/search-form", "strategy": "dynamic",
        "schema": {"results": {"selector": "li.result", "many": True}},
        "actions": [{"type": "write", "selector": "#q", "text": "teapot"}, {"type": "press", "key": "Enter"}],
    })  # fmt: skip
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["url"] == f"{site.url}/search?q=teapot", result
    assert result["data"] == {"results": ["Green Teapot", "Blue Teapot"]}


def test_select_wait_for_a_selector_hover_and_click_all_reach_what_they_reveal(
    stack: Stack, site: LoopbackServer
) -> None:
    schema = {
        "price": "#price", "stock": "#stock", "tip": "#tip",
        "answers": {"selector": ".answer", "many": True},
    }  # fmt: skip
    job = stack.run({
        "url": f"{site.url}/options", "strategy": "dynamic", "schema": schema,
        "actions": [
            {"type": "select", "selector": "#size", "value": "l"},
            {"type": "wait", "selector": "#stock"},
            {"type": "scrape"},
            {"type": "hover", "selector": "#info"},
            {"type": "click", "selector": ".expand", "all": True},
        ],
    })  # fmt: skip
    assert job["status"] == "completed", job
    # The stock appears a second after the choice: the `scrape` after the wait sees it.
    [record] = stack.records(job["job_id"])
    assert record["action"] == 2
    assert record["data"] == {"price": "Price: 15", "stock": "3 left", "tip": None, "answers": []}
    assert job["result"]["data"] == {
        "price": "Price: 15", "stock": "3 left", "tip": "Hand wash only",
        "answers": ["Answer 1", "Answer 2", "Answer 3"],
    }  # fmt: skip
    assert [a["ok"] for a in job["result"]["actions"]] == [True] * 5


def test_a_cookie_banner_is_dismissed_and_an_optional_action_may_fail(
    stack: Stack, site: LoopbackServer
) -> None:
    job = stack.run({
        "url": f"{site.url}/cookies", "strategy": "dynamic",
        "schema": {"article": {"selector": "#article"}, "banner": {"selector": "#cookie-banner"}},
        "actions": [
            {"type": "click", "selector": "#accept"},
            {"type": "click", "selector": "#newsletter-close", "optional": True, "timeout_ms": 300},
        ],
    })  # fmt: skip
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["data"] == {"article": "The council voted to reopen the pier.", "banner": None}
    accepted, closed = result["actions"]
    assert accepted["ok"] is True
    assert closed["ok"] is False
    assert "300 ms" in closed["error"] or "Timeout" in closed["error"], closed


def test_a_failed_action_fails_the_job_and_says_which(stack: Stack, site: LoopbackServer) -> None:
    job = stack.run({
        "url": f"{site.url}/cookies", "strategy": "dynamic", "schema": {"article": "#article"},
        "actions": [
            {"type": "wait", "milliseconds": 10}, {"type": "click", "selector": "#nope", "timeout_ms": 300},
        ],
    })  # fmt: skip
    assert job["status"] == "failed", job
    error = job["error"]
    assert error["code"] == "action_failed"
    assert error["message"].startswith("Action 1 (click) failed: did not finish within 300 ms"), error


def test_a_crawl_clicks_through_next_buttons_up_to_max_pages(stack: Stack, site: LoopbackServer) -> None:
    body: dict[str, Any] = {
        "url": f"{site.url}/paged", "strategy": "auto", "schema": {"items": {"selector": "li", "many": True}},
        "crawl": {"next_click": "#next", "max_pages": 10},
    }  # fmt: skip
    job = stack.run(body)
    assert job["status"] == "completed", job
    pages = [r["data"]["items"] for r in stack.records(job["job_id"])]
    assert pages == [[f"Item {n}" for n in range(start, start + 10)] for start in range(1, 50, 10)]
    assert job["result"]["pages"] == 5
    assert job["result"]["stopped_by"] == "frontier_exhausted"
    body["crawl"]["max_pages"] = 3
    job = stack.run(body)
    assert len(stack.records(job["job_id"])) == 3
    assert job["result"]["stopped_by"] == "max_pages"


def test_next_click_with_the_static_strategy_is_refused(stack: Stack, site: LoopbackServer) -> None:
    error = stack.refused({"url": f"{site.url}/paged", "crawl": {"next_click": "#next"}})
    assert "crawl.next_click needs a browser" in error["message"]
    error = stack.refused({"url": f"{site.url}/paged", "strategy": "dynamic", "crawl": {"next_click": "a["}})
    assert error["details"][0]["field"] == "body.crawl.next_click"
    body = {"url": f"{site.url}/paged", "strategy": "dynamic", "crawl": {}, "actions": [{"type": "pdf"}]}
    assert "not for crawls" in stack.refused(body)["message"]


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"type": "jump"}, "actions.0", "does not match any of the expected tags"),
    ({"selector": "#x"}, "actions.0", "Unable to extract tag"),
    ({"type": "click"}, "actions.0.click.selector", "Field required"),
    ({"type": "click", "selector": "div[", "repeat": 2}, "actions.0.click.selector", "selector"),
    (
        {"type": "click", "selector": "#x", "repeat": 0},
        "actions.0.click.repeat",
        "greater than or equal to 1",
    ),
    ({"type": "hover", "selector": "xpath://div[("}, "actions.0.hover.selector", "selector"),
    ({"type": "wait"}, "actions.0.wait", "either milliseconds or selector"),
    (
        {"type": "wait", "milliseconds": 5, "selector": "#x"},
        "actions.0.wait",
        "either milliseconds or selector",
    ),
    ({"type": "wait", "milliseconds": 20_000}, "actions.0.wait", "over the action's timeout_ms"),
    ({"type": "press", "key": "Enter Enter"}, "actions.0.press.key", "unknown key"),
    ({"type": "write", "selector": "#q"}, "actions.0.write.text", "Field required"),
    ({"type": "select", "selector": "select"}, "actions.0.select.value", "Field required"),
    (
        {"type": "scroll", "until": "selector"},
        "actions.0.scroll",
        'until "selector" and selector go together',
    ),
    ({"type": "scroll", "until": "forever"}, "actions.0.scroll.until", "end"),
    ({"type": "scroll", "max_scrolls": 501}, "actions.0.scroll.max_scrolls", "less than or equal to 500"),
    ({"type": "screenshot", "full_page": "yes please"}, "actions.0.screenshot.full_page", "boolean"),
    ({"type": "scrape", "selector": "#x"}, "actions.0.scrape.selector", "Extra inputs"),
    ({"type": "pdf", "timeout_ms": 0}, "actions.0.pdf.timeout_ms", "greater than or equal to 1"),
]


@pytest.mark.parametrize(("action", "where", "why"), INVALID, ids=[str(a)[:40] for a, _, _ in INVALID])
def test_an_invalid_action_refuses_the_request_naming_it(
    stack: Stack, site: LoopbackServer, action: dict[str, Any], where: str, why: str
) -> None:
    body = {"url": f"{site.url}/tabs", "strategy": "dynamic", "actions": [{"type": "scrape"}, action]}
    where = where.replace("actions.0", "actions.1")
    error = stack.refused(body)
    assert error["code"] == "validation_error"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert any(f.startswith(f"body.{where}") and why in m for f, m in fields.items()), fields


def test_actions_with_the_static_strategy_are_refused(stack: Stack, site: LoopbackServer) -> None:
    error = stack.refused({"url": f"{site.url}/tabs", "actions": [{"type": "scrape"}]})
    assert "actions need a browser" in error["message"]


def test_evaluate_actions_are_refused_unless_the_operator_allows_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    action = {"type": "evaluate", "script": "document.title"}
    body = {"url": "https://shop.example/", "strategy": "dynamic", "actions": [{"type": "scrape"}, action]}
    monkeypatch.delenv("ALLOW_SCRIPT_ACTIONS", raising=False)
    get_settings.cache_clear()
    with pytest.raises(ValidationError) as refused:
        ScrapeRequest.model_validate(body)
    [error] = refused.value.errors()
    assert error["loc"] == ("actions", 1, "evaluate")
    assert "ALLOW_SCRIPT_ACTIONS=true" in error["msg"]
    monkeypatch.setenv("ALLOW_SCRIPT_ACTIONS", "true")
    get_settings.cache_clear()
    assert ScrapeRequest.model_validate(body).actions[1].type == "evaluate"


def test_screenshot_and_pdf_actions_become_files_of_the_job(stack: Stack, site: LoopbackServer) -> None:
    job = stack.run({
        "url": f"{site.url}/tabs", "strategy": "dynamic", "schema": {"tab": ".panel-title"},
        "actions": [
            {"type": "click", "selector": "#tab-reviews"},
            {"type": "screenshot", "full_page": True},
            {"type": "pdf"},
        ],
    })  # fmt: skip
    assert job["status"] == "completed", job
    files = {f["name"]: f for f in job["result"]["files"]}
    assert set(files) == {"action-1-screenshot.png", "action-2.pdf"}
    shot = httpx.get(f"{stack.base}{files['action-1-screenshot.png']['url']}", timeout=10)
    assert shot.content.startswith(b"\x89PNG")
    assert shot.headers["content-type"] == "image/png"
    pdf = httpx.get(f"{stack.base}{files['action-2.pdf']['url']}", timeout=10)
    assert pdf.content.startswith(b"%PDF")
    assert len(pdf.content) == files["action-2.pdf"]["size"]


def test_an_allowed_script_runs_in_the_page_and_reaches_no_more_than_the_page(
    stack: Stack, site: LoopbackServer, counter: LoopbackServer
) -> None:
    script = (
        "(async () => { let state = 'reached';"
        f" try {{ await fetch('http://127.0.0.1:{counter.port}/from-script'); }}"
        " catch (e) { state = 'blocked'; }"
        " document.getElementById('panel')"
        ".insertAdjacentHTML('beforeend', '<p id=state>' + state + '</p>'); })()"
    )
    job = stack.run({
        "url": f"{site.url}/tabs", "strategy": "dynamic", "schema": {"state": "#state"},
        "actions": [{"type": "evaluate", "script": script}],
    })  # fmt: skip
    assert job["status"] == "completed", job
    assert job["result"]["data"] == {"state": "blocked"}
    assert job["result"]["actions"][0]["ok"] is True
    assert not [r for r in counter.requests if r.path == "/from-script"]
