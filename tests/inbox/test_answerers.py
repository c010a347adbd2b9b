from lyssna.inbox.answerers import may_answer
from lyssna.strategy import check_text

STRATEGY = """\
company:
  name: Nordbank AB
purpose: Help customers.
team:
  roles:
    service: [Kari Nordmann, Lars Holm]
    press: [Sara Lind]
channels:
  facebook:
    present: true
    purpose: Questions.
    answer: [service, Sara Lind]
  x:
    present: false
    reason: Not for us.
  reviews:
    present: true
    purpose: Every review answered.
"""


def strategy():
    parsed, problems = check_text(STRATEGY)
    assert problems == [] and parsed is not None
    return parsed


def test_roles_and_named_people_may_answer():
    s = strategy()
    assert may_answer(s, "facebook", name="Kari Nordmann", email="kari@example.no").allowed
    assert may_answer(s, "facebook", name="Sara Lind", email="sara@example.no").allowed
    refused = may_answer(s, "facebook", name="Per Persson", email="per@example.no")
    assert not refused.allowed and "service, Sara Lind answer on facebook" in refused.reason


def test_absent_channels_and_silence():
    s = strategy()
    assert not may_answer(s, "x", name="Kari Nordmann", email="k@x").allowed
    assert may_answer(s, "reviews", name="Anyone", email="a@x").allowed
    assert may_answer(s, "mastodon", name="Anyone", email="a@x").allowed
    assert may_answer(None, "facebook", name="Anyone", email="a@x").allowed
