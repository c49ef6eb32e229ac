"""Promeneurs' photos: checked, turned upright, resized and re-encoded without any metadata.

A photo is read by Pillow whatever its name says (a PDF renamed .jpg is refused), must be a JPEG,
PNG or WebP image of at most `PHOTO_MAX_BYTES` and `PHOTO_MAX_PIXELS`, and is saved as a new JPEG
of at most `PHOTO_SIZE` pixels a side. Re-encoding drops EXIF, GPS position, XMP and ICC data:
nothing of the original file but its pixels reaches the public site. The file goes through the
field's storage (Django's `STORAGES["default"]`): local disk, or an S3-compatible object store.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_SIZE = 600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_QUALITY = 85

TYPE_ERROR = "Ce fichier n’est pas une photo au format JPEG, PNG ou WebP."


def check_photo(upload):
    """Raise a French ValidationError if the upload is not an acceptable photo."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            f"La photo pèse {upload.size / 1024 / 1024:.1f} Mo : 5 Mo au plus.".replace(".", ",", 1)
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in PHOTO_FORMATS:
                raise ValidationError(TYPE_ERROR)
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError("Cette photo est trop grande (plus de 40 millions de pixels).")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(TYPE_ERROR) from None
    finally:
        upload.seek(0)


def clean_photo(upload):
    """The upload as a new JPEG file (ContentFile), upright, resized, without metadata."""
    check_photo(upload)
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            image.thumbnail((PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
            # A new image holds the pixels only: no EXIF, GPS, XMP or ICC profile goes along.
            bare = Image.frombytes(image.mode, image.size, image.tobytes())
            output = io.BytesIO()
            bare.save(output, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(TYPE_ERROR) from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
