"""Fifty changes to one member's roles at once: each is a whole replacement, and what is left is exactly one
of the sets asked for, stored once; fifty removals of one membership make one change.

As every race, against a server with one worker and one with two, on SQLite and (in the suite's PostgreSQL
mode) on PostgreSQL.
"""

from __future__ import annotations

from itertools import combinations

import httpx

from tests.concurrency.racing import RACERS, bodies, count_rows, race, statuses
from tests.conftest import PASSWORD
from tests.servers import Server

ROLES = ("user", "reader", "editor", "auditor")
#: Every non-empty set of the four roles: fifteen different answers to one question, asked fifty times.
ROLE_SETS = [sorted(chosen) for size in range(1, 5) for chosen in combinations(ROLES, size)]


def member_of_new_organization(server: Server, admin: dict[str, str], org: str, username: str) -> int:
    created = httpx.post(server.url + "/orgs", json={"name": org}, headers=admin)
    assert created.status_code == 201, created.text
    user = httpx.post(server.url + "/users", json={"username": username, "password": PASSWORD}, headers=admin)
    assert user.status_code == 201, user.text
    user_id: int = user.json()["id"]
    return user_id


def test_fifty_replacements_of_one_members_roles_leave_exactly_one_of_the_sets_asked_for(
    server: Server, admin: dict[str, str]
) -> None:
    user_id = member_of_new_organization(server, admin, "race", "mara")
    calls = iter(range(RACERS))

    def replace(client: httpx.Client) -> httpx.Response:
        roles = ROLE_SETS[next(calls) % len(ROLE_SETS)]
        return client.put("/orgs/race/members/mara", json={"roles": roles}, headers=admin)

    responses = race(server, replace)
    assert statuses(responses) == {200: RACERS}, server.log()[-3000:]
    assert {tuple(body["roles"]) for body in bodies(responses, 200)} == {tuple(s) for s in ROLE_SETS}
    final = httpx.get(server.url + "/orgs/race/members", headers=admin).json()["items"]
    assert [member["username"] for member in final] == ["mara"]
    assert final[0]["roles"] in ROLE_SETS
    rows = "SELECT count(*) FROM memberships WHERE user_id = :id"
    assert count_rows(server, rows, id=user_id) == len(final[0]["roles"])


def test_fifty_removals_of_one_membership_make_one_change_and_forty_nine_not_found(
    server: Server, admin: dict[str, str]
) -> None:
    user_id = member_of_new_organization(server, admin, "gone", "remy")
    put = httpx.put(server.url + "/orgs/gone/members/remy", json={"roles": ["reader", "user"]}, headers=admin)
    assert put.status_code == 200, put.text
    responses = race(server, lambda client: client.delete("/orgs/gone/members/remy", headers=admin))
    assert statuses(responses) == {204: 1, 404: RACERS - 1}, server.log()[-3000:]
    assert {body["detail"] for body in bodies(responses, 404)} == {
        "user 'remy' is not a member of organization 'gone'"
    }
    assert count_rows(server, "SELECT count(*) FROM memberships WHERE user_id = :id", id=user_id) == 0
