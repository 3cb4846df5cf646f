"""``flask streets``: the streets of the city, their slugs and the default street (SPEC Y1)."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from .domain.errors import DomainError
from .extensions import db

streets_cli = AppGroup("streets", help="全市各商业街 (streets of the city)")


def _find(name: str):
    from .models import Street

    street = db.session.scalar(select(Street).where((Street.name == name) | (Street.slug == name.lower())))
    if street is None:
        raise click.ClickException(f"没有找到商业街：{name}")
    return street


@streets_cli.command("list")
def list_command():
    """List the streets: slug, name, shops, default."""
    from .services import streets

    for s in streets.all_streets():
        mark = "\t（默认）" if s.is_default else ""
        click.echo(f"{s.slug}\t{s.name}{mark}")


@streets_cli.command("slug")
@click.argument("street")
@click.argument("slug")
def slug_command(street, slug):
    """Set a street's slug: flask streets slug 城关××街 chengguan."""
    from .services import streets

    try:
        s = streets.set_slug(None, _find(street), slug)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"{s.name} 的简称为 {s.slug}：公示页 /s/{s.slug}/")


@streets_cli.command("default")
@click.argument("street")
def default_command(street):
    """Make a street the default one (the short one-street URLs show it)."""
    from .services import streets

    s = streets.set_default(None, _find(street))
    db.session.commit()
    click.echo(f"默认商业街：{s.name}")
