"""Organizations through real HTTP on the app: the shipped policy plus an `org-manager` role, and helpers
named for what they do (an organization, a member, the caller's headers)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rbac_api.core.errors import NotFound
from rbac_api.runtime import Rbac
from rbac_api.settings import Settings
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import POLICY_DIR, bearer, make_settings

#: A role for managing an organization's members that holds few scopes itself: it may give `reader` (whose
#: scopes it holds) but not `editor` (documents:write).
ORG_MANAGER_ROLE = """
roles:
  org-manager:
    description: Manages an organization's members; reads documents
    inherits: [reader]
    scopes: [members:assign]
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "zz-org-manager.yaml").write_text(ORG_MANAGER_ROLE)
    return make_settings(tmp_path, policy_dir=policy_dir)


@pytest.fixture
def admin(admin_token: str) -> dict[str, str]:
    """The administrator's headers: global orgs:read, orgs:write and members:assign."""
    return bearer(admin_token)


@pytest.fixture
def make_org(rbac: Rbac) -> Callable[[str], int]:
    """Create an organization straight in the store, returning its id."""
    return lambda name: rbac.organizations.create(name=name).id


@pytest.fixture
def give(rbac: Rbac, make_user: Callable[..., int]) -> Callable[..., int]:
    """`give("bob", "acme", "editor", ...)`: bob holds exactly these roles in acme (made a user when new);
    straight in the store, as the operator, and applied to bob's next request. Returns bob's id."""

    def set_roles(username: str, organization: str, *roles: str) -> int:
        try:
            user_id = rbac.users.id_of(username)
        except NotFound:
            user_id = make_user(username)
        org = rbac.organizations.get(organization)
        rbac.organizations.replace_roles(
            organization_id=org.id, user_id=user_id, roles=roles, rules=ChangeRules()
        )
        rbac.user_changed(user_id)
        return user_id

    return set_roles
