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
        raise ValidationError(f"最多上传{MAX_PHOTOS}张照片", code="too_many_photos")
    limit_mb = max_photo_mb()
    for i, raw in enumerate(raws, start=1):
        if len(raw) > limit_mb * 1024 * 1024:
            size = len(raw) / (1024 * 1024)
            raise ValidationError(f"第{i}张照片有{size:.1f}MB，超过每张{limit_mb}MB的上限，请压缩后重新选择",
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
