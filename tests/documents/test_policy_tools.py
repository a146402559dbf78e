"""The policy tools know the resource types the code decides on: code deciding on a type the policy does not
declare is refused by `rbac-api policy check --app` and at start-up, naming the route or field and the type.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, ClassVar

import pytest
import strawberry
from fastapi import APIRouter, Depends

from rbac_api import AppCheckError, HasScopesOn, ObjectGuard, create_app
from rbac_api.graphql import IsAuthenticated, RbacSchema
from rbac_api.graphql.schema import Mutation, Query
from rbac_api.policy.targets import code_location
from rbac_api.rest import documents as rest_documents
from rbac_api.runtime import Rbac
from tests.cli.test_cli import run
from tests.conftest import POLICY_DIR, make_settings


class Invoice:
    def attributes(self) -> dict[str, object]:
        return {}


async def load_invoice(rbac: Rbac, raw: str) -> Invoice | None:
    return None


invoices = APIRouter()
InvoiceToPay = Annotated[Invoice, Depends(ObjectGuard("invoice", "documents:write", load=load_invoice))]


@invoices.post("/invoices/{invoice_id}/pay")
async def pay(invoice: InvoiceToPay) -> None: ...


LINE_OF_PAY = pay.__code__.co_firstlineno  # the decorator's line


@strawberry.type
class Receipt:
    rbac_resource: ClassVar[str] = "receipt"

    @strawberry.field(permission_classes=[HasScopesOn("documents:read")])
    def total(self) -> int:
        return 0


@strawberry.type
class Unnamed:
    @strawberry.field(permission_classes=[HasScopesOn("documents:read")])
    def total(self) -> int:
        return 0


@strawberry.type
class ReceiptsQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    def receipt(self) -> Receipt:
        return Receipt()

    @strawberry.field(permission_classes=[IsAuthenticated])
    def unnamed(self) -> Unnamed:
        return Unnamed()


def without_resources(tmp_path: Path) -> Path:
    """The shipped policy with no resource types or rules (objects.yaml left out)."""
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests", "objects.yaml"))
    return directory


def test_policy_check_app_names_each_route_and_field_deciding_on_an_undeclared_type(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "check", str(without_resources(tmp_path)), "--app")
    assert result.returncode == 1
    fix = "decides on resource type 'document', which the policy does not declare: add it under 'resources:'"
    lines = result.stdout.splitlines()
    for name, code in (
        ("GET /documents", rest_documents.list_documents),
        ("PATCH /documents/{document_id}", rest_documents.update_document),
        ("Query.documents", Query.documents),
        ("Mutation.deleteDocument", Mutation.delete_document),
    ):
        expected = f"{code_location(code)}: {name} {fix}"
        assert any(line.startswith(expected) for line in lines), (expected, result.stdout)


def test_an_app_route_guarding_an_undeclared_type_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(AppCheckError) as caught:
        create_app(make_settings(tmp_path), routers=[invoices])
    assert [str(p) for p in caught.value.problems] == [
        f"tests/documents/test_policy_tools.py:{LINE_OF_PAY}: POST /invoices/{{invoice_id}}/pay decides on "
        "resource type 'invoice', which the policy does not declare: add it under 'resources:' or fix the "
        "spelling in the code"
    ]


def test_app_fields_deciding_on_an_undeclared_or_unnamed_type_stop_start_up(tmp_path: Path) -> None:
    with pytest.raises(AppCheckError) as caught:
        create_app(make_settings(tmp_path), graphql_schema=RbacSchema(query=ReceiptsQuery))
    messages = sorted(str(p).partition(": ")[2] for p in caught.value.problems)
    assert messages == [
        "Receipt.total decides on resource type 'receipt', which the policy does not declare: add it under "
        "'resources:' or fix the spelling in the code",
        "Unnamed.total decides on an object without naming its resource type: give the object's type an "
        "`rbac_resource` attribute, or pass resource= to the check",
    ]
