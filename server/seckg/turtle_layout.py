"""What a Turtle file says besides its triples: its `#` comments and its sections.

Comments carry curators' notes (why a date was chosen, what a section holds), and no RDF
parser keeps them. To rewrite a file in canonical form without losing them, this module
reads the text with a small tokenizer and anchors each comment to what it stands above:

- comments before or among the prefix declarations form the file's header;
- a comment block separated by a blank line from what follows opens a *section*; the
  subjects that follow it, up to the next such block, belong to that section;
- a block directly above a subject belongs to that subject, and one directly above a
  predicate (or inside its objects) to that subject and predicate;
- a comment at the end of a line belongs to the predicate, or subject, it ends.

The canonical writer (`seckg.canonical`) keeps sections in file order and re-emits every
comment at its anchor, so no comment is ever dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_TOKEN = re.compile(
    r'''(?P<newline>\r\n|\n|\r)
      | (?P<space>[ \t]+)
      | (?P<comment>\#[^\r\n]*)
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
                   |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
      | (?P<punct>\^\^|[\[\]();,])
      | (?P<word>[^\s<>"'\#\[\]();,^]+)
    ''',
    re.X | re.S,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    pos: int


@dataclass
class Section:
    """A run of subjects under one free-standing comment (none for the first, usually)."""

    comments: list[list[str]] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """Comments and sections of one Turtle text, keyed by subject and predicate IRIs.

    A subject written as a blank node (`[ … ] .`) is keyed by a made-up `_:statementN`
    whose text `blank_statements` keeps, for `seckg.canonical` to match against the graph.
    """

    header: list[list[str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=lambda: [Section()])
    subject_comments: dict[str, list[str]] = field(default_factory=dict)
    predicate_comments: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    blank_statements: dict[str, str] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    def section_of(self) -> dict[str, int]:
        return {subject: i for i, section in enumerate(self.sections) for subject in section.subjects}


def resolve(base: str, iri: str) -> str:
    """An IRI as written, resolved against `base` only when relative (urljoin drops a bare '#')."""
    return iri if _ABSOLUTE.match(iri) else urljoin(base, iri)


def comment_lines(text: str) -> list[str]:
    """Every comment of a Turtle text, as written without surrounding space."""
    return [t.text.strip() for t in tokens(text) if t.kind == "comment"]


def tokens(text: str) -> list[Token]:
    """Tokens with line numbers and offsets; a word's trailing '.' (end of statement) is split off."""
    found: list[Token] = []
    line, pos = 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"line {line}: cannot read {text[pos:pos + 20]!r}")
        kind, value, start = match.lastgroup, match.group(), pos
        pos = match.end()
        if kind == "newline":
            line += 1
            continue
        if kind == "space":
            continue
        stem = value.rstrip(".") if kind == "word" else value
        if stem:
            found.append(Token(kind, stem, line, start))
        found.extend(Token("word", ".", line, start + k) for k in range(len(stem), len(value)))
        line += value.count("\n") if kind == "string" else 0
    return found


def _blocks(comments: list[Token]) -> list[tuple[list[str], int]]:
    """Consecutive comment lines grouped into blocks: (lines, last line number)."""
    blocks: list[tuple[list[str], int]] = []
    for comment in comments:
        if blocks and comment.line == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0] + [comment.text.rstrip()], comment.line)
        else:
            blocks.append(([comment.text.rstrip()], comment.line))
    return blocks


