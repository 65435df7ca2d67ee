"""Read a page the way a browser would: its elements, their attributes, and the text a reader sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._chunks: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.page.inline_scripts.append(data)
        self._chunks.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = "".join(self._chunks)


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def active_content(page: Page) -> list[str]:
    """Anything that would run script: event-handler attributes, inline scripts, javascript: URLs."""
    found = [f"<{tag} {name}=…>" for tag, attrs in page.elements for name in attrs if name.startswith("on")]
    found += [f"inline <script>: {s[:40]}" for s in page.inline_scripts]
    found += [f"<{tag} {name}={value[:40]}>" for tag, attrs in page.elements for name, value in attrs.items()
              if value.strip().lower().startswith("javascript:")]
    found += [f"<script src={attrs.get('src')}>" for tag, attrs in page.elements
              if tag == "script" and not attrs.get("src", "").startswith("/ui/static/")]
    return found
