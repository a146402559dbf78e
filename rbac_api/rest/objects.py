"""Object-level checks for an application's own routes: load the object the path names, decide on it.

```python
async def load_invoice(rbac: Rbac, invoice_id: str) -> Invoice | None: ...

InvoiceToPay = Annotated[
    Invoice, Depends(ObjectGuard("invoice", "invoices:pay", load=load_invoice, read_scope="invoices:read"))
]

@app.post("/invoices/{invoice_id}/pay")
async def pay(invoice: InvoiceToPay) -> ...: ...
```

The same decision as everywhere (`PolicyEngine.decide_on`): a global grant, a role held in the object's
organization, or an object rule. An object the caller may not read is a 404 exactly like a missing one, so
ids reveal nothing; one they may read but not act on is a 403 naming the scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from fastapi import Request

from rbac_api.core.errors import NotFound, PermissionDenied
from rbac_api.core.principal import Principal
from rbac_api.policy.targets import Check
from rbac_api.rest.deps import CurrentPrincipal
from rbac_api.runtime import Rbac

T = TypeVar("T")
Loader = Callable[[Rbac, str], Awaitable[T | None]]


def _attributes_of(found: object) -> Mapping[str, object]:
    method = getattr(found, "rbac_attributes", None) or getattr(found, "attributes", None)
    return method() if callable(method) else vars(found)


class ObjectGuard(Generic[T]):
    """`Depends(ObjectGuard(resource, scope, load=...))`: the object, when the caller may use `scope` on it.

    Args:
        resource: the policy's resource type (`resources:` in the policy files).
        scope: what the route does to the object.
        load: async `(rbac, raw id) -> object | None`; None is a 404.
        read_scope: the scope that makes an object visible (default: `scope`): without it, a 404; with it
            but without `scope`, a 403.
        path_param: the path parameter holding the id (default `id`; the route's own name is used when
            there is exactly one path parameter).
        attributes: `object -> {attribute: value}` for the decision; default the object's
            `rbac_attributes()` or `attributes()` method, else its `__dict__`.
    """

    def __init__(
        self,
        resource: str,
        scope: str,
        *,
        load: Loader[T],
        read_scope: str | None = None,
        path_param: str | None = None,
        attributes: Callable[[T], Mapping[str, object]] = _attributes_of,
    ) -> None:
        self.resource, self.scope, self.read_scope = resource, scope, read_scope or scope
        self._load, self._param, self._attributes = load, path_param, attributes
        #: Read by the policy tools (`policy check --app`, `explain`, `diff`), like `DecidedByUseCase`'s.
        self.rbac_check = Check("object_scopes", frozenset({scope, self.read_scope}), resource)

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> T:
        rbac: Rbac = request.app.state.rbac
        raw = self._raw_id(request)
        found = await self._load(rbac, raw) if raw is not None else None
        if found is None or not self._allows(rbac, principal, self.read_scope, found):
            raise NotFound(f"{self.resource} {raw} not found")
        if self.scope != self.read_scope and not self._allows(rbac, principal, self.scope, found):
            raise PermissionDenied(frozenset({self.scope}), frozenset({self.scope}))
        return found

    def _raw_id(self, request: Request) -> str | None:
        params = request.path_params
        if self._param is not None:
            return params.get(self._param)
        if len(params) == 1:
            return str(next(iter(params.values())))
        return params.get("id")

    def _allows(self, rbac: Rbac, principal: Principal, scope: str, found: T) -> bool:
        return bool(rbac.engine.decide_on(principal, scope, self.resource, self._attributes(found)))
