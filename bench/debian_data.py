"""Third-party bench inputs from Debian packages, fetched at run time into var/bench-data.

`apt-get download` needs no root and installs nothing; each .deb is unpacked with
`dpkg-deb -x` into its own directory once and reused. Nothing here is committed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "var" / "bench-data"


def unpacked(package: str) -> Path:
    """The unpacked file tree of a Debian package (downloaded on first use)."""
    target = DATA_DIR / package
    done = target / ".unpacked"
    if done.exists():
        return target
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for old in DATA_DIR.glob(f"{package}_*.deb"):
        old.unlink()
    subprocess.run(
        ["apt-get", "download", "-q", package],
        cwd=DATA_DIR,
        check=True,
        capture_output=True,
    )
    (deb,) = DATA_DIR.glob(f"{package}_*.deb")
    target.mkdir(exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    deb.unlink()
    done.touch()
    return target


PHOTO_PACKAGES = (
    "lomiri-wallpapers-16.04",
    "lomiri-wallpapers-20.04",
    "ukui-wallpapers",
)


def photos() -> list[Path]:
    """Photographs and artwork from Debian wallpaper packages (third-party, no text)."""
    found: list[Path] = []
    for package in PHOTO_PACKAGES:
        root = unpacked(package)
        found += sorted(
            p for p in root.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
        )
    return found


def screenshots(*, min_side: int = 120) -> list[Path]:
    """GIMP dialog screenshots from the Korean manual (UI text in every one of any size)."""
    root = unpacked("gimp-help-ko") / "usr/share/gimp/2.0/help/ko/images/dialogs"
    from PIL import Image

    return [
        p for p in sorted(root.glob("*.png")) if min(Image.open(p).size) >= min_side
    ]
