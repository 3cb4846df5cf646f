"""Flask commands; each calls the same services the screens use, then commits.

Groups: users, shops (ledger import), demo, grades, scheduler (the one scheduler process, CASES
K-01..K-03), plan (double-random patrol plan, SPEC G5), backup, complaint-counts and ballot-tallies
(rebuild). A DomainError becomes a Chinese message and exit code 1, with nothing written.
"""
import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .domain.errors import DomainError
from .extensions import db

users_cli = AppGroup("users", help="账号管理 (accounts)")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["inspector", "supervisor", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option("--street", "street_name", default=None,
              help="所属商业街（名称或简称）；不填为全市账号（市级管理员、全市监督员）")
def create_user_command(username, role, password, display_name, street_name):
    """Create an account: flask users create NAME --role admin [--street SLUG] (SPEC Y2)."""
    from .services import accounts

    try:
        street_id = _street(street_name).id if street_name else None
        user = accounts.create_user(None, username, password, role, display_name, street_id=street_id)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{user.role}）")


@users_cli.command("phone")
@click.argument("username")
@click.argument("phone", default="")
def user_phone_command(username, phone):
    """Set (or clear, without PHONE) a staff member's mobile for the overdue SMS digests."""
    from .models import User
    from .services import notify

    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"没有账号 {username}")
    try:
        notify.set_staff_phone(None, user, phone)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"{user.username} 的手机：{user.phone or '（未设置，不发逾期提醒短信）'}")


backup_cli = AppGroup("backup", help="数据库备份与恢复 (backups)")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_create_command(path):
    """Write a consistent copy of the database: flask backup create [PATH]."""
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
    from .services import backup

    db.session.remove()
    try:
        counts = backup.restore_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path,
                                       overwrite=yes, engine=db.engine)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"已从 {path} 恢复：{len(counts)} 张表，共 {sum(counts.values())} 行")


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
    from .models import Street
    from .services import shops

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
    from .models import Street
    from .services import demo

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


grades_cli = AppGroup("grades", help="信用等级 (credit grades)")
scheduler_cli = AppGroup("scheduler", help="调度进程 (the one scheduler process)")


@grades_cli.command("recompute")
@click.option("--quarter", default=None, help="如 2026Q3；默认为上一个已结束的季度")
@click.option("--street", "street_name", default=None, help="商业街名称；默认全部")
def recompute_command(quarter, street_name):
    """Grade every active shop for a quarter: flask grades recompute --quarter 2026Q3."""
    from sqlalchemy import select

    from .domain.time import last_completed_quarter
    from .models import Street
    from .models.types import utcnow
    from .services import grading

    now = utcnow()
    street_id = None
    if street_name:
        street = db.session.scalar(select(Street).where(Street.name == street_name))
        if street is None:
            raise click.ClickException(f"没有名为“{street_name}”的商业街")
        street_id = street.id
    tz = current_app.config.get("STREET_TIMEZONE", "Asia/Shanghai")
    last = [-1]

    def progress(done, total):
        pct = done * 100 // max(total, 1)
        if pct // 10 != last[0]:
            last[0] = pct // 10
            click.echo(f"进度 {done}/{total}（{pct}%）")

    try:
        q = quarter or str(last_completed_quarter(now, tz))
        if grading.is_unfinished(q, now, street_id):
            # an unfinished quarter is a preview only (nothing dated at a quarter end still to come)
            counts = grading.preview(q, now, street_id)
            db.session.rollback()
            click.echo(f"{q} 尚未结束：以下为按当前数据计算的预览，未写入等级和经济户口。"
                       f"A {counts['A']} · B {counts['B']} · C {counts['C']}")
            return
        run = grading.recompute(q, now, street_id=street_id, trigger="cli", progress=progress)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"已完成 {run.quarter} 评级：{run.shops} 家（评级批次 #{run.id}）")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="只补评缺失的季度后退出")
@click.option("--retry", default=30, show_default=True, help="锁被占用时的重试间隔（秒）")
def scheduler_run_command(once, retry):
    """Run the one scheduler process (never inside web workers)."""
    import logging

    from . import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        scheduler.run(current_app._get_current_object(), once=once, retry_seconds=retry, echo=click.echo)
    except scheduler.SchedulerBusy as e:
        raise click.ClickException(str(e)) from None  # exit 1: nothing was done


plan_cli = AppGroup("plan", help="巡查计划（双随机）")


def _street(name):
    """The street named ``name`` (its name or slug); without a name, the only street there is."""
    from .models import Street

    if name:
        street = db.session.scalar(select(Street).where((Street.name == name) | (Street.slug == name.lower())))
    else:
        streets = db.session.scalars(select(Street).limit(2)).all()
        if len(streets) > 1:
            raise click.ClickException("已有多条商业街，请用 --street 指定（名称或简称）")
        street = streets[0] if streets else None
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


counts_cli = AppGroup("complaint-counts", help="投诉统计日/月汇总 (complaint day and month counts, Y3)")


@counts_cli.command("rebuild")
def counts_rebuild_command():
    """Recompute the day and month counts from every complaint (after writes made outside the app)."""
    from .services import complaint_counts

    rows = complaint_counts.rebuild()
    db.session.commit()
    click.echo(f"已重算投诉统计汇总：{rows} 行（按日）")


tallies_cli = AppGroup("ballot-tallies", help="投票汇总 (ballot tallies per shop and quarter, Y3)")


@tallies_cli.command("rebuild")
def tallies_rebuild_command():
    """Recount the ballot tallies from every ballot (after ballots written outside the app)."""
    from .services import ballot_tallies

    tallies, voters = ballot_tallies.rebuild()
    db.session.commit()
    click.echo(f"已重算投票汇总：{tallies} 户·季度，{voters} 名监督员·季度")


def register_commands(app: Flask) -> None:
    from .cli_city import streets_cli

    for group in (users_cli, shops_cli, demo_cli, grades_cli, scheduler_cli, plan_cli, backup_cli, streets_cli,
                  counts_cli, tallies_cli):
        app.cli.add_command(group)
