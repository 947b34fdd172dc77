"""Fetch and unpack a Debian package with the system's own tools, cached under var/eval/."""

from __future__ import annotations

import subprocess
from pathlib import Path


class PackageError(RuntimeError):
    """apt-get or dpkg-deb could not provide the package; the message says why."""


def fetch_package(*, package: str, cache_dir: Path) -> Path:
    """The unpacked tree of `package` (downloaded once; reused while the .deb is cached)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tree = cache_dir / f"{package}-tree"
    debs = sorted(cache_dir.glob(f"{package}_*.deb"))
    if not debs:
        _run(["apt-get", "download", package], cwd=cache_dir, package=package)
        debs = sorted(cache_dir.glob(f"{package}_*.deb"))
        if not debs:
            raise PackageError(f"apt-get download {package} produced no .deb file.")
    marker = tree / ".unpacked-from"
    if not marker.exists() or marker.read_text() != debs[-1].name:
        tree.mkdir(exist_ok=True)
        _run(
            ["dpkg-deb", "-x", str(debs[-1]), str(tree)], cwd=cache_dir, package=package
        )
        marker.write_text(debs[-1].name)
    return tree


def _run(command: list[str], *, cwd: Path, package: str) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True,
                       timeout=600)  # fmt: skip
    except FileNotFoundError as exc:
        raise PackageError(
            f"{command[0]} is not installed (Debian tools needed)."
        ) from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:] or [""]
        raise PackageError(
            f"{' '.join(command)} failed for {package}: {detail[0]} "
            "(run `apt-get update` once if the package is not found)."
        ) from exc
