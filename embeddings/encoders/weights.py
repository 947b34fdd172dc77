"""Where weights come from: a local path, a file inside an installed package, or a hub cache.

Nothing is ever downloaded at run time: hub libraries are put in offline mode before they
are imported, so a model that is not on disk is reported unavailable instead of fetched.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from embeddings.encoders.base import ModelUnavailable

PACKAGE_PREFIX = "package:"


def force_offline_hub() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def resolve_weights(reference: str) -> str:
    """Turn `package:name/sub/path` into a filesystem path; other references pass through.

    Raises ModelUnavailable when a package or local path is named but absent.
    """
    if not reference:
        raise ModelUnavailable("no weights configured for this space")
    if reference.startswith(PACKAGE_PREFIX):
        package, _, inner = reference.removeprefix(PACKAGE_PREFIX).partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModelUnavailable(
                f"the package {package!r} that bundles the weights is not installed"
            )
        path = Path(spec.origin).parent / inner
        if not path.exists():
            raise ModelUnavailable(
                f"{path} is missing from the installed package {package!r}"
            )
        return str(path)
    if reference.startswith(("/", "./", "~")):
        path = Path(reference).expanduser()
        if not path.exists():
            raise ModelUnavailable(f"weights not found at {path}")
        return str(path)
    return reference  # a hub id or tag, looked up in the local cache only
