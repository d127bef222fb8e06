"""Fields grouped by form section in position order, for the record forms and the details page.

Fields are walked in position order. A field without a section stays exactly where its position
puts it (a "Notes" field at the last position is drawn last, not above the first section); a
section is drawn where its first field is and gathers all of its fields. Each section has its
title and help in the page's language and one or two columns (:mod:`recordbase.formlayout`).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask_admin.form import rules
from markupsafe import Markup

from ...formlayout.document import Section


def section_blocks(fields: Iterable[Any]) -> list[tuple[Optional[str], list]]:
    """``(section key or None, fields)`` blocks in drawing order (see the module's docstring)."""
    blocks: list[tuple[Optional[str], list]] = []
    where: dict[str, int] = {}
    for f in fields:
        key = f.section or None
        if key is None:
            if blocks and blocks[-1][0] is None:
                blocks[-1][1].append(f)
            else:
                blocks.append((None, [f]))
        elif key in where:
            blocks[where[key]][1].append(f)
        else:
            where[key] = len(blocks)
            blocks.append((key, [f]))
    return blocks


class SectionRule(rules.NestedRule):
    """A form section: its title and help (page language), its fields in one or two columns."""

    def __init__(self, items: list, section: Section, lang: str):
        super().__init__(items)
        self.section = section
        self.lang = lang

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Markup:
        inner = super().__call__(form, form_opts, field_args)
        help_text = self.section.help_text(self.lang)
        return Markup('<fieldset class="rb-form-section rb-cols-{}" data-section="{}"><legend>{}</legend>{}'
                      '<div class="rb-section-fields">{}</div></fieldset>').format(
            self.section.columns, self.section.key, self.section.title(self.lang),
            Markup('<p class="rb-section-help text-muted">{}</p>').format(help_text) if help_text else "", inner)
