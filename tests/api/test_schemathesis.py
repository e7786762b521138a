"""Schemathesis against /api/v1/openapi.json with a valid token: for every operation, a
bounded number of generated requests; no 5xx, and every response matches the schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hub.extensions import db
from tests.conftest import user_named

EXAMPLES = 12  # per operation: enough to hit every field's edge cases, fast enough for CI


def test_every_operation_conforms_to_the_openapi_document(app):
    from hub.api.tokens import create

    with app.test_request_context():
        text, _row = create(user_named("liaison.xinfang"), user_named("liaison.xinfang"), "fuzz")
    db.session.commit()
    headers = {"Authorization": f"Bearer {text}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # Business rules beyond the schema (e.g. a registration date a year back) refuse
            # some schema-valid data with a 422/409 problem: not a failure here.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
