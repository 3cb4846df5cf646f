"""Flask commands; each calls the same services the screens use, then commits."""
import os

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


backup_cli = AppGroup("backup", help="数据库备份与恢复 (backups)")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_create_command(path):
    """Write a consistent copy of the database: flask backup create [PATH]."""
    from flask import current_app

    from .services import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    path = path or backup.default_path(os.path.join(current_app.instance_path, "backups"), url,
                                       tz=current_app.config.get("STREET_TIMEZONE"))
    try:
        written = backup.create_backup(url, path, engine=db.engine)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"已备份到 {written}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="确认覆盖目标数据库中的现有数据")
def backup_restore_command(path, yes):
    """Load a backup into the configured database: flask backup restore PATH [--yes]."""
    from flask import current_app

    from .services import backup

    db.session.remove()
    try:
        counts = backup.restore_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path,
                                       overwrite=yes, engine=db.engine)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"已从 {path} 恢复：{len(counts)} 张表，共 {sum(counts.values())} 行")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    from .demo.cli import demo_cli, shops_cli

    app.cli.add_command(shops_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_cli)
    from .cli_grades import grades_cli, scheduler_cli

    app.cli.add_command(grades_cli)
    app.cli.add_command(scheduler_cli)
    from .cli_plan import plan_cli

    app.cli.add_command(plan_cli)
