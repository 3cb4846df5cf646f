"""Forms of the admin's shop pages: edit a shop, close it, upload the ledger."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

OWNERSHIP_CHOICES = [("individual", _l("个体工商户")), ("private", _l("私营企业")), ("collective", _l("集体")), ("state", _l("国有"))]


class ShopForm(FlaskForm):
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(_l("请填写统一社会信用代码"))])
    name = StringField(_l("商户名称"), validators=[DataRequired(_l("请填写商户名称"))])
    ownership = SelectField(_l("经济性质"), choices=OWNERSHIP_CHOICES)
    industry = StringField(_l("行业"), validators=[Optional()])
    house_number = StringField(_l("门牌号"), validators=[Optional()])
    principal = StringField(_l("负责人"), validators=[Optional()])
    phone = StringField(_l("联系电话"), validators=[Optional()])
    opened_on = DateField(_l("开业日期"), validators=[Optional()])
    licence_expires_on = DateField(_l("营业执照有效期至"), validators=[Optional()])
    licence_no_expiry = BooleanField(_l("营业执照长期有效"))
    note = TextAreaField(_l("备注"), validators=[Optional()])


class CloseShopForm(FlaskForm):
    closed_on = DateField(_l("关闭（注销）日期"), validators=[DataRequired(_l("请选择日期"))])
    reason = StringField(_l("原因"), validators=[Optional()])


class LedgerUploadForm(FlaskForm):
    street_name = StringField(_l("导入到商业街"), validators=[DataRequired(_l("请填写商业街名称"))])
    ledger = FileField(_l("台账文件（.xlsx 或 .csv）"), validators=[
        FileRequired(_l("请选择台账文件")),
        FileAllowed(["xlsx", "csv"], _l("台账文件只支持 .xlsx 和 .csv 格式（.xls 请在 Excel 中另存为 .xlsx）")),
    ])
    dry_run = BooleanField(_l("试导入：只检查并报告，不写入"))
