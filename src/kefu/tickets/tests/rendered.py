"""Read a form from a rendered page and post what a browser would (TESTING.md: "submit forms
as rendered"): hidden inputs, the selected (or first) option of each select, the text of
each textarea, the value of each input; the test changes only what the person changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class RenderedForm:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    disabled_buttons: int = 0
    buttons: int = 0


class _Forms(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.form: RenderedForm | None = None
        self.inside = False
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == self.testid:
            self.form = RenderedForm(action=a.get("action", ""))
            self.inside = True
            return
        if not self.inside or self.form is None:
            return
        name = a.get("name")
        if name and "required" in a:
            self.form.required.add(name)
        if tag == "input" and name and a.get("type") not in {"submit", "button"}:
            self.form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.form.fields[name] = ""
        elif tag == "button":
            self.form.buttons += 1
            if "disabled" in a:
                self.form.disabled_buttons += 1

    def handle_data(self, data):
        if self.inside and self._textarea and self.form is not None:
            self.form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if not self.inside or self.form is None:
            return
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = self._select_value if self._select_value is not None else self._select_first
            self.form.fields[self._select] = chosen or ""
            self._select = None
        elif tag == "form":
            self.inside = False


def rendered_form(html: str, testid: str) -> RenderedForm:
    """The form with ``data-testid=testid`` on the page; AssertionError if there is none."""
    parser = _Forms(testid)
    parser.feed(html)
    assert parser.form is not None, f"no form {testid!r} on the page"
    return parser.form
