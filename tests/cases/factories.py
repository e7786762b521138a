"""Building cases through the real services."""

from datetime import timedelta

from hub.cases import intake, lifecycle
from hub.cases.intake import Intake, PetitionerData
from hub.deadlines.services import local_today
from tests.conftest import agency_coded, user_named


def intake_data(**overrides) -> Intake:
    fields = dict(
        title="芒市某村土地征收补偿款未到位",
        content="信访人反映2025年所在村组土地被征收，补偿款至今未足额发放。",
        channel="visit", category="land", headcount=1, county="mangshi",
        registered_on=local_today() - timedelta(days=1),
        petitioners=[PetitionerData("李某", "13812345678", "533101198001011234")],
    )
    fields.update(overrides)
    return Intake(**fields)


def registered(**overrides):
    return intake.register(user_named("liaison.xinfang"), intake_data(**overrides))


def forwarded(lead="mangshi.xfj", assist=("dh.jw",), **overrides):
    case = registered(**overrides)
    lifecycle.forward(user_named("liaison.xinfang"), case, agency_coded(lead),
                      [agency_coded(a) for a in assist])
    return case


def in_hand(**kwargs):
    case = forwarded(**kwargs)
    lifecycle.accept(user_named("secretariat"), case)
    return case
