"""The role inheritance graph as an SVG drawing: roles as boxes, `inherits` as arrows, each role's grants.

The layout is computed here, deterministically, so the same policy always gives the same picture: roles
in layers by inheritance depth (roles inheriting nothing on top, each role one layer below its deepest
parent), in each layer ordered by where their parents stand, then in policy order. Every text is escaped;
only presentation attributes are used (no `style`), so a page with a strict Content-Security-Policy can
show the drawing inline.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import PurePath

from rbac_api.policy.model import Policy, RoleDef

CHAR_WIDTH = 7.3  # a 12px monospace font's advance, rounded up
LINE_HEIGHT = 16
PADDING = 10
H_GAP, V_GAP, MARGIN = 32, 56, 20
#: Inherited scopes are listed in lines of at most this many characters.
WRAP = 44


@dataclass(frozen=True, slots=True)
class Box:
    role: RoleDef
    lines: tuple[str, ...]
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2


def role_graph_svg(policy: Policy) -> str:
    """The whole drawing as an SVG document."""
    boxes = layout(policy)
    width = max((b.x + b.width for b in boxes.values()), default=0) + MARGIN
    height = max((b.y + b.height for b in boxes.values()), default=0) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(f"Role inheritance of policy {policy.version}")}" '
        'font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">',
        f"<title>{escape(f'Role inheritance of policy {policy.version}')}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#475569"/></marker></defs>',
    ]
    parts += [_arrow(boxes[role], boxes[parent]) for role in boxes for parent in boxes[role].role.inherits]
    parts += [_box(box) for box in boxes.values()]
    return "\n".join([*parts, "</svg>"]) + "\n"


def layout(policy: Policy) -> dict[str, Box]:
    """Every role's box, placed layer by layer."""
    order = {name: i for i, name in enumerate(policy.roles)}
    layers: dict[int, list[str]] = {}
    for name, depth in _depths(policy).items():
        layers.setdefault(depth, []).append(name)
    sizes = {name: _size(_lines(policy.roles[name])) for name in policy.roles}
    widest = max((_row_width([sizes[n][0] for n in row]) for row in layers.values()), default=0.0)
    boxes: dict[str, Box] = {}
    y = float(MARGIN)
    for depth in sorted(layers):
        row = sorted(layers[depth], key=lambda n: (_parents_center(policy, n, boxes), order[n]))
        x = MARGIN + (widest - _row_width([sizes[n][0] for n in row])) / 2
        for name in row:
            width, height = sizes[name]
            boxes[name] = Box(policy.roles[name], _lines(policy.roles[name]), x, y, width, height)
            x += width + H_GAP
        y += max(sizes[n][1] for n in row) + V_GAP
    return dict(sorted(boxes.items(), key=lambda item: order[item[0]]))


def _depths(policy: Policy) -> dict[str, int]:
    """0 for a role inheriting nothing, else one more than its deepest parent, in policy order.

    Iterative, so a long inheritance chain cannot exhaust the recursion limit (a policy has no cycles)."""
    depths: dict[str, int] = {}
    for root in policy.roles:
        stack = [root]
        while stack:
            parents = [p for p in policy.roles[stack[-1]].inherits if p in policy.roles]
            waiting = [p for p in parents if p not in depths]
            if waiting:
                stack += waiting
                continue
            depths[stack.pop()] = 1 + max((depths[p] for p in parents), default=-1)
    return {name: depths[name] for name in policy.roles}


def _parents_center(policy: Policy, name: str, placed: dict[str, Box]) -> float:
    centers = [placed[p].center for p in policy.roles[name].inherits if p in placed]
    return sum(centers) / len(centers) if centers else 0.0


def _lines(role: RoleDef) -> tuple[str, ...]:
    """The role's name, its own grants with `file:line`, and what it inherits, wrapped."""
    grants = [f"{g.pattern}  {PurePath(g.location.file).name}:{g.location.line}" for g in role.grants]
    inherited = sorted(role.effective_scopes - role.scopes)
    lines = [role.name, *grants] if grants else [role.name, "(no own grants)"]
    if inherited:
        lines += _wrap(f"+ inherited ({len(inherited)}): " + ", ".join(inherited))
    return (*lines, f"= {len(role.effective_scopes)} effective scopes")


def _wrap(text: str) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > WRAP:
            lines.append(current)
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def _size(lines: tuple[str, ...]) -> tuple[float, float]:
    return max(len(line) for line in lines) * CHAR_WIDTH + 2 * PADDING, len(lines) * LINE_HEIGHT + PADDING


def _row_width(widths: list[float]) -> float:
    return sum(widths) + H_GAP * (len(widths) - 1)


def _arrow(child: Box, parent: Box) -> str:
    """From the inheriting role up to the role it inherits."""
    return (
        f'<line class="inherits" x1="{child.center:.1f}" y1="{child.y:.1f}" x2="{parent.center:.1f}" '
        f'y2="{parent.y + parent.height:.1f}" stroke="#475569" stroke-width="1.5" marker-end="url(#arrow)">'
        f"<title>{escape(f'{child.role.name} inherits {parent.role.name}')}</title></line>"
    )


def _box(box: Box) -> str:
    role = box.role
    texts = [
        f'<text x="{box.x + PADDING:.1f}" y="{box.y + PADDING + (i + 0.75) * LINE_HEIGHT:.1f}"'
        + (' font-weight="bold" fill="#0f172a"' if i == 0 else ' fill="#334155"')
        + f">{escape(line)}</text>"
        for i, line in enumerate(box.lines)
    ]
    return "\n".join(
        [
            f'<g class="role" id="role-{escape(role.name)}" tabindex="0" data-role="{escape(role.name)}">',
            f"<title>{escape(_tooltip(role))}</title>",
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
            'rx="6" fill="#f8fafc" stroke="#334155" stroke-width="1.5"/>',
            *texts,
            "</g>",
        ]
    )


def _tooltip(role: RoleDef) -> str:
    own = ", ".join(f"{g.pattern} ({g.location})" for g in role.grants) or "none"
    inherits = ", ".join(role.inherits) or "nothing"
    return (
        f"role {role.name}: {role.description} ({role.location})\n"
        f"inherits: {inherits}\n"
        f"own scopes: {own}\n"
        f"effective scopes ({len(role.effective_scopes)}): {', '.join(sorted(role.effective_scopes))}"
    )


#: Characters XML 1.0 cannot carry even escaped (C0 controls but tab and newlines, surrogates, U+FFFE/F).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """`text` as XML text or attribute value: markup escaped, characters XML cannot hold as U+FFFD."""
    return html.escape(_NOT_XML.sub("\ufffd", text), quote=True)
