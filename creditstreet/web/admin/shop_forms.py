"""Forms of the admin's shop pages: edit a shop, close it, upload the ledger."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

OWNERSHIP_CHOICES = [("individual", "个体工商户"), ("private", "私营企业"), ("collective", "集体"), ("state", "国有")]


class ShopForm(FlaskForm):
    uscc = StringField("统一社会信用代码", validators=[DataRequired("请填写统一社会信用代码")])
    name = StringField("商户名称", validators=[DataRequired("请填写商户名称")])
    ownership = SelectField("经济性质", choices=OWNERSHIP_CHOICES)
    industry = StringField("行业", validators=[Optional()])
    house_number = StringField("门牌号", validators=[Optional()])
    principal = StringField("负责人", validators=[Optional()])
    phone = StringField("联系电话", validators=[Optional()])
    opened_on = DateField("开业日期", validators=[Optional()])
    licence_expires_on = DateField("营业执照有效期至", validators=[Optional()])
    licence_no_expiry = BooleanField("营业执照长期有效")
    note = TextAreaField("备注", validators=[Optional()])


class CloseShopForm(FlaskForm):
    closed_on = DateField("关闭（注销）日期", validators=[DataRequired("请选择日期")])
    reason = StringField("原因", validators=[Optional()])


class LedgerUploadForm(FlaskForm):
    street_name = StringField("导入到商业街", validators=[DataRequired("请填写商业街名称")])
    ledger = FileField("台账文件（.xlsx 或 .csv）", validators=[
        FileRequired("请选择台账文件"),
        FileAllowed(["xlsx", "csv"], "台账文件只支持 .xlsx 和 .csv 格式（.xls 请在 Excel 中另存为 .xlsx）"),
    ])
    dry_run = BooleanField("试导入：只检查并报告，不写入")
