"""Hostile uploads to POST /api/v1/import/firms: path-traversal file names and files over the size limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.properties.dbstate import checksum
from tests.security.conftest import Hostile, assert_no_leak, start

HEADER = "企业名称,镇街,行业代码,员工人数,填表说明\r\n"  # 填表说明 is not a firm column: ignored, it only adds bytes
CJK = re.compile(r"[\u4e00-\u9fff]")


def _csv(name: str, *, pad: int = 0) -> bytes:
    return (HEADER + f"{name},guzhen,C3872,12,{'灯' * pad}\r\n").encode("utf-8")


def _xlsx(name: str) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "镇街", "行业代码", "员工人数"])
    sheet.append([name, "guzhen", "C3872", 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _evil_files(roots: list[Path]) -> list[Path]:
    # The uploaded names end in evil.csv or evil.xlsx; a looser pattern finds tzdata's Africa/Libreville.
    found: list[Path] = []
    for root in roots:
        if root.is_dir() and root != Path("/"):
            found += [p for pattern in ("*evil.csv", "*evil.xlsx") for p in root.rglob(pattern) if p.is_file()]
    return found


@pytest.fixture
def api(hostile: Hostile) -> Iterator[TestClient]:
    client = start(hostile.settings)
    client.headers["X-API-Key"] = hostile.keys["editor"]
    yield client
    client.__exit__(None, None, None)


TRAVERSAL = [
    ("../../evil.csv", "evil.csv"),
    ("/tmp/evil.csv", "evil.csv"),
    ("....//....//evil.csv", "evil.csv"),
    ("./../../../../../../etc/evil.csv", "evil.csv"),
    ("%2e%2e%2fevil.csv", "%2e%2e%2fevil.csv"),  # percent signs are not separators: the name stays as typed
    ("../../evil.xlsx", "evil.xlsx"),
    ("C:\\Windows\\System32\\evil.csv", "evil.csv"),  # the multipart parser drops a drive path itself
]
WINDOWS = [
    ("..\\..\\evil.xlsx", "evil.xlsx"),
    ("..\\..\\..\\evil.csv", "evil.csv"),
]


def _upload(api: TestClient, filename: str, hostile: Hostile) -> tuple[int, dict[str, object]]:
    firm = f"中山市上传测试{uuid.uuid4().hex[:6]}有限公司"
    data = _xlsx(firm) if filename.endswith(".xlsx") else _csv(firm)
    # The multipart body is written by hand: a client library would escape the name before the server saw it.
    body, content_type = _multipart(filename, data)
    response = api.post("/api/v1/import/firms", content=body, headers={"Content-Type": content_type})
    assert_no_leak(response.content)
    return response.status_code, response.json()


@pytest.mark.parametrize(("filename", "base"), TRAVERSAL)
def test_upload_names_with_paths_are_reduced_to_the_base_name(api: TestClient, hostile: Hostile, tmp_path: Path,
                                                              filename: str, base: str) -> None:
    status, report = _upload(api, filename, hostile)
    assert status == 200 and report["file"] == base and report["created"] == 1
    assert _evil_files([tmp_path, Path.cwd(), Path("/tmp")]) == [], "an upload was written to disk"
    # A rejected file names itself by its base name too.
    body, content_type = _multipart(filename, b"name\r\nx\r\n")
    bad = api.post("/api/v1/import/firms", content=body, headers={"Content-Type": content_type})
    assert bad.status_code == 422 and all(p["file"] in (base, None) for p in bad.json()["problems"])


@pytest.mark.parametrize(("filename", "base"), WINDOWS)
def test_windows_style_upload_names_are_reduced_to_the_base_name(api: TestClient, hostile: Hostile,
                                                                 filename: str, base: str) -> None:
    status, report = _upload(api, filename, hostile)
    assert status == 200 and report["file"] == base


def test_a_nul_in_the_upload_name_is_dropped(api: TestClient, hostile: Hostile) -> None:
    status, report = _upload(api, "evil\x00.csv", hostile)
    assert status in (200, 422)
    assert "\x00" not in str(report.get("file", "")) and "\x00" not in str(report)


# ---- size limit -------------------------------------------------------------------------------------------

LIMIT_MB = 0.05  # 50 kB, so the test files stay small


@pytest.fixture
def small(hostile: Hostile) -> Iterator[TestClient]:
    client = start(hostile.settings.model_copy(update={"max_import_mb": LIMIT_MB}))
    client.headers["X-API-Key"] = hostile.keys["editor"]
    yield client
    client.__exit__(None, None, None)


def _multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _assert_refused_bilingually(small: TestClient, response: object, before: str, hostile: Hostile) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert status in (413, 422), status
    assert CJK.search(body["detail"]) and ("过大" in body["detail"]), body
    assert checksum(hostile.url) == before, "a refused upload wrote something"


@pytest.mark.parametrize("size_kb", [80, 400])
def test_upload_over_the_limit_is_refused_in_both_languages(small: TestClient, hostile: Hostile,
                                                            size_kb: int) -> None:
    data = _csv("中山市超大文件有限公司", pad=size_kb * 1000 // 3)
    before = checksum(hostile.url)
    zh = small.post("/api/v1/import/firms", files={"file": ("big.csv", data, "text/csv")})
    _assert_refused_bilingually(small, zh, before, hostile)
    en = small.post("/api/v1/import/firms", files={"file": ("big.csv", data, "text/csv")},
                    headers={"Accept-Language": "en"})
    assert en.status_code == zh.status_code and "too large" in en.json()["detail"] and not CJK.search(en.json()["detail"])
    assert firm_named(small, hostile, "中山市超大文件有限公司") == 0


def test_chunked_upload_over_the_limit_is_refused(small: TestClient, hostile: Hostile) -> None:
    body, content_type = _multipart("big.csv", _csv("中山市超大文件有限公司", pad=400_000 // 3))
    before = checksum(hostile.url)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count as it reads
        for i in range(0, len(body), 16_384):
            yield body[i:i + 16_384]

    response = small.post("/api/v1/import/firms", content=chunks(), headers={"Content-Type": content_type})
    _assert_refused_bilingually(small, response, before, hostile)


def test_upload_just_under_the_limit_is_accepted(small: TestClient, hostile: Hostile) -> None:
    response = small.post("/api/v1/import/firms",
                          files={"file": ("ok.csv", _csv("中山市刚好文件有限公司", pad=40_000 // 3), "text/csv")})
    assert response.status_code == 200 and response.json()["created"] == 1


def firm_named(client: TestClient, hostile: Hostile, name: str) -> int:
    found = client.get("/api/v1/firms", params={"q": name}, headers={"X-API-Key": hostile.keys["viewer"]})
    return int(found.json()["total"])
