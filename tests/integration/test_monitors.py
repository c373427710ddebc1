"""Monitors through the real API and worker: checks are scrape jobs, compared record by record."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.smtp import MailBox, smtp_server
from tests.support.waiting import BOUND, wait_for

SECRET = "monitor-test-secret"


class Catalog:
    """A page of products the test edits between checks, and a text page."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.products: dict[str, tuple[str, float, bool]] = {}
        self.status = 200
        self.note = "Opening hours: 9 to 5."
        self.updated = "10:00"
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.products = {
                "A1": ("Blue Mug", 12.5, True),
                "B2": ("Red Mug", 9.0, True),
                "C3": ("Green Mug", 15.0, False),
                "D4": ("Black Mug", 11.0, True),
            }
            self.status = 200

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            if request.path.startswith("/notes"):
                body = f"<main><h1>Notes</h1><p>{self.note}</p><p>Updated at {self.updated}.</p></main>"
            else:
                items = "".join(
                    f'<li class="item"><span class="sku">{sku}</span><a href="/p/{sku}">{name}</a>'
                    f'<span class="price">{price}</span>'
                    f'<span class="stock">{"yes" if stock else "no"}</span></li>'
                    for sku, (name, price, stock) in self.products.items()
                )
                body = f"<h1>Catalog</h1><ul>{items}</ul>"
            html = f"<html><head><title>Shop</title></head><body>{body}</body></html>"
            return self.status, {"Content-Type": "text/html; charset=utf-8"}, html.encode()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture(scope="module")
def site(catalog: Catalog) -> Iterator[LoopbackServer]:
    with loopback_server(catalog.respond) as server:
        yield server


@pytest.fixture(scope="module")
def receiver() -> Iterator[LoopbackServer]:
    with loopback_server(lambda r: (200, {}, b"ok")) as server:
        yield server


@pytest.fixture(scope="module")
def mailbox() -> Iterator[MailBox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, site: LoopbackServer, receiver: LoopbackServer, mailbox: MailBox
) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("monitors")
    allowed = ",".join(f"127.0.0.1:{port}" for port in (site.port, receiver.port, mailbox.port))
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=allowed,
        WEBHOOK_SECRET=SECRET,
        WORKER_CONCURRENCY=2,
        JOB_RETRY_BACKOFF_SECONDS=0.1,
    ) as running:
        running.env["DB_FILE"] = str(tmp / "dataops.db")
        yield running


ITEMS = {
    "items": {
        "selector": "li.item",
        "many": True,
        "fields": {
            "sku": {"selector": ".sku"},
            "name": {"selector": "a"},
            "price": {"selector": ".price", "type": "number"},
            "in_stock": {"selector": ".stock", "type": "boolean"},
        },
    }
}


