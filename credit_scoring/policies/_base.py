"""What every policy file shares: strict frozen models, one YAML reader, errors that name the key.

Policies (``models/*.yaml``) and the feature catalog (``features/*.yaml``) are data that
reviewers read as diffs; they load once into frozen pydantic objects, and a mistake fails with
the file and the key named: ``features/penalties.yaml: penalty_count_365d.window: ...``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from credit_scoring.errors import ConfigError

__all__ = [
    "GRADES",
    "GRADE_LABELS",
    "Strict",
    "Text",
    "Threshold",
    "catalog_dir",
    "file_sha256",
    "format_location",
    "load_yaml_model",
    "policy_path",
    "read_yaml",
]

GRADES = ("A", "B", "C", "D")  # best first
# The SAMR credit-risk classes the grades follow (国市监信发〔2022〕6号).
GRADE_LABELS = {"A": "信用风险低", "B": "信用风险一般", "C": "信用风险较高", "D": "信用风险高"}
M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Frozen, and an unknown key is an error rather than silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(Strict):
    zh: str
    en: str


class Threshold(Strict):
    """Met when a feature is ``at_least`` or ``below`` a value (missing: per ``if_missing``)."""

    code: str
    feature: str
    at_least: float | None = None
    below: float | None = None
    if_missing: bool = False  # whether a missing value meets the condition

    @model_validator(mode="after")
    def _one_threshold(self) -> Threshold:
        if (self.at_least is None) == (self.below is None):
            raise ValueError(f"{self.code}: give exactly one of at_least and below")
        return self

    def met(self, values: pd.Series | np.ndarray) -> np.ndarray:
        plain = isinstance(values, np.ndarray) and values.dtype.kind in "iuf"  # nothing to parse
        numbers = values.astype(float) if plain else pd.to_numeric(values, errors="coerce")
        numbers = np.asarray(numbers, dtype=float)
        with np.errstate(invalid="ignore"):
            hit = numbers >= self.at_least if self.at_least is not None else numbers < self.below
        return np.where(np.isnan(numbers), self.if_missing, hit)


def policy_path(name: str) -> Path:
    """``<policy_dir>/<name>``: the installed ``models/`` unless ``CREDIT_SCORING_POLICY_DIR``."""
    return _folders(os.environ.get("CREDIT_SCORING_POLICY_DIR"), None)[0] / name


def catalog_dir() -> Path:
    """The feature catalog folder: the installed ``features/`` unless
    ``CREDIT_SCORING_CATALOG_DIR``."""
    return _folders(None, os.environ.get("CREDIT_SCORING_CATALOG_DIR"))[1]


@functools.lru_cache(maxsize=16)
def _folders(policy_dir: str | None, catalog: str | None) -> tuple[Path, Path]:
    """The settings' policy and catalog folders, read once per value of their variables:
    building :class:`Settings` costs milliseconds, and a policy is looked up per subject."""
    from credit_scoring.settings import Settings

    settings = Settings()
    return settings.policy_dir, settings.catalog_dir


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time (snapshot tables run to gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
