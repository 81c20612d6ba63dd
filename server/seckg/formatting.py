"""`seckg fmt`: the Turtle files of ontology/, shapes/ and data/ in canonical form.

Each file is rewritten by `seckg.canonical.format_turtle` only when its text changes; a
file that does not parse, or that would lose a comment, is reported and left untouched.
With a git revision, a file that has no comments (Protégé saved it) gets back those of its
version at that revision, each at its subject or predicate.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from seckg.canonical import CommentsLost, format_turtle
from seckg.config import Config
from seckg.loading import data_files, ontology_files, relative, shape_files
from seckg.turtle_layout import comment_lines, generated_comment_count


@dataclass(frozen=True)
class FileResult:
    path: Path
    changed: bool
    error: str | None = None
    generated: int = 0  # comment lines the OWL API wrote itself, dropped


def turtle_files(config: Config) -> list[Path]:
    """The files `seckg fmt` keeps canonical: the ones the loader reads."""
    return ontology_files(config) + shape_files(config) + data_files(config)


def committed_text(config: Config, path: Path, revision: str) -> str | None:
    """The file as it was at a git revision, None when it did not exist there (or git has no answer)."""
    rel = relative(config, path).as_posix()
    try:
        proc = subprocess.run(["git", "-C", str(config.root), "show", f"{revision}:{rel}"],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.decode("utf-8") if proc.returncode == 0 else None


def format_file(config: Config, path: Path, write: bool, comments_from: str | None = None) -> FileResult:
    """Format one file; write it back only when `write` and its text changes."""
    rel = relative(config, path)
    try:
        text = path.read_text(encoding="utf-8")
        previous = None
        if comments_from and not comment_lines(text):
            previous = committed_text(config, path, comments_from)
        formatted = format_turtle(text, base=config.base, previous=previous)
    except SyntaxError as error:
        return FileResult(rel, False, f"{rel}:{error.lineno or 1}:{error.offset or 1}: {error.msg or error}")
    except (CommentsLost, OSError, UnicodeDecodeError, ValueError) as error:
        return FileResult(rel, False, f"{rel}: {error}")
    if formatted == text:
        return FileResult(rel, False)
    if write:
        path.write_text(formatted, encoding="utf-8")
    return FileResult(rel, True, generated=generated_comment_count(text))
