"""The text a reader sees in a briefing, from its PDF (what WeasyPrint drew) or from the HTML
that is rendered into it (the same words and numbers, without drawing a page)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

#: elements that start a new line of text (table rows become one line each, cells joined by
#: spaces, as in the PDF's text)
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "text", "thead", "tfoot", "tr",
    "ul",
}  # fmt: skip
_CELLS = {"td", "th"}
_HIDDEN = {"head", "style", "script", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:  # a line break in the source is a space on the page
            self.parts.append(re.sub(r"\s+", " ", data))


def html_text(html: str) -> str:
    """The briefing's visible text, one line per block or table row, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def flat(text: str) -> str:
    """``text`` with every run of whitespace (line breaks too) as one space."""
    return " ".join(text.split())


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    """The PDF's text, pages joined by line breaks (pypdf's reading order)."""
    return "\n".join(pdf_pages(path))