class _Reader:
    """One pass over the tokens, tracking where in a statement each token stands."""

    def __init__(self, text: str, base: str) -> None:
        self.text = text
        self.toks = tokens(text)
        self.base = base
        self.layout = Layout()
        self.pending: list[Token] = []
        self.subject: str | None = None
        self.predicate: str | None = None
        self.last_subject: str | None = None
        self.seen_statement = False

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            return resolve(self.base, token.text[1:-1])
        if token.kind == "word" and token.text == "a":
            return RDF_TYPE
        if token.kind == "word" and ":" in token.text and not token.text.startswith("_:"):
            prefix, local = token.text.split(":", 1)
            if prefix in self.layout.prefixes:
                return self.layout.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    @staticmethod
    def _add(mapping: dict, key, lines: list[str]) -> None:
        mapping.setdefault(key, []).extend(lines)

    def _open_section(self, blocks: list[list[str]]) -> None:
        current = self.layout.sections[-1]
        if current.subjects:
            self.layout.sections.append(Section(comments=blocks))
        else:
            current.comments.extend(blocks)

    def _anchor(self, lines: list[str], subject: str | None, predicate: str | None) -> None:
        if not lines:
            return
        if subject is None:
            self._open_section([lines])
        elif predicate is None:
            self._add(self.layout.subject_comments, subject, lines)
        else:
            self._add(self.layout.predicate_comments, (subject, predicate), lines)

    def _flush_before_subject(self, token: Token, key: str | None) -> None:
        """Comments before a statement: section openers, then the subject's own block."""
        blocks = _blocks(self.pending)
        self.pending = []
        own: list[str] = []
        if blocks and blocks[-1][1] == token.line - 1 and key is not None:
            own = blocks.pop()[0]
        if blocks:
            self._open_section([b for b, _ in blocks])
        self._anchor(own, key, None)

    def _flush(self) -> None:
        self._anchor([line for block, _ in _blocks(self.pending) for line in block], self.subject, self.predicate)
        self.pending = []

    def _trailing(self, token: Token) -> None:
        """A comment ending a line belongs to what that line holds."""
        line = [token.text.rstrip()]
        if not self.seen_statement:
            self.layout.header.append(line)
        else:
            self._anchor(line, self.subject or self.last_subject, self.predicate if self.subject else None)

    def read(self) -> Layout:
        toks, i = self.toks, 0
        state, depth, previous_line = "subject", 0, 0
        while i < len(toks):
            token = toks[i]
            if token.kind == "comment":
                if token.line == previous_line:
                    self._trailing(token)
                else:
                    self.pending.append(token)
                i += 1
                continue
            previous_line = token.line
            if state == "subject":
                if token.kind == "word" and token.text.lower() in ("@prefix", "@base", "prefix", "base"):
                    i = self._directive(i)
                    previous_line = toks[i - 1].line
                    continue
                self.seen_statement = True
                bracketed = token.text in ("[", "(")
                self.subject = self._blank_key(i) if bracketed else self.iri(token)
                self.predicate = None
                self._flush_before_subject(token, self.subject)
                if self.subject is not None and not any(self.subject in s.subjects for s in self.layout.sections):
                    self.layout.sections[-1].subjects.append(self.subject)
                state, depth = ("brackets", 1) if bracketed else ("predicate", 0)
            elif state == "brackets":  # inside the [ … ] or ( … ) that is the subject
                self._flush()
                depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(token.text, 0)
                if depth == 0:
                    state = "predicate"
            elif state == "predicate" and depth == 0:
                if token.text == ".":
                    self._flush()
                    state, self.last_subject, self.subject = "subject", self.subject, None
                elif token.text != ";":
                    self.predicate = self.iri(token)
                    self._flush()
                    state = "object"
            else:  # objects, and anything nested in them: comments go to the open predicate
                self._flush()
                depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(token.text, 0)
                if depth == 0 and token.text == ";":
                    state = "predicate"
                elif depth == 0 and token.text == ".":
                    state, self.last_subject, self.subject = "subject", self.subject, None
            i += 1
        if self.pending:
            blocks = [b for b, _ in _blocks(self.pending)]
            if self.seen_statement:
                self.layout.sections.append(Section(comments=blocks))
            else:
                self.layout.header.extend(blocks)
        return self.layout

    def _directive(self, i: int) -> int:
        """Record a prefix or base declaration; the comments before it join the header."""
        toks = self.toks
        self.layout.header.extend(b for b, _ in _blocks(self.pending))
        self.pending = []
        keyword = toks[i].text.lower()
        if keyword in ("@prefix", "prefix"):
            self.layout.prefixes[toks[i + 1].text[:-1]] = resolve(self.base, toks[i + 2].text[1:-1])
            end = i + 3
        else:
            self.base = resolve(self.base, toks[i + 1].text[1:-1])
            end = i + 2
        if keyword.startswith("@") and end < len(toks) and toks[end].text == ".":
            end += 1
        return end

    def _blank_key(self, i: int) -> str:
        """A key for a statement whose subject is a blank node; its text is kept for matching."""
        depth = 0
        for tok in self.toks[i:]:
            if tok.kind == "comment":
                continue
            depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(tok.text, 0)
            if tok.text == "." and depth == 0:
                end = tok.pos + 1
                break
        else:
            end = len(self.text)
        key = f"_:statement{len(self.layout.blank_statements) + 1}"
        self.layout.blank_statements[key] = self.text[self.toks[i].pos:end]
        return key


def read_layout(text: str, base: str) -> Layout:
    """The comments, sections and prefixes of a Turtle text (which must parse)."""
    return _Reader(text, base).read()
