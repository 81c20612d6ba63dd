"""Keeps XML answers (RDF/XML, SPARQL XML results) meaning the same to every XML 1.0 parser.

pyoxigraph writes a literal's characters into XML as they are. Two kinds of
character do not survive that: a carriage return, which every conforming
parser turns into a line feed (so "a\\r\\nb" would come back as "a\\nb"), and
the C0 control characters other than tab, line feed and carriage return
(and U+FFFE/U+FFFF), which XML 1.0 cannot carry at all, so the document
would not parse. The first is written as the reference &#13;; the second
cannot be written, so such literals are refused when files are loaded and an
XML answer holding one is refused rather than sent ill-formed.
"""

from __future__ import annotations

import re

_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NotXmlText(ValueError):
    """Text holding a character that XML 1.0 cannot represent, even as a reference."""


def forbidden_character(text: str) -> str | None:
    """The first character of `text` that XML 1.0 cannot carry, or None."""
    match = _NOT_XML_TEXT.search(text)
    return match.group() if match else None


def portable_xml(body: bytes) -> bytes:
    """An XML document pyoxigraph wrote, with carriage returns as references; `NotXmlText` if it
    holds a character XML 1.0 forbids. Markup never contains CR, so only text is changed."""
    match = _NOT_XML_BYTES.search(body)
    if match:
        code = ord(match.group().decode("utf-8"))
        raise NotXmlText(f"the answer holds the character U+{code:04X}, which XML 1.0 cannot represent; "
                         "ask for another format (JSON, Turtle, N-Triples…)")
    return body.replace(b"\r", b"&#13;")
