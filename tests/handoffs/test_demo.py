"""The demo gives every partner agency's liaison work in every inbox tab, and a 巡察 round."""

from hub.extensions import db


def test_every_partner_liaison_has_every_tab_and_the_round_has_open_items(app):
    from hub.cases.demo import load_demo_cases
    from hub.handoffs.demo import load_demo_handoffs
    from tests.conftest import login

    with app.test_request_context():
        load_demo_cases(count=120)
        assert load_demo_handoffs() > 0
        assert load_demo_handoffs() == 0  # idempotent
    db.session.commit()
    import re

    for username in ("liaison.jiwei", "liaison.xuncha", "liaison.zuzhi", "liaison.zhengfa"):
        client = app.test_client()
        login(client, username)
        page = client.get("/handoffs").get_data(as_text=True)
        for tab in ("sign", "feedback", "overdue", "returned"):
            count = re.search(rf'data-testid="tab-{tab}"[^>]*>[^<]*<span class="count">(\d+)',
                              page)
            assert count and int(count.group(1)) >= 1, (username, tab)
    client = app.test_client()
    login(client, "liaison.xuncha")
    rounds = client.get("/inspection").get_data(as_text=True)
    assert "州委第二巡察组" in rounds and "共 3 项，未完成 2 项" in rounds
    round_id = re.search(r'/inspection/(\d+)"', rounds).group(1)
    page = client.get(f"/inspection/{round_id}").get_data(as_text=True)
    assert 'data-testid="batch-' in page and "逾期" in page
