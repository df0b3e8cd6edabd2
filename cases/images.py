"""Re-encoding of uploaded photos: what is stored is pixels drawn afresh, never the uploaded bytes.

A phone photo carries EXIF (often the GPS position of the resident's home), XMP, comments and
colour profiles; a crafted file can carry HTML or script after the image data or in a text chunk.
Decoding the image and encoding its pixels again keeps the picture and drops everything else. The
size is checked from the header before any pixel is decoded, so a small file that would expand to
gigabytes (a decompression bomb) is refused without being decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# 40 million pixels: above every phone camera's default resolution, and one decoded RGBA image of
# that size stays under 160 MB of memory.
MAX_PHOTO_PIXELS = 40_000_000
JPEG_QUALITY = 85
WEBP_QUALITY = 85

# Pillow's format names for each type accepted by its first bytes (phones write JPEGs with a second,
# smaller picture as MPO).
_FORMATS = {
    "image/jpeg": ({"JPEG", "MPO"}, "JPEG"),
    "image/png": ({"PNG"}, "PNG"),
    "image/webp": ({"WEBP"}, "WEBP"),
}


# Modes written to PNG as they are; others (palettes, CMYK …) become RGB or RGBA.
_PNG_MODES = ("1", "L", "LA", "RGB", "RGBA", "I;16")


class ImageRefused(ValueError):
    """The upload cannot be taken as a photo; the message (Chinese) follows 「第 N 张照片」."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    width: int
    height: int


def reencode_image(content: bytes, content_type: str) -> CleanImage:
    """Decode `content` (already recognised as `content_type` by its first bytes) and encode its
    pixels again in the same format, upright (EXIF orientation applied) and without any metadata.

    Raises ImageRefused when the file is not a whole image of that type or has too many pixels.
    """
    allowed, output_format = _FORMATS[content_type]
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; here every oversize is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format not in allowed:
                    raise ImageRefused("的内容与其图片格式不符")
                _check_size(probe.size)
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                clean = _drawn_afresh(image, output_format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(_too_big_message()) from exc
        except ImageRefused:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRefused("已损坏或不完整，无法打开") from exc
    buffer = io.BytesIO()
    if output_format == "JPEG":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif output_format == "PNG":
        clean.save(buffer, "PNG", optimize=True)
    else:
        clean.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return CleanImage(buffer.getvalue(), clean.width, clean.height)


def _too_big_message() -> str:
    return f"像素过多（超过 {MAX_PHOTO_PIXELS // 10_000} 万像素），可能是异常构造的文件，请缩小后再上传"


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageRefused("已损坏或不完整，无法打开")
    if width * height > MAX_PHOTO_PIXELS:
        raise ImageRefused(_too_big_message())


def _drawn_afresh(image: Image.Image, output_format: str) -> Image.Image:
    """The first frame, upright, in sRGB, in a mode the format writes, with no metadata attached."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    upright = ImageOps.exif_transpose(image) or image
    _check_size(upright.size)
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA"):
        upright = _to_srgb(upright, icc)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if output_format == "JPEG":
        mode = "L" if upright.mode in ("1", "L") else "RGB"
    elif output_format == "PNG" and upright.mode in _PNG_MODES and "transparency" not in upright.info:
        mode = upright.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    # A new image of the pixels alone: nothing of `info` (EXIF, XMP, comments, text chunks, profile)
    # comes along.
    fresh = Image.new(mode, upright.size)
    fresh.paste(upright.convert(mode) if upright.mode != mode else upright)
    return fresh


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert colours described by an embedded profile to sRGB, so dropping the profile keeps them."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # An unreadable profile: keep the pixel values as they are.
        return image
    return converted or image
