"""`seckg fmt`: the Turtle files of ontology/, shapes/ and data/ in canonical form.

Each file is rewritten by `seckg.canonical.format_turtle` only when its text changes; a
file that does not parse, or that would lose a comment, is reported and left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seckg.canonical import CommentsLost, format_turtle
from seckg.config import Config
from seckg.loading import data_files, ontology_files, relative, shape_files


@dataclass(frozen=True)
class FileResult:
    path: Path
    changed: bool
    error: str | None = None


def turtle_files(config: Config) -> list[Path]:
    """The files `seckg fmt` keeps canonical: the ones the loader reads."""
    return ontology_files(config) + shape_files(config) + data_files(config)


def format_file(config: Config, path: Path, write: bool) -> FileResult:
    """Format one file; write it back only when `write` and its text changes."""
    rel = relative(config, path)
    try:
        text = path.read_text(encoding="utf-8")
        formatted = format_turtle(text, base=config.base)
    except SyntaxError as error:
        return FileResult(rel, False, f"{rel}:{error.lineno or 1}:{error.offset or 1}: {error.msg or error}")
    except (CommentsLost, OSError, UnicodeDecodeError, ValueError) as error:
        return FileResult(rel, False, f"{rel}: {error}")
    if formatted == text:
        return FileResult(rel, False)
    if write:
        path.write_text(formatted, encoding="utf-8")
    return FileResult(rel, True)
