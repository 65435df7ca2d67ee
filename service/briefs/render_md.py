"""Render a brief as Markdown (pure function of BriefData)."""

from __future__ import annotations

from service.briefs import outline as o
from service.briefs.schemas import BriefData

BAR_CELLS = 20


def _text(value: str) -> str:
    """Escape what a Markdown viewer would read as HTML or emphasis, so names print as written."""
    out = value.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")
    for char in "*_`[]#":
        out = out.replace(char, "\\" + char)
    return out


def _cell(value: str) -> str:
    return _text(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ") or " "


def render(data: BriefData, lang: str = "zh") -> bytes:
    """Return the brief as UTF-8 Markdown."""
    return render_blocks(o.build(data, lang))


def render_blocks(blocks: list[o.Block]) -> bytes:
    """Lay out blocks as UTF-8 Markdown."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, o.Title):
            lines += [f"# {_text(block.text)}", "", f"_{_text(block.subtitle)}_", ""]
        elif isinstance(block, o.Heading):
            lines += [f"{'#' * (block.level + 1)} {_text(block.text)}", ""]
        elif isinstance(block, o.Para):
            lines += [f"**{_text(block.text)}**" if block.strong else _text(block.text), ""]
        elif isinstance(block, o.Bullets):
            lines += [f"- {_text(item)}" for item in block.items] + [""]
        elif isinstance(block, o.Table):
            header = [_cell(h) for h in block.header]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, o.Chart):
            width = max(len(bar.label) for bar in block.bars)
            wide = any(not label.isascii() for label in (bar.label for bar in block.bars))
            pad = "\u3000" if wide else " "  # a full-width space keeps CJK labels aligned
            lines += [f"**{_text(block.title)}**", "", "```"]
            for bar in block.bars:
                filled = round(bar.value * BAR_CELLS)
                lines.append(f"{bar.label.ljust(width, pad)} {'█' * filled}{'░' * (BAR_CELLS - filled)} "
                             f"{bar.value * 100:3.0f}")
            lines += ["```", ""]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
