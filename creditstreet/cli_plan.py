"""flask plan draw / verify: the quarter's double-random patrol plan (SPEC G5) from the command line."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from .domain.errors import DomainError
from .extensions import db

plan_cli = AppGroup("plan", help="巡查计划（双随机）")


def _street(name):
    from .models import Street

    stmt = select(Street).order_by(Street.id).limit(1)
    street = db.session.scalar(stmt.where(Street.name == name) if name else stmt)
    if street is None:
        raise click.ClickException("没有找到商业街")
    return street


@plan_cli.command("draw")
@click.option("--quarter", required=True, help="如 2026Q3")
@click.option("--street", "street_name", default=None)
@click.option("--seed", type=int, default=None, help="默认随机生成并记录")
def draw_command(quarter, street_name, seed):
    """Draw and store a quarter's patrol plan: flask plan draw --quarter 2026Q3."""
    from .models import User
    from .services import patrol_plan

    street = _street(street_name)
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    try:
        plan = patrol_plan.create_plan(admin, street, quarter, seed)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"{street.name} {plan.quarter} 巡查计划：种子 {plan.seed}，{len(patrol_plan.rerun_plan(plan))} 户")


@plan_cli.command("verify")
@click.option("--quarter", required=True)
@click.option("--street", "street_name", default=None)
def verify_command(quarter, street_name):
    """Re-run a stored plan from its seed and inputs and compare: flask plan verify --quarter 2026Q3."""
    from .services import patrol_plan

    try:
        plan = patrol_plan.plan_for(_street(street_name), quarter)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    if plan is None:
        raise click.ClickException(f"{quarter} 尚无巡查计划")
    diffs = patrol_plan.verify_plan(plan)
    if diffs:
        raise click.ClickException("重新抽取结果与记录不一致：\n" + "\n".join(diffs))
    click.echo(f"{plan.quarter} 巡查计划可由种子 {plan.seed} 重现，结果一致")