def api(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{stack.base}{path}", timeout=30, **kwargs)


def create(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    response = api(stack, "POST", "/api/monitors", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def check(stack: Stack, monitor: str) -> dict[str, Any]:
    """Run a check now and wait until the worker compared it; the monitor's last check."""
    response = api(stack, "POST", f"/api/monitors/{monitor}/check")
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    stack.wait(job_id)

    def compared() -> dict[str, Any] | None:
        body = api(stack, "GET", f"/api/monitors/{monitor}").json()
        last = body["last_check"]
        return body if last is not None and last["job_id"] == job_id else None

    return dict(wait_for(compared, timeout=BOUND))


def changes(stack: Stack, monitor: str, **params: Any) -> list[dict[str, Any]]:
    response = api(stack, "GET", f"/api/monitors/{monitor}/changes", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def deliveries(receiver: LoopbackServer, path: str) -> list[Recorded]:
    return [r for r in list(receiver.requests) if r.path == path]


def test_a_monitor_reports_added_changed_and_confirmed_removed_records(
    stack: Stack, catalog: Catalog, site: LoopbackServer, receiver: LoopbackServer
) -> None:
    catalog.reset()
    monitor = create(stack, {
        "name": "mugs", "target": {"url": f"{site.url}/catalog", "schema": ITEMS}, "every": "1h",
        "key": ["sku"], "notify": [{"url": f"{receiver.url}/hook"}],
    })  # fmt: skip
    assert monitor["next_check_at"] is not None
    assert monitor["last_check"] is None
    first = check(stack, "mugs")
    assert first["last_check"]["status"] == "baseline"
    assert first["records"] == 4
    assert deliveries(receiver, "/hook") == []  # the baseline notifies nobody

    with catalog.lock:
        catalog.products["A1"] = ("Blue Mug", 10.0, True)  # price down
        del catalog.products["B2"]  # gone: pending until confirmed
        catalog.products["E5"] = ("White Mug", 8.0, True)  # new
    second = check(stack, "mugs")
    assert second["last_check"]["status"] == "changed"
    found = changes(stack, "mugs", check_id=second["last_check"]["check_id"])
    assert sorted(c["kind"] for c in found) == ["added", "changed"]
    changed = next(c for c in found if c["kind"] == "changed")
    assert changed["key"] == {"sku": "A1"}
    assert changed["fields"] == [{"field": "price", "before": 12.5, "after": 10.0}]
    added = next(c for c in found if c["kind"] == "added")
    assert added["key"] == {"sku": "E5"}
    assert added["after"]["name"] == "White Mug"

    hook = wait_for(lambda: deliveries(receiver, "/hook") or None, timeout=BOUND)
    body = hook[0].body
    assert (
        hook[0].headers["X-DataOps-Signature"]
        == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    sent = json.loads(body)
    assert sent["event"] == "monitor.change"
    assert sent["monitor"]["name"] == "mugs"
    assert sent["counts"]["changed"] == 1
    assert sent["counts"]["added"] == 1
    assert "price" in sent["summary"]["body"]

    third = check(stack, "mugs")  # B2 still missing: now it is removed
    assert third["last_check"]["status"] == "changed"
    removed = changes(stack, "mugs", kind="removed")
    assert [c["key"] for c in removed] == [{"sku": "B2"}]
    assert removed[0]["before"]["name"] == "Red Mug"
    assert third["records"] == 4

    fourth = check(stack, "mugs")
    assert fourth["last_check"]["status"] == "unchanged"
    # Unchanged checks in a row are one snapshot entry, and the job of the one folded in is gone:
    # a monitor that sees no change grows nothing.
    folded_job = fourth["last_check"]["job_id"]
    fifth = check(stack, "mugs")
    assert fifth["last_check"]["check_id"] == fourth["last_check"]["check_id"]
    assert api(stack, "GET", f"/api/jobs/{folded_job}").status_code == 404

    # Each check is a scrape job named after the monitor.
    jobs = api(stack, "GET", "/api/jobs", params={"name": "mugs", "type": "scrape.page"}).json()["items"]
    assert len(jobs) == 4  # five checks, one folded into the next
    # History: the snapshots, a price series, and the changes as a CSV file.
    checks = api(stack, "GET", "/api/monitors/mugs/snapshots").json()["items"]
    assert [(c["status"], c["repeats"]) for c in checks] == [
        ("unchanged", 2), ("changed", 1), ("changed", 1), ("baseline", 1)
    ]  # fmt: skip
    assert checks[0]["first_checked_at"] is not None
    series = api(stack, "GET", "/api/monitors/mugs/series", params={"field": "price", "key": "A1"}).json()
    assert [p["value"] for p in series["series"][0]["points"]] == [12.5, 10.0]
    download = api(stack, "GET", "/api/monitors/mugs/changes/download", params={"format": "csv"})
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    price_rows = [r for r in rows if r.get("field") == "price"]
    assert price_rows[0]["key.sku"] == "A1"
    assert (price_rows[0]["before"], price_rows[0]["after"]) == ("12.5", "10.0")


def test_failed_and_shrunken_checks_never_report_removals(
    stack: Stack, catalog: Catalog, site: LoopbackServer
) -> None:
    catalog.reset()
    target = {"url": f"{site.url}/catalog", "schema": ITEMS, "max_attempts": 1}
    create(stack, {"name": "guarded", "target": target, "every": "1h", "key": ["sku"]})
    assert check(stack, "guarded")["last_check"]["status"] == "baseline"
    catalog.status = 500
    failed = check(stack, "guarded")
    assert failed["last_check"]["status"] == "failed"
    assert failed["records"] == 4
    catalog.status = 200
    with catalog.lock:
        for sku in ("B2", "C3", "D4"):
            del catalog.products[sku]
    suspect = check(stack, "guarded")
    assert suspect["last_check"]["status"] == "suspect"
    assert suspect["records"] == 4
    catalog.reset()
    assert check(stack, "guarded")["last_check"]["status"] == "unchanged"
    assert changes(stack, "guarded", kind="removed") == []


def test_a_text_monitor_ignores_what_the_patterns_remove(
    stack: Stack, catalog: Catalog, site: LoopbackServer
) -> None:
    target = {"url": f"{site.url}/notes", "formats": ["markdown"]}
    create(stack, {"name": "notes", "target": target, "every": "1h", "ignore": [r"Updated at \d+:\d+"]})
    assert check(stack, "notes")["last_check"]["status"] == "baseline"
    catalog.updated = "11:30"
    assert check(stack, "notes")["last_check"]["status"] == "unchanged"
    catalog.note = "Opening hours: 10 to 6."
    after = check(stack, "notes")
    assert after["last_check"]["status"] == "changed"
    text = changes(stack, "notes", kind="text")
    assert len(text) == 1
    assert "-Opening hours: 9 to 5." in text[0]["diff"]
    assert "+Opening hours: 10 to 6." in text[0]["diff"]


def test_conditions_decide_which_changes_notify(
    stack: Stack, catalog: Catalog, site: LoopbackServer, receiver: LoopbackServer
) -> None:
    catalog.reset()
    create(stack, {
        "name": "cheaper", "target": {"url": f"{site.url}/catalog", "schema": ITEMS}, "every": "1h",
        "key": ["sku"], "notify": [{"url": f"{receiver.url}/cheaper"}],
        "conditions": [{"field": "price", "op": "decreased"}],
    })  # fmt: skip
    check(stack, "cheaper")
    with catalog.lock:
        catalog.products["C3"] = ("Green Mug", 19.0, False)  # dearer: no notification
    assert check(stack, "cheaper")["last_check"]["status"] == "changed"
    with catalog.lock:
        catalog.products["D4"] = ("Black Mug", 7.5, True)  # cheaper: notified
    checked = check(stack, "cheaper")
    # Notifications are queued with the comparison: the snapshots say how many each check sent.
    snapshots = api(stack, "GET", "/api/monitors/cheaper/snapshots").json()["items"]
    assert [(c["status"], c["notified"]) for c in snapshots] == [
        ("changed", 1),
        ("changed", 0),
        ("baseline", 0),
    ]
    hooks = wait_for(lambda: deliveries(receiver, "/cheaper") or None, timeout=BOUND)
    assert len(hooks) == 1
    sent = json.loads(hooks[0].body)
    assert [c["key"] for c in sent["changes"]] == [{"sku": "D4"}]
    assert sent["check_id"] == checked["last_check"]["check_id"]


def test_a_change_is_emailed_through_apprise(
    stack: Stack, catalog: Catalog, site: LoopbackServer, mailbox: MailBox
) -> None:
    catalog.reset()
    mail = f"mailto://alerts:pw@127.0.0.1:{mailbox.port}?mode=insecure&from=alerts@example.com&to=ops@example.com"
    create(stack, {
        "name": "mailed", "target": {"url": f"{site.url}/catalog", "schema": ITEMS}, "every": "1h",
        "key": ["sku"], "notify": [{"url": mail, "events": ["change", "failed"]}],
    })  # fmt: skip
    check(stack, "mailed")
    with catalog.lock:
        catalog.products["C3"] = ("Green Mug", 15.0, True)  # back in stock
    check(stack, "mailed")
    messages = wait_for(lambda: [m for m in mailbox.messages if "mailed" in str(m["Subject"])], timeout=BOUND)
    assert messages[0]["Subject"] == "mailed (monitor): 1 changed"
    body = messages[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert "in_stock: false -> true" in body.get_content().lower()


def test_monitors_are_managed_by_id_or_name(stack: Stack, site: LoopbackServer) -> None:
    mail = "mailtos://user:hunter2@mail.example.org?to=ops@example.org"
    body: dict[str, Any] = {
        "name": "managed", "target": {"url": f"{site.url}/catalog", "schema": ITEMS}, "cron": "0 6 * * *",
        "timezone": "Europe/Berlin", "key": ["sku"], "notify": [{"url": mail}],
    }  # fmt: skip
    created = create(stack, body)
    assert "hunter2" not in json.dumps(created)
    assert created["notify"][0]["kind"] == "apprise"
    assert api(stack, "POST", "/api/monitors", json=body).status_code == 409
    by_id = api(stack, "GET", f"/api/monitors/{created['monitor_id']}").json()
    assert by_id["name"] == "managed"
    assert "managed" in [m["name"] for m in api(stack, "GET", "/api/monitors").json()["items"]]
    # A monitor's schedule is its own: it is not one of the user's schedules.
    assert all(s["name"] != "managed" for s in api(stack, "GET", "/api/schedules").json()["items"])

    paused = api(stack, "POST", "/api/monitors/managed/pause").json()
    assert (paused["enabled"], paused["next_check_at"]) == (False, None)
    resumed = api(stack, "POST", "/api/monitors/managed/resume").json()
    assert resumed["enabled"] is True
    assert resumed["next_check_at"] is not None

    # Sending back what GET showed (the redacted URL) keeps the stored secret.
    replaced = {**body, "notify": [{"url": created["notify"][0]["url"]}], "every": "30m", "cron": None}
    response = api(stack, "PUT", "/api/monitors/managed", json=replaced)
    assert response.status_code == 200, response.text
    assert response.json()["every"] == "30m"
    with sqlite3.connect(stack.env["DB_FILE"]) as db:
        stored = json.loads(
            db.execute("SELECT definition FROM monitors WHERE name = 'managed'").fetchone()[0]
        )
    assert stored["notify"][0]["url"] == mail

    assert api(stack, "DELETE", "/api/monitors/managed").status_code == 204
    missing = api(stack, "GET", "/api/monitors/managed")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"every": "15m", "cron": "0 6 * * *"}, "cron"),
        ({"every": None}, "every"),
        ({"every": "2s"}, "every"),
        ({"ignore": ["(unclosed"]}, "ignore"),
        ({"conditions": [{"field": "price", "op": "lt"}]}, "conditions"),
        ({"conditions": [{"field": "price", "op": "below", "value": 1}]}, "conditions"),
        ({"notify": [{"url": "http://10.0.0.1/hook"}]}, "notify"),
        ({"target": {"url": "ftp://example.org/"}}, "target"),
        ({"min_ratio": 2}, "min_ratio"),
    ],
)
def test_bad_monitors_are_refused_with_the_field_named(
    stack: Stack, site: LoopbackServer, change: dict[str, Any], where: str
) -> None:
    body = {"name": "bad", "target": {"url": f"{site.url}/catalog"}, "every": "15m", **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api(stack, "POST", "/api/monitors", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(
        where in str(d.get("field", "")) or where in str(d.get("message", "")) for d in error["details"]
    ), error
    assert api(stack, "GET", "/api/monitors/bad").status_code == 404
