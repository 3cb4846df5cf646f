"""Data-loading commands: ``flask shops import`` and ``flask demo load``; they call services, then commit."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..domain.errors import DomainError
from ..extensions import db

shops_cli = AppGroup("shops", help="商户台账 (shops ledger)")
demo_cli = AppGroup("demo", help="演示数据 (demo street)")

DEFAULT_STREET = "城关××街"


@shops_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--street", "street_name", default=None,
              help="商业街名称；缺省时用唯一已有的街，没有则新建“城关××街”")
@click.option("--dry-run", is_flag=True, help="只检查并报告，不写入数据库")
def import_command(file, street_name, dry_run):
    """Import the shop ledger (.xlsx or .csv in UTF-8/GBK): flask shops import 台账.xlsx."""
    from ..models import Street
    from ..services import shops

    try:
        if street_name is None:
            streets = db.session.scalars(select(Street).order_by(Street.id).limit(2)).all()
            if len(streets) > 1:
                raise click.ClickException("已有多条商业街，请用 --street 指定导入到哪条街")
            street_name = streets[0].name if streets else DEFAULT_STREET
        street, created = shops.get_or_create_street(None, street_name)
        if created:
            click.echo(f"新建商业街：{street.name}")

        def progress(n: int) -> None:
            click.echo(f"已读取 {n} 行……", err=True)

        report = shops.import_ledger(None, street, file, dry_run=dry_run, progress=progress)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for line in report.lines():
        click.echo(line)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="数据库里已有商业街时不加载（仍打印演示账号）")
def load_command(if_empty):
    """Load the demo street: the shipped ledger plus one year of activity; prints the demo logins."""
    from ..models import Street
    from ..services import demo

    has_street = db.session.scalar(select(func.count()).select_from(Street)) > 0
    if if_empty and has_street:
        click.echo("数据库中已有商业街，未加载演示数据。")
    else:
        try:
            summary = demo.load_demo(progress=lambda text: click.echo(text, err=True))
        except DomainError as e:
            db.session.rollback()
            raise click.ClickException(e.message) from None
        db.session.commit()
        for line in summary:
            click.echo(line)
    for line in demo.login_lines():
        click.echo(line)
