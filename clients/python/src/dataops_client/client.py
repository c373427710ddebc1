"""`DataOps` and `AsyncDataOps`: the same methods, run over a blocking or an async httpx client.

Each method is declared once, on `Methods`, as the plan that does its work (plans.py); reading it
from a `DataOps` gives a function that runs the plan and returns its result, from an
`AsyncDataOps` a coroutine function, and for the iterating methods an iterator or an async
iterator. The two classes below only send calls, sleep, and hand out items.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import update_wrapper
from types import TracebackType
from typing import Any, Generic, ParamSpec, Self, TypeVar, cast, overload

import httpx

from dataops_client import plans
from dataops_client.models import JobOut
from dataops_client.plans import Answer, Call, Line, Listen, Pause, Plan, ReadLine, Step

P = ParamSpec("P")
T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 60.0
USER_AGENT = "dataops-client/0.1"


class Operation(Generic[P, T]):
    """A method that returns the plan's result: `T` from `DataOps`, an awaitable `T` from `AsyncDataOps`."""

    def __init__(self, plan: Callable[P, Plan[T]]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: DataOps, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, client: AsyncDataOps, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        if client is None:
            return self
        plan = self.plan

        def bound(*args: Any, **kwargs: Any) -> Any:
            return client.run(plan(*args, **kwargs))

        return update_wrapper(bound, plan)


class Iteration(Generic[P, T]):
    """A method that hands out the plan's items: an iterator from `DataOps`, an async one from
    `AsyncDataOps`."""

    def __init__(self, plan: Callable[P, Plan[None]], item: type[T]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: DataOps, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, client: AsyncDataOps, owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        if client is None:
            return self
        plan = self.plan

        def bound(*args: Any, **kwargs: Any) -> Any:
            return client.iterate(plan(*args, **kwargs))

        return update_wrapper(bound, plan)


class Methods:
    """Every method of the client, each the plan that does its work."""

    scrape = Operation(plans.scrape)
    crawl = Operation(plans.crawl)
    batch = Operation(plans.batch)
    map = Operation(plans.map_site)
    run_pipeline = Operation(plans.run_pipeline)
    job = Operation(plans.job)
    jobs = Operation(plans.jobs)
    wait = Operation(plans.wait)
    watch = Iteration(plans.watch, JobOut)
    results = Iteration(plans.results, dict[str, Any])
    record_page = Operation(plans.record_page)
    download = Operation(plans.download)
    cancel = Operation(plans.cancel)
    pause = Operation(plans.pause)
    resume = Operation(plans.resume)
    retry = Operation(plans.retry)
    delete_job = Operation(plans.delete_job)
    exports = Operation(plans.exports)
    download_export = Operation(plans.download_export)
    create_monitor = Operation(plans.create_monitor)
    monitors = Operation(plans.monitors)
    monitor = Operation(plans.monitor)
    update_monitor = Operation(plans.update_monitor)
    delete_monitor = Operation(plans.delete_monitor)
    check_monitor = Operation(plans.check_monitor)
    monitor_changes = Operation(plans.monitor_changes)


def connection(base_url: str | None, api_key: str | None) -> tuple[str, dict[str, str]]:
    """The API's address and headers: as given, else DATAOPS_URL and DATAOPS_API_KEY."""
    url = (base_url or os.environ.get("DATAOPS_URL") or DEFAULT_URL).rstrip("/")
    key = api_key if api_key is not None else os.environ.get("DATAOPS_API_KEY")
    headers = {"User-Agent": USER_AGENT}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return url, headers


def build(http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    timeout = httpx.USE_CLIENT_DEFAULT if call.timeout is None else httpx.Timeout(call.timeout)
    return http.build_request(
        call.method,
        call.path,
        params=dict(call.params or {}),
        json=call.json,
        headers=dict(call.headers),
        timeout=timeout,
    )


class DataOps(Methods):
    """The DataOps API, blocking. `base_url` defaults to DATAOPS_URL, `api_key` to DATAOPS_API_KEY;
    `timeout` is per request. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
    ) -> None:
        url, headers = connection(base_url, api_key)
        self.base_url = url
        self.http = http or httpx.Client(base_url=url, headers=headers, timeout=timeout)

    def send(self, call: Call) -> Answer:
        request = build(self.http, call)
        response = self.http.send(request, stream=call.save_to is not None)
        try:
            if call.save_to is None or response.status_code >= 400:
                return Answer(response.status_code, response.headers, response.read())
            with call.save_to.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
            return Answer(response.status_code, response.headers, b"")
        finally:
            response.close()

    def run(self, plan: Plan[T]) -> T:
        """Run `plan` to its end; its result."""
        return cast(T, _last(self.iterate(plan, keep_result=True)))

    def iterate(self, plan: Plan[Any], *, keep_result: bool = False) -> Iterator[Any]:
        """The items `plan` emits (with `keep_result`, then a `Done` holding its result)."""
        reply: Answer | Line | None = None
        stream: httpx.Response | None = None  # the plan's open event stream
        lines: Iterator[str] = iter(())
        try:
            while not isinstance(step := advance(plan, reply), Done):
                reply = None
                if isinstance(step, Call):
                    reply = self.send(step)
                elif isinstance(step, Listen):
                    if stream is not None:
                        stream.close()
                    stream = self.http.send(build(self.http, step.call), stream=True)
                    if stream.status_code == 200:
                        reply, lines = Answer(200, stream.headers, b""), stream.iter_lines()
                    else:
                        reply = Answer(stream.status_code, stream.headers, stream.read())
                        stream.close()
                elif isinstance(step, ReadLine):
                    try:
                        reply = Line(next(lines))
                    except StopIteration:
                        reply = Line(None)
                    except httpx.TransportError as exc:  # quiet past the read timeout, or dropped
                        reply = Line(None, timed_out=isinstance(exc, httpx.TimeoutException))
                elif isinstance(step, Pause):
                    time.sleep(step.seconds)
                elif not keep_result:
                    yield step.value
        finally:
            if stream is not None:
                stream.close()
        if keep_result:
            yield step

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncDataOps(Methods):
    """The DataOps API for asyncio: the methods of `DataOps`, awaited (`async for` for `results`
    and `watch`). Use it as an async context manager, or await `aclose()`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        url, headers = connection(base_url, api_key)
        self.base_url = url
        self.http = http or httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout)

    async def send(self, call: Call) -> Answer:
        request = build(self.http, call)
        response = await self.http.send(request, stream=call.save_to is not None)
        try:
            if call.save_to is None or response.status_code >= 400:
                return Answer(response.status_code, response.headers, await response.aread())
            with call.save_to.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
            return Answer(response.status_code, response.headers, b"")
        finally:
            await response.aclose()

    async def run(self, plan: Plan[T]) -> T:
        """Run `plan` to its end; its result."""
        result: Any = None
        async for item in self.iterate(plan, keep_result=True):
            result = item
        return cast(T, result.value)

    async def iterate(self, plan: Plan[Any], *, keep_result: bool = False) -> AsyncIterator[Any]:
        """The items `plan` emits (with `keep_result`, then a `Done` holding its result)."""
        reply: Answer | Line | None = None
        stream: httpx.Response | None = None  # the plan's open event stream
        lines: AsyncIterator[str] | None = None
        try:
            while not isinstance(step := advance(plan, reply), Done):
                reply = None
                if isinstance(step, Call):
                    reply = await self.send(step)
                elif isinstance(step, Listen):
                    if stream is not None:
                        await stream.aclose()
                    stream = await self.http.send(build(self.http, step.call), stream=True)
                    if stream.status_code == 200:
                        reply, lines = Answer(200, stream.headers, b""), stream.aiter_lines()
                    else:
                        reply = Answer(stream.status_code, stream.headers, await stream.aread())
                        await stream.aclose()
                elif isinstance(step, ReadLine):
                    try:
                        reply = Line(await anext(lines)) if lines is not None else Line(None)
                    except StopAsyncIteration:
                        reply = Line(None)
                    except httpx.TransportError as exc:  # quiet past the read timeout, or dropped
                        reply = Line(None, timed_out=isinstance(exc, httpx.TimeoutException))
                elif isinstance(step, Pause):
                    await asyncio.sleep(step.seconds)
                elif not keep_result:
                    yield step.value
        finally:
            if stream is not None:
                await stream.aclose()
        if keep_result:
            yield step

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class Done:
    """A plan's result, after its items."""

    def __init__(self, value: Any) -> None:
        self.value = value


def advance(plan: Plan[Any], reply: Answer | Line | None) -> Step | Done:
    """The plan's next step, or `Done` with its result."""
    try:
        return plan.send(reply)
    except StopIteration as stop:
        return Done(stop.value)


def _last(items: Iterator[Any]) -> Any:
    last: Any = None
    for last in items:  # noqa: B007 - the last item is the Done
        pass
    return last.value
