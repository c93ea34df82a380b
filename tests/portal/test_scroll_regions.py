"""A wide table's scroll region is a landmark of its own (``role="region"``): a screen reader
lists it among the page's regions by its name. When it borrows the name of the section around
it, the list shows two regions of one name (« Documents », « Documents ») and the person cannot
tell the section from its table. Each scroll region is named by its table's caption, or by a
heading that names no section."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
REGION = re.compile(r'class="table-scroll"[^>]*role="region"[^>]*aria-labelledby="([^"]+)"')
SECTION = re.compile(r'<section[^>]*aria-labelledby="([^"]+)"')


def test_no_scroll_region_takes_the_name_of_its_section():
    shared = []
    regions = 0
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        sections = set(SECTION.findall(text))
        for name in REGION.findall(text):
            regions += 1
            if name in sections:
                shared.append(f"{template.relative_to(TEMPLATES)}: {name}")
    assert regions > 40  # the check sees the portal's scroll regions
    assert shared == [], "scroll regions named like their section: " + ", ".join(shared)


def test_the_check_sees_a_region_named_like_its_section(tmp_path):
    text = ('<section aria-labelledby="x-title"><h2 id="x-title">X</h2>'
            '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="x-title">')
    assert set(REGION.findall(text)) & set(SECTION.findall(text)) == {"x-title"}
