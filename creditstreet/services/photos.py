"""Complaint and patrol photos: decode, verify, re-encode as JPEG without metadata (CASES K-13).

Re-encoding drops EXIF (including GPS location) and anything hidden after the image data.
Each photo may be up to PHOTO_MAX_MB (config, default 10 MB; checked here with a Chinese message so
the form is re-shown with its text); the whole request is capped by MAX_CONTENT_LENGTH (5 photos ×
10 MB + 1 MB of text → Chinese 413). Decoded pixels are capped too, so a small file that
decompresses to a huge image is refused.
"""
import io
import warnings

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..extensions import db
from ..models import Photo

MAX_SIDE = 2048          # pixels; larger photos are scaled down
MAX_PIXELS = 40_000_000  # decoded pixels accepted before refusing (decompression bombs)
MAX_PHOTOS = 5           # per complaint
JPEG_QUALITY = 85
DEFAULT_MAX_MB = 10      # per photo, when no app config says otherwise
MAX_PHOTO_BYTES = DEFAULT_MAX_MB * 1024 * 1024


def max_photo_mb() -> int:
    from flask import current_app, has_app_context

    return int(current_app.config.get("PHOTO_MAX_MB", DEFAULT_MAX_MB)) if has_app_context() else DEFAULT_MAX_MB


def reencode(raw: bytes) -> tuple[bytes, int, int]:
    """Return (jpeg bytes, width, height) of a photo, re-encoded without EXIF/GPS.

    Raises ValidationError (code ``bad_photo``) for anything Pillow cannot verify and decode.
    """
    from PIL import Image, ImageOps

    bad = ValidationError("照片无法识别，请上传 JPG 或 PNG 格式的照片", code="bad_photo")
    if not raw:
        raise bad
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError("照片像素过大，请压缩后重试", code="bad_photo")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as img:
                img = ImageOps.exif_transpose(img)  # keep the orientation the EXIF described
                img = img.convert("RGB")
                img.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= → none written
                return out.getvalue(), img.width, img.height
    except ValidationError:
        raise
    except Exception:  # Pillow raises many types (UnidentifiedImageError, OSError, SyntaxError…)
        raise bad from None


def prepare(raws: list[bytes]) -> list[tuple[bytes, int, int]]:
    """Re-encode up to MAX_PHOTOS photos (empty parts skipped); ValidationError if too many or bad."""
    raws = [r for r in raws if r]
    if len(raws) > MAX_PHOTOS:
        raise ValidationError(Msg(N_("最多上传%(max_photos)s张照片"), max_photos=MAX_PHOTOS), code="too_many_photos")
    limit_mb = max_photo_mb()
    for i, raw in enumerate(raws, start=1):
        if len(raw) > limit_mb * 1024 * 1024:
            size = len(raw) / (1024 * 1024)
            raise ValidationError(Msg(N_("第%(i)s张照片有%(size).1fMB，超过每张%(limit_mb)sMB的上限，请压缩后重新选择"),
                                      i=i, size=size, limit_mb=limit_mb),
                                  code="photo_too_large")
    return [reencode(r) for r in raws]


def attach(prepared: list[tuple[bytes, int, int]], *, complaint_id: int | None = None,
           patrol_id: int | None = None) -> list[Photo]:
    """Store already re-encoded photos for a complaint or a patrol (flushes)."""
    photos = [Photo(complaint_id=complaint_id, patrol_id=patrol_id, content_type="image/jpeg",
                    data=data, width=w, height=h) for data, w, h in prepared]
    db.session.add_all(photos)
    db.session.flush()
    return photos


# --- staging: photos kept while a complaint form comes back (issue 17) ------------------------------

STAGED_KEEP_HOURS = 24  # staged photos never attached are purged after this


def staged(token: str | None) -> list[Photo]:
    """Photos staged under a form's submission ``token`` (no complaint yet), oldest first."""
    from sqlalchemy import select

    if not token:
        return []
    return list(db.session.scalars(select(Photo).where(Photo.staged_token == token, Photo.complaint_id.is_(None),
                                                       Photo.patrol_id.is_(None)).order_by(Photo.id)))


def stage(token: str, uploads: list[tuple[str, bytes]]) -> tuple[list[Photo], dict[str, str]]:
    """Keep a form's uploaded photos until it is submitted: ``uploads`` is [(file name, bytes)].

    Returns (kept, refused): the photos now staged and, per refused file name, why (too many,
    too large, not an image). Each file is checked on its own, so one bad photo keeps the others.
    Flushes; the caller commits.
    """
    already = len(staged(token))
    kept, refused = [], {}
    limit_mb = max_photo_mb()
    for name, raw in uploads:
        name = (name or "照片")[-120:]
        if not raw:
            continue
        if already + len(kept) >= MAX_PHOTOS:
            refused[name] = f"最多上传{MAX_PHOTOS}张照片"
            continue
        if len(raw) > limit_mb * 1024 * 1024:
            refused[name] = f"有{len(raw) / (1024 * 1024):.1f}MB，超过每张{limit_mb}MB的上限，请压缩后重新选择"
            continue
        try:
            data, w, h = reencode(raw)
        except ValidationError as e:
            refused[name] = e.message
            continue
        kept.append(Photo(content_type="image/jpeg", data=data, width=w, height=h, staged_token=token,
                          staged_name=name))
    db.session.add_all(kept)
    db.session.flush()
    return kept, refused


def unstage(token: str, photo_ids: list[int]) -> int:
    """Drop staged photos of ``token`` the consumer removed; returns how many. Flushes."""
    gone = [p for p in staged(token) if p.id in set(photo_ids)]
    for p in gone:
        db.session.delete(p)
    db.session.flush()
    return len(gone)


def attach_staged(token: str | None, complaint_id: int) -> int:
    """Attach every photo staged under ``token`` to ``complaint_id``; returns how many. Flushes."""
    rows = staged(token)
    for p in rows:
        p.complaint_id, p.staged_token = complaint_id, None
    db.session.flush()
    return len(rows)


def purge_staged(now) -> int:
    """Delete staged photos older than STAGED_KEEP_HOURS that no complaint took (daily job)."""
    from datetime import timedelta

    from sqlalchemy import delete

    cutoff = now - timedelta(hours=STAGED_KEEP_HOURS)
    result = db.session.execute(delete(Photo).where(Photo.staged_token.is_not(None), Photo.complaint_id.is_(None),
                                                    Photo.patrol_id.is_(None), Photo.created_at < cutoff))
    return result.rowcount or 0
