"""Checks for evidence uploads: the content decides the type, not the file name.

A file is accepted when its bytes are one of the allowed types (PDF, PNG, JPEG, plain text,
DOCX, XLSX), its extension names that same type, and it is no larger than
settings.EVIDENCE_MAX_UPLOAD_BYTES. Each refusal says why, for the form to show.
"""

import hashlib
import zipfile
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# content type -> (human name, extensions that may carry it)
ALLOWED_TYPES = {
    "application/pdf": ("PDF document", {"pdf"}),
    "image/png": ("PNG image", {"png"}),
    "image/jpeg": ("JPEG image", {"jpg", "jpeg"}),
    "text/plain": ("plain text file", {"txt"}),
    DOCX: ("Word document (DOCX)", {"docx"}),
    XLSX: ("Excel workbook (XLSX)", {"xlsx"}),
}
MARKUP_TYPES = {"text/html", "text/xml", "application/xml", "image/svg+xml"}
ALLOWED_EXTENSIONS = sorted({ext for _, exts in ALLOWED_TYPES.values() for ext in exts})
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    original_name: str


def _sniff(uploaded) -> str:
    """The content type the bytes say, refined for Office files (which are ZIP archives)."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    detected = magic.from_buffer(head, mime=True)
    if detected in {"application/zip", "application/octet-stream", DOCX, XLSX}:
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return detected
        finally:
            uploaded.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
        return "application/zip" if detected in {DOCX, XLSX} else detected
    if detected.startswith("text/") and detected not in MARKUP_TYPES | {"text/plain"}:
        # libmagic calls some plain text "text/x-c" or "text/csv"; for evidence it is text.
        # Markup (HTML, XML) stays what it is and is refused: a browser would render it.
        return "text/plain" if b"\x00" not in head else detected
    return detected


def _describe(content_type: str) -> str:
    if content_type in ALLOWED_TYPES:
        return ALLOWED_TYPES[content_type][0]
    return {
        "application/zip": "ZIP archive",
        "application/x-dosexec": "Windows program",
        "application/vnd.microsoft.portable-executable": "Windows program",
        "text/xml": "XML document",
        "application/x-executable": "program",
        "text/html": "HTML page",
        "image/gif": "GIF image",
        "image/svg+xml": "SVG image",
    }.get(content_type, content_type)


def check_upload(uploaded) -> CheckedUpload:
    """Validate an uploaded file; raise ValidationError with the reason, else describe it."""
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    name = uploaded.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if uploaded.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if uploaded.size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(uploaded.size)}; the limit is {filesizeformat(limit)}.",
            code="too_large",
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            f"Files named .{extension or '(no extension)'} are not accepted. Allowed: "
            + ", ".join(f".{e}" for e in ALLOWED_EXTENSIONS)
            + ".",
            code="bad_extension",
        )
    content_type = _sniff(uploaded)
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            f"The file's content is a {_describe(content_type)}, which is not accepted. "
            "Upload a PDF, PNG, JPEG, plain text, DOCX or XLSX file.",
            code="bad_type",
        )
    if extension not in ALLOWED_TYPES[content_type][1]:
        raise ValidationError(
            f"The file is named .{extension} but its content is a {_describe(content_type)}. "
            "Rename it to match or upload the right file.",
            code="type_mismatch",
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedUpload(
        content_type=content_type,
        size=uploaded.size,
        sha256=digest.hexdigest(),
        original_name=name.replace("/", "_").replace("\\", "_")[-200:],
    )
