"""`GET /policy/graph.svg`: the inheritance graph drawn by the service, well-formed, escaped, the same
drawing for the same policy."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from rbac_api.policy import load_policy
from rbac_api.policy.graph import layout, role_graph_svg
from rbac_api.reload import PolicyReloader
from tests.conftest import POLICY_DIR, bearer

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (the service's own drawing: what is under test)


def drawing(client: TestClient, token: str) -> ET.Element:
    response = client.get("/policy/graph.svg", headers=bearer(token))
    assert response.headers["content-type"] == "image/svg+xml"
    return parse(response.text)


def roles_drawn(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-role", ""): g for g in svg.iter(f"{SVG}g") if g.get("class") == "role"}


def test_each_role_is_a_box_and_each_inheritance_an_arrow(client: TestClient, auditor_token: str) -> None:
    svg = drawing(client, auditor_token)
    policy = load_policy(POLICY_DIR)
    assert set(roles_drawn(svg)) == set(policy.roles)
    arrows = {line.findtext(f"{SVG}title") for line in svg.iter(f"{SVG}line")}
    assert arrows == {f"{name} inherits {p}" for name, role in policy.roles.items() for p in role.inherits}


def test_a_roles_tooltip_and_text_give_its_own_and_effective_scopes(
    client: TestClient, auditor_token: str
) -> None:
    editor = roles_drawn(drawing(client, auditor_token))["editor"]
    tooltip = editor.findtext(f"{SVG}title") or ""
    assert "own scopes: documents:write (" in tooltip
    assert "effective scopes (4): documents:read, documents:write, profile:read, profile:write" in tooltip
    texts = [t.text for t in editor.iter(f"{SVG}text")]
    assert texts[0] == "editor"
    assert any(text and text.startswith("documents:write  roles.yaml:") for text in texts)
    assert "= 4 effective scopes" in texts


def test_a_role_is_drawn_below_every_role_it_inherits() -> None:
    policy = load_policy(POLICY_DIR)
    boxes = layout(policy)
    for name, role in policy.roles.items():
        for parent in role.inherits:
            assert boxes[parent].y + boxes[parent].height < boxes[name].y


def test_the_same_policy_gives_the_same_drawing() -> None:
    assert role_graph_svg(load_policy(POLICY_DIR)) == role_graph_svg(load_policy(POLICY_DIR))


def test_markup_in_a_description_is_escaped(
    client: TestClient, auditor_token: str, policy_dir: Path, reloader: PolicyReloader
) -> None:
    hostile = "<script>alert(\"x\")</script> & 'co' ]]>"
    role = f"roles:\n  hostile:\n    description: {json.dumps(hostile)}\n    scopes: [profile:read]\n"
    (policy_dir / "hostile.yaml").write_text(role)
    assert reloader.reload() is True
    response = client.get("/policy/graph.svg", headers=bearer(auditor_token))
    assert "<script" not in response.text
    drawn = roles_drawn(parse(response.text))["hostile"]
    assert hostile in (drawn.findtext(f"{SVG}title") or "")


SHIPPED = load_policy(POLICY_DIR)


# No deadline: a loaded machine (two cores shared with other test runs) must not fail a rule that holds.
@settings(deadline=None)
@given(st.text())
def test_any_description_gives_a_well_formed_drawing(description: str) -> None:
    policy = SHIPPED
    roles = {**policy.roles, "reader": dataclasses.replace(policy.roles["reader"], description=description)}
    svg = parse(role_graph_svg(dataclasses.replace(policy, roles=roles)))
    assert len(roles_drawn(svg)) == len(roles)
