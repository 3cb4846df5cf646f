"""Complaint and patrol photos: decode, verify, re-encode as JPEG without metadata (CASES K-13).

Re-encoding drops EXIF (including GPS location) and anything hidden after the image data.
Upload size is capped by MAX_CONTENT_LENGTH (10 MB → Chinese 413); decoded pixels are capped
too, so a small file that decompresses to a huge image is refused.
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
    return [reencode(r) for r in raws]


def attach(prepared: list[tuple[bytes, int, int]], *, complaint_id: int | None = None,
           patrol_id: int | None = None) -> list[Photo]:
    """Store already re-encoded photos for a complaint or a patrol (flushes)."""
    photos = [Photo(complaint_id=complaint_id, patrol_id=patrol_id, content_type="image/jpeg",
                    data=data, width=w, height=h) for data, w, h in prepared]
    db.session.add_all(photos)
    db.session.flush()
    return photos
