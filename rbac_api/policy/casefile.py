"""Policy tests: YAML cases under `<policy dir>/tests/` saying who may (not) do what, run against a policy.

```yaml
users:                        # optional: named users and their roles
  rita: [reader]
cases:
  - name: a reader lists documents
    principal: {user: rita}            # or {roles: [...]}, {user: x, roles: [...]}, or anonymous
    request: {route: GET /documents}   # or {scopes: [...]}, or {field: User.email}
    expect: allow                      # or deny
  - name: an editor in acme edits acme's drafts
    principal: {roles: [user], id: 7, memberships: {acme: [editor]}}
    request: {scopes: [documents:write], resource: {type: document, org: acme, owner_id: 3, status: draft}}
    expect: allow
```
With `resource`, each scope is decided on that object as the service decides on a stored one: global roles,
the principal's roles in the object's organization (`memberships`), and object rules (`id` is `principal.id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from yaml import YAMLError

from rbac_api.core.principal import Principal
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.located import Builder, YamlMap, YamlSeq, compose
from rbac_api.policy.model import Location, Policy
from rbac_api.policy.parse import yaml_problem
from rbac_api.policy.problems import Problem
from rbac_api.policy.targets import Target, Verdict, decide, find_target, principal_with

RequestKind = Literal["scopes", "route", "field"]
_EXPECT = ("allow", "deny")
_NO_MEMBERSHIPS: Mapping[str, frozenset[str]] = {}


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    location: Location
    #: None for an anonymous caller.
    roles: frozenset[str] | None
    user: str | None
    kind: RequestKind
    #: The scopes asked for, or the one route or field.
    request: tuple[str, ...]
    expect: Literal["allow", "deny"]
    #: Organization -> roles the principal holds there.
    memberships: Mapping[str, frozenset[str]] = field(default_factory=dict)
    subject: str = "0"
    #: For a `scopes` request on one object: its type and attributes.
    resource: tuple[str, Mapping[str, object]] | None = None

    def who(self) -> str:
        if self.roles is None:
            return "anonymous"
        roles = ", ".join(sorted(self.roles)) or "no roles"
        return f"{self.user} ({roles})" if self.user else f"roles {roles}"


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    verdict: Verdict
    #: Why the case could not be decided (an unknown role, scope, route or field); it then fails.
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.verdict.allowed == (self.case.expect == "allow")

    def explain(self) -> str:
        """One line: why a failed case failed."""
        if self.error is not None:
            return f"{self.case.name}: {self.error}"
        got = "allow" if self.verdict.allowed else "deny"
        why = f" ({'; '.join(self.verdict.reasons)})" if self.verdict.reasons else ""
        return f"{self.case.name}: expected {self.case.expect}, got {got}{why}"


def case_files(directory: Path) -> list[Path]:
    tests = directory / "tests"
    return sorted(p for p in tests.iterdir() if p.suffix in (".yaml", ".yml")) if tests.is_dir() else []


def read_cases(path: Path) -> tuple[list[Case], list[Problem]]:
    """The cases of one file, and a problem (file:line) for each malformed one."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], [Problem(Location(shown, 1), f"cannot read test cases: {error}")]
    try:
        node = compose(text)
        document = Builder().build(node) if node is not None else None
    except YAMLError as error:
        return [], [yaml_problem(shown, error, text)]
    reader = _CaseReader(shown)
    return reader.read(document), reader.problems


def run_case(case: Case, policy: Policy, targets: Iterable[Target]) -> Outcome:
    """Decide the case the way the service would under `policy`."""
    unknown = sorted((case.roles or frozenset()) - set(policy.roles))
    if unknown:
        return Outcome(case, Verdict(False), f"unknown role(s) {', '.join(unknown)} in the policy")
    principal = principal_with(
        case.roles, policy, username=case.user or "", subject=case.subject, memberships=case.memberships
    )
    if case.kind == "scopes":
        unknown = sorted(set(case.request) - set(policy.scopes))
        if unknown:
            return Outcome(case, Verdict(False), f"unknown scope(s) {', '.join(unknown)} in the policy")
        if case.resource is not None:
            return _on_object(case, policy, principal)
        missing = frozenset(case.request) - principal.scopes
        reasons = (f"missing scopes {', '.join(sorted(missing))}",) if missing else ()
        return Outcome(case, Verdict(not missing, reasons))
    (request,) = case.request
    target = find_target([t for t in targets if t.kind == case.kind], request)
    if target is None:
        return Outcome(case, Verdict(False), f"no {case.kind} {request!r} in this service")
    return Outcome(case, decide(target, principal, policy))


def _on_object(case: Case, policy: Policy, principal: Principal) -> Outcome:
    assert case.resource is not None
    kind, attributes = case.resource
    if kind not in policy.resources:
        return Outcome(case, Verdict(False), f"unknown resource type {kind!r} in the policy")
    engine = PolicyEngine(policy)
    denied = [s for s in case.request if not engine.decide_on(principal, s, kind, attributes)]
    reasons = (f"not granted on the {kind}: {', '.join(denied)}",) if denied else ()
    return Outcome(case, Verdict(not denied, reasons))


