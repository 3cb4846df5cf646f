"""``flask grades recompute`` and ``flask scheduler run`` (SPEC G1–G4; CASES K-01..K-03)."""
import click
from flask import current_app
from flask.cli import AppGroup

from .domain.errors import DomainError
from .extensions import db

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
