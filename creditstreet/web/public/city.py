"""The city page (SPEC Y1): the streets of the deployment with their figures, each linking to its board."""
from flask import render_template, request

from ...domain.promises import yuan
from ...models import utcnow
from ...services import city
from ..urls import street_args
from . import bp


@bp.route("/streets")
def streets():
    page = request.args.get("page", 1, type=int) or 1
    data = city.city_page(utcnow(), page if 0 < page < 10**6 else 1)
    return render_template("public/streets.html", data=data, yuan=yuan, street_args=street_args)
