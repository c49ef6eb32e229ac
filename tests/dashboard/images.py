"""Photos made on the fly for the upload tests: with EXIF and a GPS position, big, or fake."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
CAMERA_MODEL = "Appareil-canari-EXIF"


def jpeg_with_gps(size=(1600, 1200), name="vacances.jpg"):
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = CAMERA_MODEL  # Model
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (45.0, 11.0, 2.0), 3: "E", 4: (0.0, 43.0, 16.0)})
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")


def png(size=(300, 200), name="photo.png"):
    output = io.BytesIO()
    Image.new("RGBA", size, (10, 90, 200, 128)).save(output, format="PNG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def pdf_named_jpg():
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile("photo.jpg", body, content_type="image/jpeg")


def oversized_jpg(megabytes=6):
    # A valid JPEG start followed by padding: the size is refused before anything is decoded.
    return SimpleUploadedFile(
        "grande.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (megabytes * 1024 * 1024), content_type="image/jpeg"
    )
