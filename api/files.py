"""Answers that are files: CSV (UTF-8 with a BOM) or XLSX, downloaded under a name."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

__all__ = ["FILE_RESPONSES", "XLSX", "file_response"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, XLSX: {}}, "description": "As JSON, or as a file"}
}


def file_response(content: bytes, format: str, name: str) -> Response:
    """``content`` as a download named ``name.format`` (a Chinese name kept, RFC 5987)."""
    media = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}.get(format, XLSX)
    filename = f"{name}.{format}"
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})
