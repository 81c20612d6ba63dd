"""A closed-loop HTTP/1.1 load generator: N clients on keep-alive connections, for a bounded time.

Written on asyncio streams with a minimal response reader (Content-Length, chunked, or read to
close) rather than a general HTTP client, because on a 2-core machine the client shares the CPU
with the server it measures and must cost as little as possible per request. Each client sends
its next request as soon as the last answer is read (closed loop), so requests/s is what the
server sustains at that concurrency.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """One request of a workload; `key` names it so answers can be checked per request."""

    key: str
    path: str  # path and query string
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class LoadResult:
    """What the clients saw: latencies of good answers, and every answer that was not good."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the request each latency is of
    errors: dict[str, int] = field(default_factory=dict)  # "503", "length", "timeout"... → count

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, keep=lambda key: True) -> float | None:
        """The p-th percentile latency, of the requests whose key `keep` takes."""
        ordered = sorted(t for t, key in zip(self.latencies, self.keys) if keep(key))
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Connection:
    """One keep-alive connection that reconnects when the server closes it."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def send(self, request: Request) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        head = [f"GET {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in request.headers]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            return await self._read()
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise

    async def _read(self) -> Response:
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers are expected
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, body)


async def fetch(base_url: str, request: Request, timeout: float = 600) -> Response:
    """One request on a fresh connection."""
    connection = Connection(base_url)
    try:
        return await asyncio.wait_for(connection.send(request), timeout)
    finally:
        await connection.close()


async def _client(base_url, requests, offset, until, check, timeout, result: LoadResult) -> None:
    connection = Connection(base_url)
    i = offset
    try:
        while until(result):
            request = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                response = await asyncio.wait_for(connection.send(request), timeout)
            except asyncio.TimeoutError:
                result.errors["timeout"] = result.errors.get("timeout", 0) + 1
                await connection.close()
                continue
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                kind = type(error).__name__
                result.errors[kind] = result.errors.get(kind, 0) + 1
                await connection.close()
                await asyncio.sleep(0.05)
                continue
            elapsed = time.perf_counter() - started
            problem = check(request, response)
            if problem is None:
                result.latencies.append(elapsed)
                result.keys.append(request.key)
            else:
                result.errors[problem] = result.errors.get(problem, 0) + 1
    finally:
        await connection.close()


def run_load(base_url: str, requests: list[Request], clients: int, seconds: float, check,
             timeout: float = 120, min_requests: int = 0, max_seconds: float | None = None) -> LoadResult:
    """`clients` concurrent closed-loop clients cycling through `requests` (each from its own
    offset) for `seconds`, and past them until `min_requests` good answers are in (so that a
    percentile rests on enough requests when each is slow), but never past `max_seconds`;
    `check(request, response)` returns None for a good answer or a short reason. A request in
    flight at the deadline is waited for and counted."""

    async def main() -> LoadResult:
        started = time.perf_counter()
        result = LoadResult(seconds=0.0)
        deadline, last = started + seconds, started + max(seconds, max_seconds or seconds)

        def until(so_far: LoadResult) -> bool:
            now = time.perf_counter()
            return now < deadline or (len(so_far.latencies) < min_requests and now < last)

        step = max(1, len(requests) // clients)
        await asyncio.gather(*(_client(base_url, requests, k * step, until, check, timeout, result)
                               for k in range(clients)))
        result.seconds = time.perf_counter() - started
        return result

    return asyncio.run(main())
