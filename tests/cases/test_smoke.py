from hub.cases import lifecycle
from tests.cases.factories import in_hand
from tests.conftest import user_named


def test_walk(ctx):
    case = in_hand()
    sec = user_named("secretariat")
    lifecycle.reply(sec, case, "已答复")
    lifecycle.rate(sec, case, "satisfied")
    lifecycle.close(sec, case)
    assert case.stage == "closed"
