# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""QueryString: every operator on every field kind, AND/OR/parentheses, quoting, escaping and bad syntax."""

import pytest

from kfsim.fields import INSTANCE_QUERY_FIELDS
from kfsim.querystring import QueryError, compile_query, tokenize
from kfsim.scenario import DEFAULT_SCENARIO, build_world, read_scenario
from kfsim.testing import default_instance_id

WORLD = build_world(read_scenario(DEFAULT_SCENARIO))
SUSPENDED = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17]


def matching(query):
    """Default-scenario instance numbers (ReferenceId - 1000) that ``query`` selects."""
    predicate = compile_query(query, INSTANCE_QUERY_FIELDS) or (lambda instance: True)
    return sorted(instance.reference_id - 1000 for instance in WORLD.instances if predicate(instance))


@pytest.mark.parametrize("query, expected", [
    ('Status -eq "Suspended"', SUSPENDED),
    ("Status -eq 2", SUSPENDED),
    ("status -EQ suspended", SUSPENDED),
    ('Status -ne "Suspended"', [10, 11, 12, 13, 14, 15, 18]),
    ("Status -eq CanceledForRestart", [13]),
    ("ReferenceId -eq 1005", [5]),
    ("ReferenceId -ne 1005", [n for n in range(1, 19) if n != 5]),
    ("ReferenceId -gt 1015", [16, 17, 18]),
    ("ReferenceId -ge 1015", [15, 16, 17, 18]),
    ("ReferenceId -lt 1003", [1, 2]),
    ('ReferenceId -le "1002"', [1, 2]),
    ('Title -contains "codesign"', [4, 5, 17]),
    ('Title -contains "CODESIGN"', [4, 5, 17]),
    ('Title -startswith "KEYEXAMPLE\\\\secadmin"', [17]),
    ('Title -endswith "app01.keyexample.com."', [1]),
    ('Title -eq "KEYEXAMPLE\\\\requester is revoking certificate with CN=app04.keyexample.com."', [6]),
    ('InitiatingUserName -eq "KEYEXAMPLE\\\\approver2"', [3]),
    ('InitiatingUserName -eq "keyexample\\approver2"', [3]),
    ("InitiatingUserName -eq KEYEXAMPLE\\approver2", [3]),
    ('InitiatingUserName -ne "KEYEXAMPLE\\\\requester"', [3, 14, 15, 16, 17]),
    ("InitiatingUserName -gt KEYEXAMPLE\\s", [14, 15, 16, 17]),
    ("Id -eq C0FFEE00-0000-4000-8000-000000000007", [7]),
    ('DefinitionId -eq "d2000000-0000-4000-8000-000000000002"', [4, 5, 17]),
    ("WorkflowType -eq Expiration", [14, 15, 16]),
    ('StartDate -ge "2024-05-15"', [9, 14, 16, 17, 18]),
    ("StartDate -lt 2024-05-09T00:00:00Z", [10]),
    ('StartDate -eq "2024-05-10T09:15:02.120Z"', [1]),
    ("StartDate -eq 2024-05-10T09:15:02.12", [1]),
    ('StartDate -eq "2024-05-10T11:15:02.120+02:00"', [1]),
    ("StartDate -le 2024-05-08T10:00:00Z", [10]),
    ('LastModified -gt "2024-05-15T10:00:00Z"', [9, 14, 16, 17, 18]),
    ("WorkflowType -eq Expiration OR Status -eq Failed AND WorkflowType -eq Revocation", [14, 15, 16, 18]),
    ("(WorkflowType -eq Expiration OR Status -eq Failed) AND WorkflowType -eq Revocation", [18]),
    ("status -eq failed and workflowtype -eq revocation", [18]),
    ("Status -eq Complete or Status -eq Rejected or Status -eq Running", [10, 11, 14, 15]),
    ('((Title -contains "app0") AND (Status -eq 2))', [1, 2, 3, 6, 7]),
    ("", list(range(1, 19))),
    ("   ", list(range(1, 19))),
])
def test_query_selects_the_documented_fields(query, expected):
    assert matching(query) == expected


def test_quoted_values_unescape_only_quotes_and_backslashes():
    tokens = tokenize(r'Title -eq "say \"hi\" to C:\\temp\x" AND (Id -ne abc)')
    assert [token.text for token in tokens] == [
        "Title", "-eq", 'say "hi" to C:\\temp\\x', "AND", "(", "Id", "-ne", "abc", ")"]
    assert tokens[2].kind == "string"


@pytest.mark.parametrize("query, message", [
    ("Nope -eq 1", "unknown field 'Nope'"),
    ("Status -like 2", "unknown operator '-like'"),
    ("Status -eq", "the query ends where a value after Status -eq was expected"),
    ('Title -eq "unterminated', "unterminated quoted value starting at position 10"),
    ("Status -eq 2 AND", "the query ends where a field name was expected"),
    ("(Status -eq 2", "the query ends where ')' was expected"),
    ("Status -eq 2)", "unexpected ')' at position 12"),
    ("Status -eq 2 Title", "unexpected 'Title' at position 13"),
    ("ReferenceId -eq abc", "ReferenceId needs an integer"),
    ("StartDate -gt yesterday", "StartDate needs an ISO 8601 date-time"),
    ("Status -eq Paused", "Status needs a status name or 0-6"),
    ("Status -eq 9", "Status needs a status name or 0-6"),
    ("Status -gt 2", "Status takes only -eq and -ne"),
    ("ReferenceId -contains 10", "operator -contains does not apply to integer field ReferenceId"),
    ("Status -eq (", "expected a value but found '('"),
    ("( -eq 2", "unknown field '-eq'"),
])
def test_bad_queries_name_the_problem(query, message):
    with pytest.raises(QueryError) as raised:
        compile_query(query, INSTANCE_QUERY_FIELDS)
    assert message in str(raised.value)


def test_the_api_filters_with_a_url_encoded_query_and_rejects_bad_ones(simulator):
    with simulator.session("approver1") as session:
        good = session.get(simulator.api_url + "/Workflow/Instances", timeout=10, params={
            "QueryString": 'InitiatingUserName -eq "KEYEXAMPLE\\\\approver2" AND Status -eq "Suspended"'})
        bad = session.get(simulator.api_url + "/Workflow/Instances", timeout=10,
                          params={"QueryString": "Colour -eq red"})
    assert [item["Id"] for item in good.json()] == [default_instance_id(3)]
    assert bad.status_code == 400
    assert "unknown field 'Colour'" in bad.json()["Message"]
    assert "InitiatingUserName" in bad.json()["Message"]
