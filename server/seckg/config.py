"""Where the repository lives and which base IRI it is published under.

Everything else derives paths and IRIs from one `Config`, so a checkout can be
served from any directory and under any base without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE = "https://w3id.org/seckg/"


def _find_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds pyproject.toml."""
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return None


def discover_root() -> Path:
    """Repository root: $SECKG_ROOT, else found upwards from cwd, else from this package."""
    env = os.environ.get("SECKG_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    return _find_root(Path.cwd().resolve()) or _find_root(here) or here.parents[1]


@dataclass(frozen=True)
class Config:
    """Repository root and base IRI; the source folders hang off the root. `remote` is the URL of a
    SPARQL endpoint to serve from instead of loading the files (see seckg.remote), `remote_union`
    whether its default graph is the union of its named graphs already."""

    root: Path
    base: str = DEFAULT_BASE
    remote: str | None = None
    remote_union: bool = False  # the remote's default graph already is the union of its named graphs

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    @classmethod
    def from_env(cls, root: str | os.PathLike | None = None, base: str | None = None) -> Config:
        """Explicit arguments win, then $SECKG_ROOT / $SECKG_BASE / $SECKG_REMOTE / $SECKG_REMOTE_UNION,
        then the defaults."""
        return cls(
            root=Path(root) if root else discover_root(),
            base=base or os.environ.get("SECKG_BASE") or DEFAULT_BASE,
            remote=os.environ.get("SECKG_REMOTE") or None,
            remote_union=os.environ.get("SECKG_REMOTE_UNION", "").lower() in ("1", "true", "yes"),
        )

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
