"""Flask commands; each calls the same services the screens use, then commits."""
import click
from flask import Flask
from flask.cli import AppGroup

from .domain.errors import DomainError
from .extensions import db

users_cli = AppGroup("users", help="账号管理 (accounts)")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["inspector", "supervisor", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
def create_user_command(username, role, password, display_name):
    """Create an account: flask users create NAME --role admin."""
    from .services import accounts

    try:
        user = accounts.create_user(None, username, password, role, display_name)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{user.role}）")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
