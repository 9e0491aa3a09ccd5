import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vendors.uploads import DOCX, XLSX, check_upload

# --- Real, minimal files, built here so the test shows what each one is -----------------------

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"  # SOI + APP0
    b"\xff\xd9"  # EOI
)
TEXT = b"Prompts are deleted after 30 days; logs after 90 days.\n"
XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<policy><retention days="30"/></policy>\n'
HTML = b"<!DOCTYPE html>\n<html><head><title>Trust</title></head><body>Hi</body></html>\n"
# An MS-DOS stub: the "MZ" signature of every Windows program.
DOS_EXE = b"MZ" + b"\x00" * 200
# A Windows PE program: the MZ stub pointing at a "PE" header for Intel 386.
PE_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"  # e_lfanew: the PE header is at 0x80
    + b"\x00" * 64
    + b"PE\x00\x00\x4c\x01"
    + b"\x00" * 64
)


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def xlsx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook><sheets/></workbook>",
        }
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong: only the bytes may count.
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(uploaded) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(uploaded)
    return caught.value


# --- Accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("soc2-report.pdf", PDF, "application/pdf"),
        ("certificate.png", png_1x1(), "image/png"),
        ("certificate.jpg", JPEG, "image/jpeg"),
        ("certificate.JPEG", JPEG, "image/jpeg"),
        ("retention.txt", TEXT, "text/plain"),
        ("dpa.docx", docx(), DOCX),
        ("subprocessors.xlsx", xlsx(), XLSX),
    ],
    ids=["pdf", "png", "jpg", "jpeg-upper-case", "text", "docx", "xlsx"],
)
def test_it_accepts_each_allowed_type_named_for_its_content(name, content, content_type):
    checked = check_upload(upload(name, content))

    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.original_name == name


def test_it_records_the_sha256_of_the_content():
    content = png_1x1()

    checked = check_upload(upload("certificate.png", content))

    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_it_leaves_the_file_ready_to_be_read_again():
    uploaded = upload("soc2-report.pdf", PDF)

    check_upload(uploaded)

    assert uploaded.read() == PDF


def test_it_keeps_no_path_separators_in_the_original_name():
    checked = check_upload(upload("reports/2025\\soc2.pdf", PDF))

    assert "/" not in checked.original_name
    assert "\\" not in checked.original_name


def test_it_accepts_a_file_exactly_at_the_limit(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    content = TEXT * (1000 // len(TEXT)) + b"x" * (1000 % len(TEXT))

    assert check_upload(upload("notes.txt", content)).size == 1000


# --- Refused ----------------------------------------------------------------------------------


def test_it_refuses_a_png_renamed_to_pdf():
    error = refusal(upload("soc2-report.pdf", png_1x1()))

    assert error.code == "type_mismatch"
    assert error.message == (
        "The file is named .pdf but its content is a PNG image. "
        "Rename it to match or upload the right file."
    )


def test_it_refuses_a_jpeg_renamed_to_png():
    error = refusal(upload("certificate.png", JPEG))

    assert error.code == "type_mismatch"
    assert "named .png but its content is a JPEG image" in error.message


def test_it_refuses_a_plain_zip_renamed_to_docx():
    error = refusal(upload("dpa.docx", zip_of({"dpa.txt": "not a Word document"})))

    assert error.code == "bad_type"
    assert error.message.startswith("The file's content is a ZIP archive, which is not accepted.")


def test_it_refuses_a_word_document_renamed_to_xlsx():
    error = refusal(upload("subprocessors.xlsx", docx()))

    assert error.code == "type_mismatch"
    assert "named .xlsx but its content is a Word document (DOCX)" in error.message


def test_it_refuses_an_ms_dos_program_renamed_to_pdf():
    error = refusal(upload("soc2-report.pdf", DOS_EXE))

    assert error.code == "bad_type"
    assert "The file's content is a Windows program, which is not accepted." in error.message


def test_it_refuses_a_windows_program_renamed_to_pdf():
    error = refusal(upload("soc2-report.pdf", PE_EXE))

    assert error.code == "bad_type"


def test_it_names_a_windows_program_as_such_in_the_refusal():
    error = refusal(upload("soc2-report.pdf", PE_EXE))

    assert "content is a Windows program" in error.message


def test_it_refuses_an_html_page_renamed_to_txt():
    error = refusal(upload("retention.txt", HTML))

    assert error.code == "bad_type"
    assert "HTML page, which is not accepted" in error.message


def test_it_refuses_an_xml_document_renamed_to_txt():
    error = refusal(upload("retention.txt", XML))

    assert error.code == "bad_type"
    assert "XML document, which is not accepted" in error.message


def test_it_accepts_text_that_libmagic_calls_csv_as_plain_text():
    checked = check_upload(upload("subprocessors.txt", b"name,country\nAcme,US\nZenith,DE\n"))

    assert checked.content_type == "text/plain"


def test_it_refuses_an_empty_file():
    error = refusal(upload("soc2-report.pdf", b""))

    assert error.code == "empty"
    assert error.message == "The file is empty."


def test_it_refuses_a_file_over_the_limit(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000

    error = refusal(upload("notes.txt", b"a" * 1001))

    assert error.code == "too_large"
    # filesizeformat joins number and unit with a no-break space.
    assert error.message == "The file is 1001\xa0bytes; the limit is 1000\xa0bytes."


@pytest.mark.parametrize("name", ["trust-page.html", "diagram.svg", "setup.exe", "report.pdf.zip"])
def test_it_refuses_an_extension_that_is_not_allowed(name):
    error = refusal(upload(name, PDF))

    assert error.code == "bad_extension"
    extension = name.rsplit(".", 1)[-1]
    assert error.message == (
        f"Files named .{extension} are not accepted. "
        "Allowed: .docx, .jpeg, .jpg, .pdf, .png, .txt, .xlsx."
    )


def test_it_refuses_a_file_without_an_extension():
    error = refusal(upload("soc2-report", PDF))

    assert error.code == "bad_extension"
    assert error.message.startswith("Files named .(no extension) are not accepted.")
