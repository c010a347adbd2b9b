"""Replies that wait for an approver; drafts; colleagues writing; one reply on its way at a time."""

from __future__ import annotations

import pytest

from lyssna.core.errors import ConflictError, UserError
from lyssna.inbox import presence, replies, service
from lyssna.storage import accounts


def history(chat) -> list[tuple[str, str | None]]:
    return [
        (a.action, a.detail) for a in service.open_item(chat.engine, chat.ws, chat.item_id).activity
    ]


def user_id(chat, email: str) -> int:
    with chat.engine.connect() as conn:
        return accounts.user_by_email(conn, email).id


def test_a_responders_reply_waits_for_an_approver(chat, platform):
    replies.set_approval_rule(chat.engine, chat.ws, "responder")
    reply = replies.write(chat.engine, chat.ws, chat.item_id, "Hej Olle!", by="kari@example.no")
    assert reply.state == "awaiting_approval"
    assert [v.reply.id for v in replies.needing_attention(chat.engine, chat.ws)] == [reply.id]
    # Nothing goes out while it waits.
    assert chat.drain().attempted == [] and platform.sends == 0
    with pytest.raises(UserError, match="cannot approve"):
        replies.approve(chat.engine, chat.ws, reply.id, by="anna@example.no")
    approved = replies.approve(chat.engine, chat.ws, reply.id, by="lars@example.no")
    assert approved.state == "queued" and approved.approver_id == user_id(chat, "lars@example.no")
    (sent,) = chat.drain().attempted
    assert sent.state == "sent" and len(platform.posts) == 1
    assert [a for a, _ in history(chat)] == ["reply_submitted", "reply_approved", "reply_sent"]
    view = replies.get(chat.engine, chat.ws, reply.id)
    assert (view.author, view.approver) == ("Kari", "Lars")


def test_an_approver_returns_a_reply_with_a_comment(chat, platform):
    replies.set_approval_rule(chat.engine, chat.ws, "responder")
    reply = replies.write(chat.engine, chat.ws, chat.item_id, "Kolla FAQ.", by="kari@example.no")
    with pytest.raises(UserError, match="say why"):
        replies.return_to_author(chat.engine, chat.ws, reply.id, " ", by="lars@example.no")
    back = replies.return_to_author(
        chat.engine, chat.ws, reply.id, "Svara på frågan direkt.", by="lars@example.no"
    )
    assert back.state == "draft" and back.review_comment == "Svara på frågan direkt."
    assert ("reply_returned", "Svara på frågan direkt.") in history(chat)
    # Approving what was returned is refused: someone acted on it first.
    with pytest.raises(ConflictError, match="it is draft now"):
        replies.approve(chat.engine, chat.ws, reply.id, by="lars@example.no")
    with pytest.raises(UserError, match="only the reply's author"):
        replies.edit(chat.engine, chat.ws, reply.id, "x", by="anna@example.no")
    again = replies.edit(
        chat.engine, chat.ws, reply.id, "Du byter kort i appen under Kort.", by="kari@example.no"
    )
    assert again.state == "awaiting_approval" and again.text.startswith("Du byter")


def test_editors_need_approval_from_admins_when_the_rule_says_so(chat):
    replies.set_approval_rule(chat.engine, chat.ws, "editor")
    reply = replies.write(chat.engine, chat.ws, chat.item_id, "Hej!", by="lars@example.no")
    assert reply.state == "awaiting_approval"
    with pytest.raises(UserError, match="cannot approve"):
        replies.approve(chat.engine, chat.ws, reply.id, by="lars@example.no")
    assert replies.may_approve("editor", "admin") and not replies.may_approve("editor", "editor")
    with pytest.raises(UserError, match="not 'owner'"):
        replies.set_approval_rule(chat.engine, chat.ws, "owner")


def test_without_a_rule_replies_go_straight_out(chat):
    assert replies.approval_rule(chat.engine, chat.ws) is None
    reply = replies.write(chat.engine, chat.ws, chat.item_id, "Hej!", by="kari@example.no")
    assert reply.state == "queued"


