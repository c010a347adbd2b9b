"""Replies go out through the mention's source, at most once, whatever fails on the way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lyssna.connectors.base import (
    AuthError,
    OutcomeUnknownError,
    Outgoing,
    RateLimitedError,
    Sent,
)
from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.inbox import replies, sending, service
from lyssna.inbox.answerers import workspace_strategy
from lyssna.storage import inbox_replies as reply_store
from lyssna.storage.database import write_transaction
from lyssna.strategy import strategy_path
from tests.inbox.conftest import QUESTION, ingest_chat
from tests.inbox.fake_sender import ARRIVE_THEN_TIMEOUT, CannotTell


def write(chat, text="Hej Olle! Du byter kort i appen under Kort.", by="kari@example.no"):
    return replies.write(chat.engine, chat.ws, chat.item_id, text, by=by)


def history(chat) -> list[str]:
    return [a.action for a in service.open_item(chat.engine, chat.ws, chat.item_id).activity]


def item(chat):
    return service.open_item(chat.engine, chat.ws, chat.item_id).item.item


def test_a_reply_goes_out_as_a_reply_in_the_thread(chat, platform):
    reply = write(chat)
    assert reply.state == "queued" and reply.attempts == 0
    done = chat.send(reply.id)
    assert done.state == "sent" and done.attempts == 1
    assert (done.external_id, done.url) == ("post-1", "https://chat.example/p/1")
    (post,) = platform.posts
    assert post.reply_to_id == "q1" and post.key == reply.key
    assert post.text.startswith("Hej Olle!")
    assert post.reply_to_raw is not None and post.reply_to_raw["id"] == "q1"
    assert item(chat).first_response_at == done.sent_at
    assert history(chat) == ["reply_queued", "reply_sent"]
    conversation = service.open_item(chat.engine, chat.ws, chat.item_id)
    assert [o.reply.external_id for o in conversation.outgoing] == ["post-1"]
    # Sending again does nothing: the reply is no longer queued.
    assert chat.send(reply.id).state == "sent" and platform.sends == 1


def test_a_timeout_after_the_post_arrived_does_not_post_twice(chat, platform):
    platform.send_script = [ARRIVE_THEN_TIMEOUT]
    reply = write(chat)
    after = chat.send(reply.id)
    assert after.state == "queued" and after.check_first
    assert "did not answer in time" in (after.last_error or "")
    assert after.next_attempt_at > utcnow() + timedelta(seconds=20)  # backing off
    assert chat.drain().attempted == []  # not due yet
    chat.make_due(reply.id)
    report = chat.drain()
    assert [r.state for r in report.attempted] == ["sent"]
    assert platform.finds == 1 and platform.sends == 1 and len(platform.posts) == 1
    assert report.attempted[0].external_id == "post-1"


def test_retriable_errors_back_off_then_send_once(chat, platform):
    platform.send_script = [OutcomeUnknownError("503 after sending"), RateLimitedError("429")]
    reply = write(chat)
    waits = []
    for _ in range(2):
        after = chat.send(reply.id) if not waits else chat.drain().attempted[0]
        assert after.state == "queued"
        waits.append(after.next_attempt_at - after.updated_at)
        chat.make_due(reply.id)
    assert waits[1] > waits[0]  # x4 each time
    (done,) = chat.drain().attempted
    assert done.state == "sent" and done.attempts == 3
    assert len(platform.posts) == 1
    # The 503 came after the request left, so the platform was asked before the next try; the
    # 429 that followed was a refusal of an unread request, so the last try did not ask again.
    assert platform.finds == 1


def test_a_refusal_is_shown_with_the_platforms_reason_and_can_be_sent_again(chat, platform):
    platform.send_script = [AuthError("the access token was revoked (scope write:statuses)")]
    reply = write(chat)
    after = chat.send(reply.id)
    assert after.state == "failed" and "token was revoked" in (after.last_error or "")
    assert history(chat)[-1] == "reply_failed"
    assert item(chat).first_response_at is None
    again = replies.resend(chat.engine, chat.ws, reply.id, by="kari@example.no")
    assert again.state == "queued" and again.attempts == 0
    assert chat.send(reply.id).state == "sent" and len(platform.posts) == 1


def fail_every_attempt(chat, platform, error: Exception):
    """Write a reply and try it MAX_ATTEMPTS times against `error`; the reply afterwards."""
    platform.send_script = [error] * sending.MAX_ATTEMPTS
    reply = write(chat)
    chat.send(reply.id)
    for _ in range(sending.MAX_ATTEMPTS - 1):
        chat.make_due(reply.id)
        chat.drain()
    return replies.get(chat.engine, chat.ws, reply.id).reply


def test_giving_up_after_ambiguous_errors_asks_a_person(chat, platform):
    final = fail_every_attempt(chat, platform, OutcomeUnknownError("connection reset"))
    assert final.state == "unknown" and final.attempts == sending.MAX_ATTEMPTS
    assert history(chat)[-1] == "reply_unknown"
    # The person looked on the platform and found it.
    done = replies.confirm_sent(chat.engine, chat.ws, final.id, by="kari@example.no")
    assert done.state == "sent" and item(chat).first_response_at is not None
    assert history(chat)[-1] == "reply_confirmed"


def test_giving_up_after_refusals_fails(chat, platform):
    final = fail_every_attempt(chat, platform, RateLimitedError("429 slow down"))
    assert final.state == "failed" and "gave up after 5 attempts: 429" in (final.last_error or "")
    assert platform.finds == 0 and platform.posts == []


def _die_mid_send(chat, reply_id: int, *, arrived: bool, platform) -> None:
    """What a process that died after claiming the attempt leaves behind."""
    long_ago = utcnow() - sending.SEND_LEASE - timedelta(seconds=1)
    with write_transaction(chat.engine) as conn:
        assert reply_store.claim(conn, reply_id, long_ago, due_only=False)
    if arrived:
        reply = replies.get(chat.engine, chat.ws, reply_id).reply
        platform.posts.append(Outgoing(key=reply.key, text=reply.text, reply_to_id="q1"))


@pytest.mark.parametrize("arrived", [True, False])
def test_recovery_asks_the_platform_before_sending_again(chat, platform, arrived):
    reply = write(chat)
    _die_mid_send(chat, reply.id, arrived=arrived, platform=platform)
    report = chat.drain()
    assert platform.finds == 1 and len(platform.posts) == 1
    final = replies.get(chat.engine, chat.ws, reply.id).reply
    assert final.state == "sent"
    # Found there: sent without posting. Not there: sent now, once.
    assert platform.sends == (0 if arrived else 1)
    assert [r.id for r in report.recovered] == [reply.id]


def test_recovery_gives_the_reply_back_when_the_platform_cannot_tell(chat, platform):
    platform.find_script = [CannotTell("chat.example has no search")]
    reply = write(chat)
    _die_mid_send(chat, reply.id, arrived=False, platform=platform)
    (recovered,) = chat.drain().recovered
    assert recovered.state == "unknown" and "cannot tell" in (recovered.last_error or "")
    assert platform.sends == 0
    # The person checked: it is not there. Sent on their word, without asking again.
    replies.resend(chat.engine, chat.ws, reply.id, by="kari@example.no")
    (sent,) = chat.drain().attempted
    assert sent.state == "sent" and platform.finds == 1 and len(platform.posts) == 1


def test_a_live_attempt_is_not_recovered(chat, platform):
    reply = write(chat)
    with write_transaction(chat.engine) as conn:
        reply_store.claim(conn, reply.id, utcnow(), due_only=False)
    assert chat.drain().recovered == [] and platform.finds == 0


def test_two_senders_at_once_send_once(chat, platform):
    reply = write(chat)

    async def both():
        return await asyncio.gather(
            sending.send_reply(chat.ctx, reply.id), sending.send_reply(chat.ctx, reply.id)
        )

    results = asyncio.run(both())
    assert "sent" in {r.state for r in results} and platform.sends == 1


def test_the_strategy_is_enforced_when_sending(chat, platform):
    reply = write(chat)  # no strategy yet: anyone may answer
    path = strategy_path(chat.ctx.settings.home, chat.ctx.workspace.slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "company:\n  name: Nordbank AB\npurpose: Help customers.\n"
        "team:\n  roles:\n    service: [Anna]\n"
        "channels:\n  mastodon:\n    present: true\n    purpose: Answers.\n"
        "    answer: [service]\n",
        encoding="utf-8",
    )
    after = chat.send(reply.id)
    assert after.state == "failed" and platform.sends == 0
    assert "service answer on mastodon, and Kari is not among them" in (after.last_error or "")
    # Kari cannot write another; Anna, in the service role, may.
    strategy = workspace_strategy(chat.ctx.settings.home, chat.ctx.workspace.slug)
    with pytest.raises(UserError, match="cannot answer here"):
        replies.write(chat.engine, chat.ws, chat.item_id, "Hej", by="kari@example.no",
                      strategy=strategy)  # fmt: skip
    replies.discard(chat.engine, chat.ws, reply.id, by="kari@example.no")
    hers = replies.write(chat.engine, chat.ws, chat.item_id, "Hej Olle!", by="anna@example.no",
                         strategy=strategy)  # fmt: skip
    assert chat.send(hers.id).state == "sent"


def test_a_reply_sent_from_the_inbox_counts_once_when_collected_again(chat, platform):
    reply = write(chat)
    done = chat.send(reply.id)
    first = item(chat).first_response_at
    # The source collects the company's reply (with its platform id) on its next poll.
    ingest_chat(chat.ctx, [{"id": done.external_id, "text": done.text, "author": "nordbank_se",
                            "reply_to": QUESTION["id"], "lang": "sv"}])  # fmt: skip
    assert service.sync(chat.engine, chat.ws) == 0
    conversation = service.open_item(chat.engine, chat.ws, chat.item_id)
    assert conversation.replies == []  # shown once, as the inbox's own reply
    assert [o.reply.id for o in conversation.outgoing] == [reply.id]
    assert item(chat).first_response_at == first
    assert history(chat).count("reply_sent") == 1 and "replied" not in history(chat)


def test_a_collected_copy_that_entered_first_leaves_the_inbox(chat, platform):
    """The source may collect the reply between the platform accepting it and us recording it."""
    reply = write(chat)
    copy = {"id": "post-1", "text": "Hej Olle, här är Nordbank: funkar det?", "author": "someone",
            "reply_to": QUESTION["id"], "lang": "sv"}  # fmt: skip
    ingest_chat(chat.ctx, [copy])
    service.sync(chat.engine, chat.ws)
    assert len(service.list_items(chat.engine, chat.ws)) == 2
    chat.send(reply.id)
    assert [v.item.id for v in service.list_items(chat.engine, chat.ws)] == [chat.item_id]


def test_imported_mentions_cannot_be_answered_from_lyssna(workspace):
    from lyssna.storage import accounts

    with write_transaction(workspace.engine) as conn:
        user = accounts.add_user(conn, "kari@example.no", "x", name="Kari")
        accounts.set_membership(conn, user.id, workspace.workspace.id, "responder")
    ingest_chat(workspace, [QUESTION])
    service.sync(workspace.engine, workspace.workspace.id)
    (view,) = service.list_items(workspace.engine, workspace.workspace.id)
    with pytest.raises(UserError, match="imported \\(room\\), not collected by a connector"):
        replies.write(workspace.engine, workspace.workspace.id, view.item.id, "Hej",
                      by="kari@example.no")  # fmt: skip


def test_an_attempt_taken_over_by_a_recovery_records_only_a_success(chat, platform):
    """A slow attempt that returns after a recovery took it over leaves it to the recovery."""
    reply = write(chat)
    now = utcnow()
    with write_transaction(chat.engine) as conn:
        reply_store.claim(conn, reply.id, now, due_only=False)
        mine = reply_store.get(conn, chat.ws, reply.id)
        assert reply_store.take_over(conn, reply.id, now, now + timedelta(seconds=1))
    timeout = sending.Outcome(verdict="retry", reason="timeout", ambiguous=True)
    with write_transaction(chat.engine) as conn:
        sending._record(conn, chat.ws, mine, timeout, utcnow())
    assert replies.get(chat.engine, chat.ws, reply.id).reply.state == "sending"
    accepted = sending.Outcome(sent=Sent("post-9", None))
    with write_transaction(chat.engine) as conn:
        sending._record(conn, chat.ws, mine, accepted, utcnow())
    assert replies.get(chat.engine, chat.ws, reply.id).reply.external_id == "post-9"


def test_lyssna_listen_sends_what_is_due(chat, platform):
    """`lyssna listen` (the runner) drains the queue after polling."""
    from lyssna.connectors.runner import Runner

    reply = write(chat)
    outcomes = asyncio.run(Runner(chat.ctx).run_once())
    assert [o.source for o in outcomes] == ["room"]
    assert replies.get(chat.engine, chat.ws, reply.id).reply.state == "sent"
    assert len(platform.posts) == 1
