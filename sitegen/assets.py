"""The site's static files: the theme's (named by content hash, so browsers can cache them for ever) and
the site's own static/ folder (images, downloads, CNAME ...), published as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import rcssmin
import rjsmin

from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.output import Output
from sitegen.paths import inside

MINIFIERS: dict[str, Callable[[str], str]] = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}


def add_theme(cfg: Config, out: Output) -> dict[str, str]:
    """Theme files from static/: named by content hash, so browsers can cache them for ever; scripts and
    stylesheets minified, as readers download them on every first visit."""
    static = cfg.theme_dir / "static"
    if not static.is_dir():
        raise SitegenError("theme has no static/ folder", static, hint="check 'theme' in sitegen.toml")
    theme = published_files(cfg.theme_dir)  # templates too: one linked in from outside would be rendered
    assets = [(rel.removeprefix("static/"), path) for rel, path in theme if rel.startswith("static/")]
    return {rel: out.add_hashed(rel, minified(path)) for rel, path in assets}


def minified(path: Path) -> bytes:
    """A theme file's bytes, minified when it is a script or a stylesheet (comments and spaces taken out)."""
    minify = MINIFIERS.get(path.suffix)
    data = path.read_bytes()
    return data if minify is None else minify(data.decode("utf-8")).encode("utf-8")


def add_site(cfg: Config, out: Output) -> None:
    """The site's static/ folder (images, downloads ...) is published as it is; the config's cname as CNAME,
    the file by which GitHub Pages and other hosts learn the site's own domain."""
    static = cfg.root / cfg.static_dir
    for rel, path in published_files(static) if static.is_dir() else []:
        if not path.name.startswith("."):
            out.add(rel, path.read_bytes())
    if cfg.cname is not None:
        if (static / "CNAME").exists():
            hint = "keep one of them: remove static/CNAME, or the cname line"
            raise SitegenError(
                "both static/CNAME and cname in sitegen.toml name the domain", static / "CNAME", hint=hint
            )
        out.add("CNAME", f"{cfg.cname}\n")


def published_files(folder: Path) -> list[tuple[str, Path]]:
    """The files under folder by their path in it, sorted. A link that leads out of folder is an error naming
    it: a link to /proc/self/environ or ~/.bashrc in static/ would publish the build's secrets."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not inside(path, folder):
            raise SitegenError(
                f"a link that leads out of {folder}: {path.resolve()}",
                path,
                hint="copy the file into the folder instead of linking to it",
            )
        if path.is_file():
            found.append((path.relative_to(folder).as_posix(), path))
    return found
