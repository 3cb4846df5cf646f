"""The OpenAPI 3.1 document of the complaint API, served at /api/openapi.json."""
from ...services.complaints import CODE_ALPHABET, GOODS_CATEGORIES, LIMITS


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document() -> dict:
    """Describe POST /api/complaints, GET /api/track and the error schema (OpenAPI 3.1)."""
    text = lambda key, desc: {"type": "string", "maxLength": LIMITS[key],  # noqa: E731
                              "description": f"{desc}；最多{LIMITS[key]}个字（按 Unicode 码位计，CRLF 计 1）"}
    complaint_in = {
        "type": "object",
        "required": ["description", "consumer_phone"],
        "properties": {
            "kind": {"type": "string", "enum": ["complaint", "report", "inquiry"], "default": "complaint"},
            "carries_report": {"type": "boolean", "default": False, "description": "投诉同时举报（K2）"},
            "shop_id": {"type": ["integer", "string", "null"], "description": "商户编号；投诉必须提供 shop_id 或 card_serial"},
            "card_serial": {"type": ["string", "integer", "null"], "description": "商品质量信誉卡编号"},
            "title": text("title", "标题"),
            "goods": text("goods", "商品或服务"),
            "goods_category": {"type": "string", "enum": ["", *GOODS_CATEGORIES]},
            "amount": {"type": ["string", "null"], "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "金额，单位元，如 \"28.50\""},
            "purchased_on": {"type": ["string", "null"], "format": "date"},
            "description": text("description", "事情经过"),
            "demand": text("demand", "诉求"),
            "consumer_name": text("consumer_name", "姓名，可空"),
            "consumer_phone": {"type": "string", "description": "中国大陆手机号，可带 +86/0086、空格、横线或全角数字"},
        },
    }
    complaint_out = {
        "type": "object",
        "required": ["tracking_code", "kind", "status", "received_at", "consumer_phone"],
        "properties": {
            "tracking_code": {"type": "string", "pattern": f"^TS[{CODE_ALPHABET}]{{10}}$"},
            "kind": {"type": "string"}, "carries_report": {"type": "boolean"},
            "status": {"type": "string", "enum": ["received", "accepted", "refused", "mediating", "closed", "reopened"]},
            "status_label": {"type": "string"}, "shop_name": {"type": ["string", "null"]},
            "received_at": {"type": "string", "format": "date-time"},
            "decide_by": {"type": ["string", "null"], "format": "date"},
            "mediate_by": {"type": ["string", "null"], "format": "date"},
            "refusal_reason": {"type": ["string", "null"]},
            "outcome": {"type": ["string", "null"], "enum": ["agreement", "no_agreement", "withdrawn", "referred", None]},
            "remedies": {"type": "array", "items": {"type": "string"}},
            "money_recovered_yuan": {"type": "string", "description": "挽回经济损失，元，两位小数"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "confirmed": {"type": "boolean"},
            "report_status": {"type": ["string", "null"]},
            "report_decide_by": {"type": ["string", "null"], "format": "date"},
            "deadline_provisional": {"type": "boolean",
                                     "description": "期限暂定：期限落在或跨入尚未录入节假日安排的年份（SPEC §3）"},
            "deadline_note": {"type": ["string", "null"], "description": "暂定或中止计时的一句说明"},
            "paused": {"type": "boolean", "description": "正在中止计时（SPEC K4）"},
            "pauses": {"type": "array", "items": {"type": "object", "properties": {
                "reason": {"type": "string"}, "reason_label": {"type": "string"},
                "paused_on": {"type": "string", "format": "date"},
                "resumed_on": {"type": ["string", "null"], "format": "date"},
                "workdays": {"type": "integer", "description": "不计入期限的工作日数（中止中为0）"}}}},
            "consumer_name": {"type": "string", "description": "已脱敏，如 王**"},
            "consumer_phone": {"type": "string", "description": "已脱敏，如 138****8000"},
            "title": {"type": "string"}, "description": {"type": "string", "description": "文中手机号已脱敏"},
            "track_url": {"type": "string"}, "replayed": {"type": "boolean"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "消费者满意街 12315 投诉接口", "version": "1.0.0",
                 "description": "投诉受理与进度查询。个人信息一律脱敏（SPEC K6）。错误为 JSON，message 为中文，code 稳定。"},
        "servers": [{"url": "/api"}],
        "paths": {
            "/complaints": {"post": {
                "operationId": "createComplaint",
                "summary": "提交投诉、举报或咨询",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "maxLength": 60},
                                "description": "同一键、同一请求内容重复提交返回第一次的结果（200, replayed=true），不会重复登记（K7）；同一键配不同内容视为新的请求"}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ComplaintIn"}}}},
                "responses": {
                    "201": {"description": "已登记", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ComplaintOut"}}}},
                    "200": {"description": "重复提交，返回第一次登记的结果", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ComplaintOut"}}}},
                    "400": _error_response("输入有误（code 如 phone_invalid、too_long、bad_amount、shop_required、bad_json）"),
                    "413": _error_response("请求过大"),
                    "429": _error_response("操作过于频繁"),
                }}},
            "/track": {"post": {
                "operationId": "trackComplaint",
                "summary": "凭查询码和完整手机号查询进度（放在请求体中，不放在网址里）",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code", "phone"], "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string", "maxLength": 20},
                        "phone": {"type": "string", "maxLength": 30,
                                  "description": "投诉时填写的完整手机号（可含空格、横线、+86）"}}}}}},
                "responses": {
                    "200": {"description": "进度", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ComplaintOut"}}}},
                    "400": _error_response("请求内容应为 JSON 对象"),
                    "404": _error_response("未找到（查询码不存在与手机号不符的回答相同）"),
                    "429": _error_response("失败次数过多"),
                }}},
            "/open-data/{name}.{fmt}": {
                "servers": [{"url": "/"}],
                "get": {
                    "operationId": "openData",
                    "summary": "开放数据（SPEC §13 P5）：商户、星级与称号，商户承诺，投诉信息公示（近12个月）",
                    "description": "不含个人信息和内部信用等级。CSV 为 UTF-8（带 BOM），文本单元格防公式注入；"
                                   "JSON 含 licence（许可说明）与 date（数据日期）。不带 street 为全市数据。",
                    "parameters": [
                        {"name": "name", "in": "path", "required": True,
                         "schema": {"type": "string", "enum": ["shops", "commitments", "complaint_figures"]}},
                        {"name": "fmt", "in": "path", "required": True,
                         "schema": {"type": "string", "enum": ["csv", "json"]}},
                        {"name": "street", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1}, "description": "街区编号；省略为全市"},
                    ],
                    "responses": {
                        "200": {"description": "数据文件", "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/json": {"schema": {"type": "object", "required": [
                                "dataset", "date", "licence", "columns", "rows"]}}}},
                        "404": {"description": "没有该数据集或街区"},
                    }}},
        },
        "components": {"schemas": {
            "ComplaintIn": complaint_in,
            "ComplaintOut": complaint_out,
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                               "message": {"type": "string", "description": "中文说明"}}}}},
        }},
    }