def test_a_draft_is_kept_until_submitted(chat, platform):
    draft = replies.write(
        chat.engine, chat.ws, chat.item_id, "Hej", by="kari@example.no", submit=False
    )
    assert draft.state == "draft"
    assert chat.drain().attempted == []
    done = replies.edit(chat.engine, chat.ws, draft.id, "Hej Olle!", by="kari@example.no")
    assert done.state == "queued" and chat.send(done.id).state == "sent"


def test_viewers_and_strangers_cannot_reply(chat):
    with pytest.raises(UserError, match="viewer here and cannot reply"):
        replies.write(chat.engine, chat.ws, chat.item_id, "Hej", by="vera@example.no")
    with pytest.raises(UserError, match="not a member"):
        replies.write(chat.engine, chat.ws, chat.item_id, "Hej", by="nobody@example.no")
    with pytest.raises(UserError, match="needs some text"):
        replies.write(chat.engine, chat.ws, chat.item_id, "  ", by="kari@example.no")


def test_one_reply_on_its_way_at_a_time(chat, platform):
    first = replies.write(chat.engine, chat.ws, chat.item_id, "Hej!", by="kari@example.no")
    with pytest.raises(ConflictError, match="already queued"):
        replies.write(chat.engine, chat.ws, chat.item_id, "Hej igen", by="anna@example.no")
    chat.send(first.id)
    # Once it is sent, the conversation may go on.
    follow_up = replies.write(chat.engine, chat.ws, chat.item_id, "Löste det sig?",
                              by="kari@example.no")  # fmt: skip
    assert follow_up.state == "queued"


def test_a_colleague_writing_is_shown_and_warns_before_sending(chat):
    kari, anna = user_id(chat, "kari@example.no"), user_id(chat, "anna@example.no")
    assert presence.beat(chat.engine, chat.ws, chat.item_id, anna) == []
    (writer,) = presence.beat(chat.engine, chat.ws, chat.item_id, kari)
    assert (writer.name, writer.email) == ("Anna", "anna@example.no")
    assert [w.name for w in presence.look(chat.engine, chat.ws, chat.item_id, anna)] == ["Kari"]
    with pytest.raises(replies.ColleagueWritingError, match="Anna is writing a reply"):
        replies.write(chat.engine, chat.ws, chat.item_id, "Hej!", by="kari@example.no")
    reply = replies.write(
        chat.engine, chat.ws, chat.item_id, "Hej!", by="kari@example.no", force=True
    )
    assert reply.state == "queued"
    # Sending ends one's own presence; Anna sees Kari no longer.
    assert presence.look(chat.engine, chat.ws, chat.item_id, anna) == []
    presence.leave(chat.engine, chat.ws, chat.item_id, anna)
    assert presence.look(chat.engine, chat.ws, chat.item_id, kari) == []


def test_a_beat_expires(chat, monkeypatch):
    from datetime import timedelta

    from lyssna.core.clock import utcnow

    anna, kari = user_id(chat, "anna@example.no"), user_id(chat, "kari@example.no")
    presence.beat(chat.engine, chat.ws, chat.item_id, anna)
    later = utcnow() + presence.FRESH + timedelta(seconds=1)
    monkeypatch.setattr(presence, "utcnow", lambda: later)
    assert presence.look(chat.engine, chat.ws, chat.item_id, kari) == []


def test_drop_and_confirm_are_for_the_author_or_an_approver(chat, platform):
    reply = replies.write(chat.engine, chat.ws, chat.item_id, "Hej!", by="kari@example.no",
                          submit=False)  # fmt: skip
    with pytest.raises(UserError, match="author or an approver"):
        replies.discard(chat.engine, chat.ws, reply.id, by="anna@example.no")
    dropped = replies.discard(chat.engine, chat.ws, reply.id, by="lars@example.no")
    assert dropped.state == "discarded"
    with pytest.raises(ConflictError):
        replies.resend(chat.engine, chat.ws, reply.id, by="kari@example.no")
