"""SMS senders behind one interface (issue 17): a console sender for development and Tencent Cloud
SMS (SendSms, API 2021-01-11, signed with TC3-HMAC-SHA256) for production.

``send(phone, template, params, body) -> SendResult``: ``template`` is our key (e.g.
``complaint_accepted``), mapped to the provider's template id by configuration; ``params`` are the
template's parameters in order; ``body`` is the same text in full, for the console and the admin page.
A sender never raises for a delivery problem: it returns ``SendResult(ok=False, error=…,
permanent=…)`` so the outbox can retry (temporary) or give up (permanent).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False  # True: retrying cannot help (bad number, bad template, auth)


class Sender(Protocol):
    def send(self, phone: str, template: str, params: list[str], body: str) -> SendResult: ...


class ConsoleSender:
    """Development: writes each message to the log (and keeps the last ones in ``sent``)."""

    def __init__(self):
        self.sent: list[tuple[str, str, list[str], str]] = []

    def send(self, phone: str, template: str, params: list[str], body: str) -> SendResult:
        self.sent.append((phone, template, list(params), body))
        log.info("短信（控制台，未真正发送）→ %s [%s] %s", phone, template, body)
        return SendResult(True, provider_id=f"console-{len(self.sent)}")


# --- Tencent Cloud SMS -----------------------------------------------------------------------------

TENCENT_VERSION = "2021-01-11"
TENCENT_SERVICE = "sms"
#: Error codes that retrying cannot fix (auth, parameters, templates, numbers, balance).
_PERMANENT_PREFIXES = ("AuthFailure", "InvalidParameter", "MissingParameter", "UnauthorizedOperation",
                       "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved",
                       "FailedOperation.PhoneNumberInBlacklist", "FailedOperation.InsufficientBalanceInSmsPackage",
                       "UnsupportedOperation", "InvalidParameterValue")


def tc3_authorization(secret_id: str, secret_key: str, host: str, action: str, payload: str,
                      timestamp: int, service: str = TENCENT_SERVICE) -> str:
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST (TC3-HMAC-SHA256).

    Canonical request: POST, path "/", no query, signed headers content-type;host;x-tc-action, the
    SHA-256 of the JSON payload; the credential scope is <UTC date>/<service>/tc3_request.
    """
    day = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:{action.lower()}\n"
    signed_headers = "content-type;host;x-tc-action"
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed_headers,
                           hashlib.sha256(payload.encode("utf-8")).hexdigest()])
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, "
            f"Signature={signature}")


class TencentSmsSender:
    """Tencent Cloud SMS ``SendSms``: one phone per request, template id and parameters.

    ``templates`` maps our template keys to the provider's approved template ids. ``endpoint`` is
    ``https://sms.tencentcloudapi.com`` in production (a local stand-in server in the tests).
    """

    def __init__(self, *, secret_id: str, secret_key: str, sdk_app_id: str, sign_name: str,
                 templates: Mapping[str, str], region: str = "ap-guangzhou",
                 endpoint: str = "https://sms.tencentcloudapi.com", timeout: float = 10.0, clock=time.time):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.sdk_app_id, self.sign_name, self.templates = sdk_app_id, sign_name, dict(templates)
        self.region, self.endpoint, self.timeout, self.clock = region, endpoint.rstrip("/"), timeout, clock

    def send(self, phone: str, template: str, params: list[str], body: str) -> SendResult:
        template_id = self.templates.get(template)
        if not template_id:
            return SendResult(False, error=f"未配置短信模板：{template}", permanent=True)
        payload = json.dumps({"PhoneNumberSet": [f"+86{phone}"], "SmsSdkAppId": self.sdk_app_id,
                              "SignName": self.sign_name, "TemplateId": template_id,
                              "TemplateParamSet": [str(p) for p in params]}, ensure_ascii=False)
        host = urlsplit(self.endpoint).netloc
        ts = int(self.clock())
        headers = {
            "Authorization": tc3_authorization(self.secret_id, self.secret_key, host, "SendSms", payload, ts),
            "Content-Type": "application/json; charset=utf-8", "Host": host, "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(ts), "X-TC-Version": TENCENT_VERSION, "X-TC-Region": self.region,
        }
        request = urllib.request.Request(self.endpoint + "/", data=payload.encode("utf-8"), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # nosec B310  # configured https URL
                answer = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            return SendResult(False, error=f"HTTP {e.code}", permanent=400 <= e.code < 500 and e.code != 429)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            return SendResult(False, error=f"网络错误：{e}")
        return self._read(answer)

    @staticmethod
    def _read(answer: dict) -> SendResult:
        resp = answer.get("Response") if isinstance(answer, dict) else None
        if not isinstance(resp, dict):
            return SendResult(False, error="短信平台返回内容无法识别")
        if "Error" in resp:
            code = str(resp["Error"].get("Code", ""))
            return SendResult(False, error=f"{code}：{resp['Error'].get('Message', '')}",
                              permanent=code.startswith(_PERMANENT_PREFIXES))
        status = (resp.get("SendStatusSet") or [{}])[0]
        code = str(status.get("Code", ""))
        if code == "Ok":
            return SendResult(True, provider_id=str(status.get("SerialNo", "")))
        return SendResult(False, error=f"{code}：{status.get('Message', '')}",
                          permanent=code.startswith(_PERMANENT_PREFIXES))


def sender_from_config(config: Mapping) -> Sender:
    """The sender the configuration names: ``SMS_PROVIDER`` = console (default) | tencent.

    Tencent reads TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID,
    TENCENT_SMS_SIGN_NAME, TENCENT_SMS_REGION, TENCENT_SMS_ENDPOINT and SMS_TEMPLATE_IDS
    (``complaint_accepted=1001,complaint_refused=1002,…``). Raises ValueError when incomplete.
    """
    provider = (config.get("SMS_PROVIDER") or "console").lower()
    if provider == "console":
        return ConsoleSender()
    if provider != "tencent":
        raise ValueError(f"SMS_PROVIDER 只能是 console 或 tencent，现为 {provider}")
    need = ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_SIGN_NAME")
    missing = [k for k in need if not config.get(k)]
    if missing:
        raise ValueError("腾讯云短信配置不完整，缺少：" + "、".join(missing))
    templates = dict(pair.split("=", 1) for pair in (config.get("SMS_TEMPLATE_IDS") or "").split(",") if "=" in pair)
    return TencentSmsSender(secret_id=config["TENCENT_SMS_SECRET_ID"], secret_key=config["TENCENT_SMS_SECRET_KEY"],
                            sdk_app_id=config["TENCENT_SMS_SDK_APP_ID"], sign_name=config["TENCENT_SMS_SIGN_NAME"],
                            templates={k.strip(): v.strip() for k, v in templates.items()},
                            region=config.get("TENCENT_SMS_REGION") or "ap-guangzhou",
                            endpoint=config.get("TENCENT_SMS_ENDPOINT") or "https://sms.tencentcloudapi.com")
