"""A small HTTP proxy in front of the engine that answers chosen requests with faults.

The engine injects faults on inference calls only (`x-engine-faults` is per deployment); files and fine-tuning jobs
have none, so these tests put this proxy between Studio and the engine. Rules match a method and a path fragment:
`status` answers instead of the engine (429 carries retry-after), `forward_then` lets the engine do the work and
loses its answer (how a create that timed out on the way back looks), `delay` waits before answering.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class Rule:
    method: str
    path: str
    status: int = 503
    times: int = 1
    forward_then: bool = False
    delay: float = 0.0
    retry_after: int | None = None


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, int]] = []  # answered: method, path, status
        self.arrived: list[tuple[str, str]] = []  # as they come in, before any delay
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                proxy.arrived.append((self.command, self.path))
                rule = proxy._take(self.command, self.path)
                if rule and rule.delay:
                    time.sleep(rule.delay)
                answer = None
                if rule is None or rule.forward_then or rule.delay and not rule.status:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                    answer = httpx2.request(self.command, proxy.upstream + self.path, headers=headers, content=body,
                                            timeout=30)
                if rule is not None and rule.status:
                    self._fault(rule)
                    proxy.seen.append((self.command, self.path, rule.status))
                    return
                proxy.seen.append((self.command, self.path, answer.status_code))
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_HEADERS and key.lower() != "content-encoding":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def _fault(self, rule: Rule):
                payload = (b'{"error": {"code": "%d", "message": "injected by the test proxy"}}' % rule.status)
                self.send_response(rule.status)
                self.send_header("content-type", "application/json")
                if rule.retry_after is not None:
                    self.send_header("retry-after", str(rule.retry_after))
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a request held by a delay rule must not hold up the shutdown
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _take(self, method: str, path: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.method == method and rule.path in path.split("?")[0] and rule.times > 0:
                    rule.times -= 1
                    return rule
        return None

    def add(self, method: str, path: str, **options) -> Rule:
        rule = Rule(method, path, **options)
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
