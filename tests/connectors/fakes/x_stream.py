"""X's filtered stream as documented, beside a FakeX (same server, same posts):

- rules: `GET /2/tweets/search/stream/rules` ({data, meta}); `POST` with `add` or `delete`
  (not both), `dry_run`, answers with created rules, `meta.summary` and per-rule `errors`
  (DuplicateRule, Invalid Rule with details, RulesCapExceeded);
- `GET /2/tweets/search/stream`: chunked newline-delimited JSON, `{data, includes, matching_rules}`
  per post matching a rule, a blank line every `keepalive` seconds;
- refusals: 401 problem, 429 ConnectionException (TooManyConnections) over the app's
  connection limit, 429 UsageCapExceeded; and what the network does: operational disconnects,
  cut connections, silence, hostile lines.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tests.connectors.fakes.server import HangUp, Request, Response, json_response
from tests.connectors.fakes.x import BEARER, FakeX, problem, unauthorized

PROBLEMS = "https://api.x.com/2/problems"


class FakeXStream:
    def __init__(
        self, x: FakeX, *, keepalive: float = 0.1, rule_cap: int = 1000, connections: int = 1
    ) -> None:
        self.x = x
        self.keepalive = keepalive
        self.rule_cap = rule_cap
        self.connection_limit = connections
        self.rules: dict[str, dict[str, Any]] = {}  # by id, in the order added
        self.held_elsewhere = 0  # connections another program holds with the same app
        self.open = 0
        self.connects = 0
        self.silent = False  # no keep-alives: a connection that died without closing
        self._streams: list[queue.Queue[tuple[str, bytes]]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._next_rule = 1_600_000_000_000_000_000
        x.server.route("GET", "/2/tweets/search/stream/rules")(self._list_rules)
        x.server.route("POST", "/2/tweets/search/stream/rules")(self._change_rules)
        x.server.route("GET", "/2/tweets/search/stream")(self._stream)

    def stop(self) -> None:
        self._closed = True

    # --- what happens on X ----------------------------------------------------------------

    def rule(self, value: str, tag: str | None = None) -> str:
        """A rule someone added (another program, or an earlier Lyssna)."""
        rule_id = self._new_rule_id()
        self.rules[rule_id] = {"id": rule_id, "value": value, **({"tag": tag} if tag else {})}
        return rule_id

    def post(self, text: str, author_id: str = "1001", **fields: Any) -> dict[str, Any]:
        """A post written on X: kept for search, and streamed if it matches a rule."""
        tweet = self.x.post(text, author_id, **fields)
        matched = [
            {"id": r["id"], **({"tag": r["tag"]} if "tag" in r else {})}
            for r in self.rules.values()
            if _matches(r["value"], tweet)
        ]
        if matched:
            message = {
                "data": tweet,
                "includes": {"users": [self.x.users[author_id]]},
                "matching_rules": matched,
            }
            self._to_all("line", json.dumps(message, ensure_ascii=False).encode() + b"\r\n")
        return tweet

    def send_raw(self, line: bytes) -> None:
        self._to_all("line", line)

    def disconnect(self) -> None:
        """X ends every open stream with an operational-disconnect message."""
        self._to_all("disconnect", b"")

    def cut(self) -> None:
        """Every open stream is cut mid-body (a network failure)."""
        self._to_all("cut", b"")

    def _to_all(self, kind: str, data: bytes) -> None:
        with self._lock:
            for stream in self._streams:
                stream.put((kind, data))

    def _new_rule_id(self) -> str:
        self._next_rule += 1
        return str(self._next_rule)

    # --- rules ----------------------------------------------------------------------------

    def _list_rules(self, request: Request) -> Response:
        if request.bearer != BEARER:
            return unauthorized()
        meta = {"sent": _now(), "result_count": len(self.rules)}
        body: dict[str, Any] = {"meta": meta}
        if self.rules:
            body["data"] = list(self.rules.values())
        return json_response(body)

    def _change_rules(self, request: Request) -> Response:
        if request.bearer != BEARER:
            return unauthorized()
        body = request.json()
        if not isinstance(body, dict) or ("add" in body) == ("delete" in body):
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEMS}/invalid-request",
            )
        dry_run = request.arg("dry_run") == "true"
        if "delete" in body:
            ids = [str(i) for i in body["delete"].get("ids", [])]
            found = [i for i in ids if i in self.rules]
            if not dry_run:
                for rule_id in found:
                    del self.rules[rule_id]
            summary = {"deleted": len(found), "not_deleted": len(ids) - len(found)}
            return json_response({"meta": {"sent": _now(), "summary": summary}})
        created: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        values = {r["value"]: r for r in self.rules.values()}
        for wanted in body["add"]:
            value, tag = wanted.get("value", ""), wanted.get("tag")
            if value in values:
                errors.append(
                    {
                        "value": value,
                        "id": values[value]["id"],
                        "title": "DuplicateRule",
                        "type": f"{PROBLEMS}/duplicate-rules",
                    }
                )
            elif len(value) > 1024 or value.count("(") != value.count(")") or not value.strip():
                details = ["Rules must contain a keyword, be under 1024 characters, and be valid"]
                errors.append(
                    {
                        "value": value,
                        "details": details,
                        "title": "Invalid Rule",
                        "type": f"{PROBLEMS}/invalid-rules",
                    }
                )
            elif len(self.rules) + len(created) >= self.rule_cap:
                errors.append(
                    {
                        "value": value,
                        "title": "RulesCapExceeded",
                        "detail": f"Rule creation would exceed your rule cap of {self.rule_cap}",
                        "type": f"{PROBLEMS}/rule-cap",
                    }
                )
            else:
                rule = {"id": self._new_rule_id(), "value": value, **({"tag": tag} if tag else {})}
                created.append(rule)
        if not dry_run:
            self.rules.update({r["id"]: r for r in created})
        invalid = sum(1 for e in errors if e["title"] != "DuplicateRule")
        summary = {
            "created": len(created),
            "not_created": len(errors),
            "valid": len(body["add"]) - invalid,
            "invalid": invalid,
        }
        answer: dict[str, Any] = {"meta": {"sent": _now(), "summary": summary}}
        if created:
            answer["data"] = created
        if errors:
            answer["errors"] = errors
        return json_response(answer)

    # --- the stream -----------------------------------------------------------------------

    def _stream(self, request: Request) -> Response:
        if request.bearer != BEARER:
            return unauthorized()
        if self.x.usage_capped:
            return problem(
                429,
                "UsageCapExceeded",
                "Usage cap exceeded: Monthly product cap",
                f"{PROBLEMS}/usage-capped",
                period="Monthly",
                scope="Product",
            )
        with self._lock:
            if self.open + self.held_elsewhere >= self.connection_limit:
                return json_response(
                    {
                        "title": "ConnectionException",
                        "detail": "This stream is currently at the maximum allowed connection "
                        "limit.",
                        "connection_issue": "TooManyConnections",
                        "type": f"{PROBLEMS}/streaming-connection",
                    },
                    429,
                )
            self.open += 1
            self.connects += 1
            mailbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
            self._streams.append(mailbox)
        return Response(
            200,
            headers={"Content-Type": "application/json; charset=utf-8"},
            stream=lambda: self._lines(mailbox),
        )

    def _lines(self, mailbox: queue.Queue[tuple[str, bytes]]) -> Iterator[bytes]:
        try:
            while not self._closed:
                try:
                    kind, data = mailbox.get(timeout=self.keepalive)
                except queue.Empty:
                    if not self.silent:
                        yield b"\r\n"
                    continue
                if kind == "line":
                    yield data
                elif kind == "disconnect":
                    closing = {
                        "errors": [
                            {
                                "title": "operational-disconnect",
                                "disconnect_type": "UpstreamOperationalDisconnect",
                                "detail": "This stream has been disconnected upstream for "
                                "operational reasons.",
                                "type": f"{PROBLEMS}/operational-disconnect",
                            }
                        ]
                    }
                    yield json.dumps(closing).encode() + b"\r\n"
                    return
                else:
                    raise HangUp
        finally:
            with self._lock:
                self.open -= 1
                self._streams.remove(mailbox)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _matches(rule: str, tweet: dict[str, Any]) -> bool:
    """A small part of X's rule language: words (all must occur), -word, lang:xx; other
    operators are ignored."""
    text = tweet["text"].lower()
    for token in rule.lower().split():
        negated = token.startswith("-")
        token = token.lstrip("-").strip('"()')
        if ":" in token:
            name, _, value = token.partition(":")
            if name == "lang" and (tweet.get("lang") == value) == negated:
                return False
            continue
        if token and (token in text) == negated:
            return False
    return True
