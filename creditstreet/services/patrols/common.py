"""What every patrol use case shares: the checklist's labels, the staff and open-shop guards (SPEC P1–P4)."""
from __future__ import annotations

from ...domain.i18n import Msg, N_
from ...domain.errors import ValidationError
from ...models import Shop, User

#: The P1 checklist with Chinese labels, in form order.
CHECKLIST_LABELS = {
    "licence": N_("主体资格有效、亮证经营"),
    "ledger": N_("进销货台帐、进货索票"),
    "advertising": N_("无虚假宣传"),
    "counterfeit": N_("无假冒伪劣商品"),
    "prices": N_("明码标价"),
    "cards": N_("信誉卡随货同行"),
}
RESULT_LABELS = {"pass": N_("合格"), "fail": N_("不合格"), "na": N_("未检查")}  # nosec B105  # checklist result labels
KIND_LABELS = {
    "counterfeit": N_("假冒伪劣商品"),
    "false_advertising": N_("虚假宣传"),
    "price_fraud": N_("价格欺诈"),
    "no_licence": N_("无照或未亮证经营"),
    "no_ledger": N_("未建台帐或未索票"),
    "other": N_("其他"),
}
SEVERITY_LABELS = {"general": N_("一般"), "serious": N_("严重")}
TRADE_LABELS = {"clothing": N_("服装"), "cosmetics": N_("化妆品"), "appliances": N_("家电"), "shoes": N_("鞋类")}
#: The violation kind a failed checklist item suggests (SPEC P2).
KIND_FOR_ITEM = {
    "counterfeit": "counterfeit",
    "advertising": "false_advertising",
    "prices": "price_fraud",
    "licence": "no_licence",
    "ledger": "no_ledger",
    "cards": "other",
}
MAX_NOTE = 2000


def _require_staff(actor: User | None) -> None:
    if actor is None or actor.role not in ("inspector", "admin"):
        raise ValidationError("只有巡查员或管理员可以进行此操作", code="not_inspector")


def _require_active_shop(shop: Shop | None) -> Shop:
    if shop is None:
        raise ValidationError("请选择商户", code="no_shop")
    if shop.status != "active":
        raise ValidationError(Msg(N_("商户“%(shop)s”已歇业，不能登记"), shop=shop.name), code="shop_closed")
    return shop
