"""Small real images for upload tests, made with Pillow, and a phone-like JPEG carrying GPS EXIF."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

# Where the GPS tags of `phone_jpeg` point: 34°31'37"N 108°14'2"E.
GPS_LATITUDE = (34.0, 31.0, 37.0)
GPS_LONGITUDE = (108.0, 14.0, 2.0)


def image_bytes(fmt: str, size: tuple[int, int] = (8, 6), mode: str = "RGB", **save) -> bytes:
    """An image of `size` in format `fmt`, left half red and right half blue (so turning it shows)."""
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0)
    if mode == "RGB":
        image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def phone_jpeg(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: pixels stored sideways, EXIF orientation, camera make and GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return image_bytes("JPEG", size, exif=exif, comment=b"taken at home")


def opened(content: bytes) -> Image.Image:
    """The image in `content`, decoded (fails the test if it is not a whole image)."""
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
WEBP = image_bytes("WEBP")
