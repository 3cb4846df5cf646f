"""Attachments of objections and repairs: photos re-encoded (services.photos), a pledge as image or PDF."""
from ...domain.errors import ValidationError
from ...extensions import db
from ...models import MerchantAttachment
from .. import photos as photo_service

MAX_PDF_BYTES = 10 * 1024 * 1024


def prepare_photos(raws: list[bytes]) -> list[bytes]:
    """Up to services.photos.MAX_PHOTOS photos, re-encoded as JPEG without metadata (ValidationError)."""
    return [data for data, _w, _h in photo_service.prepare(raws)]


def prepare_pledge(raw: bytes | None) -> tuple[bytes, str]:
    """The signed pledge (守信承诺书): a PDF (kept as sent, ≤ 10 MB) or a photo (re-encoded).

    Returns (data, content type); ValidationError when missing or neither.
    """
    if not raw:
        raise ValidationError("请上传签字盖章的守信承诺书（PDF 或照片）", code="pledge_required")
    if raw[:5] == b"%PDF-":
        if len(raw) > MAX_PDF_BYTES:
            raise ValidationError("承诺书文件超过10MB，请压缩后重新上传", code="pledge_too_large")
        return raw, "application/pdf"
    data, _w, _h = photo_service.reencode(raw)
    return data, "image/jpeg"


def attach(files: list[tuple[bytes, str, str]], *, objection_id: int | None = None,
           repair_id: int | None = None) -> list[MerchantAttachment]:
    """Store (data, content type, kind) rows for an objection or a repair (flushes)."""
    rows = [MerchantAttachment(objection_id=objection_id, repair_id=repair_id, data=data, content_type=ctype,
                               kind=kind) for data, ctype, kind in files]
    db.session.add_all(rows)
    db.session.flush()
    return rows
