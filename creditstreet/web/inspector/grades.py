"""Inspector: a shop's credit grade with its reasons and what would restore A (SPEC G3–G4)."""
from flask import render_template

from ...domain.grades import GRADE_LABELS
from ...domain.stars import CRITERIA_LABELS
from ...models import Shop, utcnow
from ...services import grading
from ..scope import get_or_404
from . import bp


@bp.route("/shops/<int:shop_id>/grade")
def shop_grade(shop_id: int):
    shop = get_or_404(Shop, shop_id)  # of the inspector's street only (issue 13 item 11)
    history = grading.shop_grade_history(shop.id)
    official = history[0] if history else None
    live = grading.grade_preview(shop, utcnow()) if shop.status == "active" else None
    tz = shop.street.timezone if shop.street else "Asia/Shanghai"
    kind = {g.id: grading.official_label(g, tz) for g in history}  # 正式 / 临时（按需） (SPEC G1)
    return render_template("inspector/grade.html", shop=shop, official=official, history=history, live=live,
                           kind=kind,
                           labels=GRADE_LABELS, criteria=CRITERIA_LABELS,
                           restore=grading.restore_text(official) if official else None,
                           live_restore=grading.restore_text(live.grade) if live else None)
