"""`rbac-api keys ...`: signing keys for RS256, ES256 and EdDSA tokens."""

from __future__ import annotations

from pathlib import Path

import click

from rbac_api.cli.env import fail
from rbac_api.cli.help import example


@click.group()
def keys() -> None:
    """Signing keys for asymmetric tokens (HS256 with RBAC_SECRET_KEY needs none)."""


@keys.command(
    epilog=example(
        "rbac-api keys generate --algorithm ES256",
        "RBAC_ALGORITHM=ES256 RBAC_SIGNING_KEY_FILE=var/keys/signing.pem rbac-api serve",
    )
)
@click.option(
    "--algorithm",
    type=click.Choice(["RS256", "ES256", "EdDSA"]),
    default="ES256",
    show_default=True,
    help="RS256 (RSA 3072), ES256 (P-256) or EdDSA (Ed25519).",
)
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/keys"),
    show_default=True,
    metavar="DIR",
    help="Where to write NAME.pem (private, mode 0600) and NAME.pub.pem.",
)
@click.option("--name", default="signing", show_default=True, metavar="NAME", help="File name stem.")
def generate(algorithm: str, directory: Path, name: str) -> None:
    """Write a new key pair; an existing private key is never overwritten."""
    from rbac_api.core.keys import generate_key_pair, thumbprint, verification_key

    try:
        private, public = generate_key_pair(algorithm, directory, name)
    except FileExistsError:
        fail(
            f"{directory / (name + '.pem')} exists; choose another --name (a key may be signing live tokens)"
        )
    kid = thumbprint(verification_key(public))
    click.echo(f"wrote {private} (private, 0600) and {public}; kid {kid}")
    click.echo(f"use: RBAC_ALGORITHM={algorithm} RBAC_SIGNING_KEY_FILE={private}")
