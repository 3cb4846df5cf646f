"""Messages the UI shows that are not written as ``_()`` calls where they are made.

Service errors (``ValidationError``/``DomainError`` texts), state labels and pause reasons are plain
Chinese strings in domain/ and services/ (which do not import Flask-Babel); the views pass them
through ``gettext`` when they show them. Listing them here with the no-op marker ``N_`` lets
``make i18n`` (pybabel extract, whose default keywords include ``N_``) keep them in the catalogs.
"""


def N_(message: str) -> str:  # noqa: N802 - the marker name pybabel looks for
    return message


MESSAGES = (
    N_("已中止计时"),
    N_("已恢复计时，期限已顺延"),
    N_("待检验检测"),
    N_("待消费者补充材料"),
    N_("待经营者提供材料"),
    N_("年份"),
    N_("通知全文"),
    N_("未能读懂的内容我已逐条核对，确认按上面的日历录入"),
    N_("请粘贴通知全文"),
    N_("通知文字过长"),
    N_("允许中止计时（1=允许，0=不允许）"),
    N_("提醒录入次年节假日安排的起始日（月-日）"),
    N_("按通知标题中的年份"),
    N_("待发送"),
    N_("已送达"),
    N_("发送失败"),
    N_("请填写手机号码或固定电话"),
    N_("手机号码格式不正确，请填写11位手机号码或带区号的固定电话（如0719-8117836）"),
    N_("请选择被投诉的商户（按名称搜索或填写信誉卡编号）；查不到的商户请在下方填写商户名称和门牌号"),
    N_("请填写事情经过"),
    N_("购买日期不能晚于今天"),
    N_("金额格式不正确，请填写如 28 或 28.50 的数字（单位：元）"),
    N_("请填写门牌号或具体位置（如“人民路28号门口摊位”），便于工作人员核实"),
    N_("商品类别无效"),
    N_("所选商户不存在，请重新搜索"),
    N_("待处理"),
    N_("异议成立"),
    N_("待决定"),
    N_("已修复"),
    N_("违法违章"),
    N_("不良记录"),
    N_("待商家处理"),
    N_("商家已提出和解方案"),
    N_("已和解"),
    N_("消费者不接受，转市场监管所"),
    N_("商家逾期未和解，转市场监管所"),
    N_("消费者要求市场监管所处理"),
    N_("商家先行和解"),
    N_("转商家先行和解"),
    N_("商家提出和解方案"),
    N_("消费者接受和解"),
    N_("消费者不接受和解，转市场监管所"),
    N_("先行和解逾期，转市场监管所"),
    N_("参训商户（每行一个商户名称）"),
    N_("请记下查询码，凭查询码和投诉时填写的电话号码查询"),
    N_("已改派承办人"),
)