class _CaseReader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def _report(self, line: int, message: str) -> None:
        self.problems.append(Problem(Location(self.path, line), message))

    def read(self, document: Any) -> list[Case]:
        if not isinstance(document, YamlMap) or not isinstance(document.get("cases"), YamlSeq):
            self._report(1, "expected a mapping with a 'cases:' list (and optionally 'users:')")
            return []
        users = self._users(document.get("users"), document.key_line("users"))
        cases = document["cases"]
        found = (self._case(item, cases.item_line(i), users) for i, item in enumerate(cases))
        return [case for case in found if case is not None]

    def _users(self, value: Any, line: int) -> Mapping[str, frozenset[str]]:
        if value is None:
            return {}
        if isinstance(value, YamlMap) and all(isinstance(v, YamlSeq) for v in value.values()):
            return {str(name): frozenset(map(str, roles)) for name, roles in value.items()}
        self._report(line, "'users' must map each user name to a list of roles, such as 'rita: [reader]'")
        return {}

    def _case(self, item: Any, line: int, users: Mapping[str, frozenset[str]]) -> Case | None:
        if not isinstance(item, YamlMap):
            self._report(line, "a case must be a mapping with principal, request and expect")
            return None
        before = len(self.problems)
        name = str(item.get("name") or f"case at line {line}")
        user, roles = self._principal(item.get("principal"), item.key_line("principal"), users)
        extra = self._principal_extras(item.get("principal"), item.key_line("principal"))
        kind, request, resource = self._request(item.get("request"), item.key_line("request"))
        expect = item.get("expect")
        if expect not in _EXPECT:
            self._report(item.key_line("expect"), f"'{name}': expect must be allow or deny; found {expect!r}")
        if len(self.problems) > before or kind is None:
            return None
        return Case(
            name,
            Location(self.path, line),
            roles,
            user,
            kind,
            request,
            "allow" if expect == "allow" else "deny",
            extra[0],
            extra[1],
            resource,
        )

    def _principal_extras(self, value: Any, line: int) -> tuple[Mapping[str, frozenset[str]], str]:
        """`memberships: {org: [roles]}` and `id: 7` (what `principal.id` reads in rules)."""
        if not isinstance(value, YamlMap):
            return _NO_MEMBERSHIPS, "0"
        found = value.get("memberships") or {}
        if not (isinstance(found, YamlMap | dict) and all(isinstance(v, YamlSeq) for v in found.values())):
            self._report(line, "memberships must map each organization to a list of roles: {acme: [editor]}")
            found = {}
        ident = value.get("id", 0)
        if not isinstance(ident, int) or isinstance(ident, bool):
            self._report(line, f"principal id must be a number (what principal.id reads); found {ident!r}")
        return {str(org): frozenset(map(str, roles)) for org, roles in found.items()}, str(ident)

    def _principal(
        self, value: Any, line: int, users: Mapping[str, frozenset[str]]
    ) -> tuple[str | None, frozenset[str] | None]:
        if value == "anonymous":
            return None, None
        if isinstance(value, YamlMap):
            user = value.get("user")
            roles = value.get("roles")
            if isinstance(roles, YamlSeq):
                return (str(user) if user else None), frozenset(map(str, roles))
            if user is not None and roles is None and str(user) in users:
                return str(user), users[str(user)]
            if user is not None and roles is None:
                self._report(line, f"user '{user}' is not under 'users:' in this file; add it or give roles")
                return None, None
        self._report(line, "principal must be anonymous, {roles: [...]}, or {user: name} (roles optional)")
        return None, None

    def _request(
        self, value: Any, line: int
    ) -> tuple[RequestKind | None, tuple[str, ...], tuple[str, Mapping[str, object]] | None]:
        resource = None
        if isinstance(value, YamlMap) and "resource" in value and "scopes" in value:
            resource = self._resource(value["resource"], value.key_line("resource"))
            value = {"scopes": value["scopes"]}
        if isinstance(value, YamlMap | dict) and len(value) == 1:
            ((kind, asked),) = value.items()
            if kind == "scopes" and isinstance(asked, YamlSeq) and asked:
                return "scopes", tuple(map(str, asked)), resource
            if kind in ("route", "field") and isinstance(asked, str) and asked:
                return kind, (asked,), None
        self._report(
            line,
            "request must be one of {scopes: [...]} (with resource: {type: ..., attribute: value} to ask "
            "about one object), {route: 'GET /path'}, {field: Type.field}",
        )
        return None, (), None

    def _resource(self, value: Any, line: int) -> tuple[str, Mapping[str, object]] | None:
        if isinstance(value, YamlMap) and isinstance(value.get("type"), str):
            return value["type"], {str(k): v for k, v in value.items() if k != "type"}
        self._report(line, "resource must be a mapping with 'type' and the object's attributes")
        return None


def run_directory(
    directory: Path, policy: Policy, targets: Iterable[Target]
) -> tuple[list[Outcome], list[Problem]]:
    """Every case under `directory/tests/`, run; and every malformed case as a problem."""
    targets = list(targets)
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    for path in case_files(directory):
        cases, found = read_cases(path)
        problems += found
        outcomes += [run_case(case, policy, targets) for case in cases]
    return outcomes, problems
