"""Settings from the environment, and strict loading of the YAML that holds policies.

Policies (``models/*.yaml``) and the feature catalog (``features/*.yaml``) are data that
reviewers read as diffs; they load once into frozen pydantic objects, and a mistake fails with
the file and the key named: ``features/penalties.yaml: penalty_count_365d.window: ...``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from credit_scoring.errors import ConfigError

__all__ = ["catalog_dir", "format_location", "load_yaml_model", "policy_path"]

_PROJECT_ROOT = Path(__file__).resolve().parents[1]
M = TypeVar("M", bound=BaseModel)


def policy_path(name: str) -> Path:
    """``models/<name>``; the folder can be moved with ``CREDIT_SCORING_POLICY_DIR``."""
    return Path(os.environ.get("CREDIT_SCORING_POLICY_DIR", _PROJECT_ROOT / "models")) / name


def catalog_dir() -> Path:
    """The feature catalog folder; moved with ``CREDIT_SCORING_CATALOG_DIR``."""
    return Path(os.environ.get("CREDIT_SCORING_CATALOG_DIR", _PROJECT_ROOT / "features"))


def read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Parse ``path`` into ``model``; a validation error names the file and the key.

    Loaded once per file version: the result is frozen, and a file edited on disk (a newer
    modification time) is read again.
    """
    stamp = path.stat().st_mtime_ns if path.is_file() else -1
    return _load_yaml_model(path.resolve(), stamp, model)


@functools.lru_cache(maxsize=64)
def _load_yaml_model(path: Path, stamp: int, model: type[M]) -> M:
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {format_location(error, data)}") from None


def format_location(error: ValidationError, data: Any) -> str:
    """The first error as ``key.sub.key: message``, list items named by their ``name``."""
    first = error.errors()[0]
    parts: list[str] = []
    node = data
    for key in first["loc"]:
        item = node[key] if isinstance(node, (list, dict)) and _has(node, key) else None  # type: ignore[index]
        if isinstance(key, int) and isinstance(item, dict) and "name" in item:
            parts.append(str(item["name"]))
        else:
            parts.append(str(key))
        node = item
    message = first["msg"].removeprefix("Value error, ")
    return f"{'.'.join(parts)}: {message}" if parts else message


def _has(node: list[Any] | dict[Any, Any], key: Any) -> bool:
    if isinstance(node, list):
        return isinstance(key, int) and 0 <= key < len(node)
    return key in node
