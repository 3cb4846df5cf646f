"""What every patrol use case shares: the checklist's labels, the staff and open-shop guards (SPEC P1–P4)."""
from __future__ import annotations

from ...domain.errors import ValidationError
from ...models import Shop, User

#: The P1 checklist with Chinese labels, in form order.
CHECKLIST_LABELS = {
    "licence": "主体资格有效、亮证经营",
    "ledger": "进销货台帐、进货索票",
    "advertising": "无虚假宣传",
    "counterfeit": "无假冒伪劣商品",
    "prices": "明码标价",
    "cards": "信誉卡随货同行",
}
RESULT_LABELS = {"pass": "合格", "fail": "不合格", "na": "未检查"}  # nosec B105  # checklist result labels
KIND_LABELS = {
    "counterfeit": "假冒伪劣商品",
    "false_advertising": "虚假宣传",
    "price_fraud": "价格欺诈",
    "no_licence": "无照或未亮证经营",
    "no_ledger": "未建台帐或未索票",
    "other": "其他",
}
SEVERITY_LABELS = {"general": "一般", "serious": "严重"}
TRADE_LABELS = {"clothing": "服装", "cosmetics": "化妆品", "appliances": "家电", "shoes": "鞋类"}
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
        raise ValidationError(f"商户“{shop.name}”已歇业，不能登记", code="shop_closed")
    return shop
