from flask import render_template
from sqlalchemy import func, select

from ...extensions import db
from ...models import Shop, Street
from . import bp


def current_street() -> Street | None:
    """The street the public site shows: the first one (a city deployment lists them on /streets)."""
    return db.session.scalar(select(Street).order_by(Street.id).limit(1))


@bp.route("/")
def index():
    street = current_street()
    shops = []
    if street is not None:
        shops = db.session.scalars(
            select(Shop).where(Shop.street_id == street.id, Shop.status == "active").order_by(Shop.house_number, Shop.id)
        ).all()
    return render_template("public/index.html", street=street, shops=shops)
