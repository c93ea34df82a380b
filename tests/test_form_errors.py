"""Errors where the eye is (WCAG 3.3.1, 3.3.3): every form the demo accounts meet, submitted
empty and then with one bad value, either succeeds or comes back as a page that says what is
wrong at the field — never as a message at the top of another page, 1,500 px away.

Each demo account walks the portal from its home page (as ``test_crawl`` does, fewer pages)
and collects the POST forms that take input (a text box, a date, a list, a file; forms of
buttons alone are moves, tested in ``test_offers``). Each distinct form (by its action, numbers
aside) is submitted, inside a savepoint rolled back afterwards:

- empty: every box blank, every list on its empty choice, no box ticked, no file;
- with one bad value: the form as the page offers it, one control made wrong (a date that is
  not one, a number that is not one, an address without “@”, a choice the list does not
  have).

A form that refuses comes back with: a ``<title>`` that starts with « Erreur »; the page's
error summary (``base.html``) listing each error, its links pointing at controls of the page;
each control marked ``aria-invalid`` described (``aria-describedby``, on itself or on its
fieldset) by an error list that exists and says something. A redirect after which the page
shows an error message is a failure: the error is far from the field that caused it."""

import re
from collections import deque
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accounts.models import User
from hub.management.commands.seed_demo import ACCOUNTS
from tests.test_crawl import LEAVES, _Links, _normalised

pytestmark = pytest.mark.django_db

#: Pages walked per account: enough to reach every kind of page with forms.
MAX_PAGES = 150
#: Not forms that take input: they change the session or the language.
SKIPPED_ACTIONS = ("/accounts/logout/", "/i18n/")
TEXT_TYPES = {"text", "search", "email", "url", "tel", "number", "date", "datetime-local",
              "time", "month", "password", ""}
BAD_VALUES = {"date": "31-31-2026", "datetime-local": "pas une date", "number": "douze",
              "email": "pas-une-adresse", "url": "pas une adresse", "time": "25 h 99"}


class _Forms(HTMLParser):
    """The POST forms of a page: their action, enctype and controls, as a browser would send
    them, with what each control is."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self._form = {"action": attrs.get("action") or "", "id": attrs.get("id"),
                              "controls": []}
                self.forms.append(self._form)
            else:
                self._form = None
            return
        form = self._owner(attrs)
        if form is None or not attrs.get("name"):
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            form["controls"].append({"tag": "input", "type": kind, "name": attrs["name"],
                                     "value": attrs.get("value") or "",
                                     "checked": "checked" in attrs})
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "type": "textarea", "name": attrs["name"],
                              "value": ""}
            form["controls"].append(self._textarea)
        elif tag == "select":
            self._select = {"tag": "select", "type": "select", "name": attrs["name"],
                            "options": [], "selected": [],
                            "multiple": "multiple" in attrs}
            form["controls"].append(self._select)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _owner(self, attrs):
        """The form a control belongs to: its ``form`` attribute's, else the open form."""
        if attrs.get("form"):
            return next((form for form in self.forms if form["id"] == attrs["form"]), None)
        return self._form

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


class _Options(HTMLParser):
    """``<option>`` values of each select, by the select's name (a second pass: HTMLParser
    gives an option's attributes at its start tag)."""

    def __init__(self):
        super().__init__()
        self.by_name = {}
        self._name = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._name = attrs.get("name")
            self.by_name.setdefault(self._name, [])
        elif tag == "option" and self._name is not None:
            self.by_name[self._name].append((attrs.get("value", ""), "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "select":
            self._name = None


def _takes_input(form) -> bool:
    return any(control["type"] in TEXT_TYPES | {"textarea", "select", "file"}
               for control in form["controls"])


def _as_offered(form, options) -> dict:
    """What the browser sends for the form as the page shows it."""
    data = {}
    for control in form["controls"]:
        name, kind = control["name"], control["type"]
        if kind in ("checkbox", "radio"):
            if control["checked"]:
                data.setdefault(name, []).append(control["value"] or "on")
        elif kind == "file":
            continue
        elif kind == "select":
            values = options.get(name, [])
            chosen = [value for value, selected in values if selected]
            if not chosen and values and not control["multiple"]:
                chosen = [values[0][0]]
            data.setdefault(name, []).extend(chosen)
        else:
            data.setdefault(name, []).append(control["value"])
    return data


def _emptied(form) -> dict:
    """The form with every control left empty (hidden fields kept: the token, the next page)."""
    data = {}
    for control in form["controls"]:
        if control["type"] == "hidden":
            data.setdefault(control["name"], []).append(control["value"])
        elif control["type"] in TEXT_TYPES | {"textarea", "select"}:
            data.setdefault(control["name"], []).append("")
    return data


def _with_one_bad_value(form, options):
    """The form as offered with one control made wrong, and which; None if none can be."""
    data = _as_offered(form, options)
    for control in form["controls"]:
        bad = BAD_VALUES.get(control["type"])
        if bad is None and control["type"] == "select":
            bad = "valeur-inexistante-9999"
        if bad is not None:
            data[control["name"]] = [bad]
            return data, control["name"]
    return None, None


class _Page(HTMLParser):
    """What a page says about its errors: the title, the summary's links, the ids on the page,
    the controls marked invalid with what describes them (their own aria-describedby and their
    fieldsets'), the text of each element by id, the error messages at the top."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.ids = {}
        self.summary_links = []
        self.summary_items = 0
        self.invalid = []
        self.top_errors = 0
        self._in_title = False
        self._stack = []  # (tag, id, describedby, classes)
        self._text_of = []  # ids whose text is being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        element_id = attrs.get("id")
        if element_id:
            self.ids[element_id] = ""
            self._text_of.append(element_id)
        in_summary = any("error-summary" in entry[3] for entry in self._stack)
        if tag == "title":
            self._in_title = True
        if in_summary and tag == "li":
            self.summary_items += 1
        if in_summary and tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.summary_links.append(attrs["href"][1:])
        if tag == "p" and "alert--error" in classes and any(
                "messages" in entry[3] for entry in self._stack):
            self.top_errors += 1
        if attrs.get("aria-invalid") == "true":
            described = (attrs.get("aria-describedby") or "").split()
            for entry in self._stack:
                if entry[0] == "fieldset":
                    described += entry[2]
            self.invalid.append((attrs.get("name") or element_id or tag, described))
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._stack.append((tag, element_id, (attrs.get("aria-describedby") or "").split(),
                                classes))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        while self._stack:
            entry = self._stack.pop()
            if entry[1] and entry[1] in self._text_of:
                self._text_of.remove(entry[1])
            if entry[0] == tag:
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        for element_id in self._text_of:
            self.ids[element_id] += data


def _problems(label, response, client) -> list[str]:
    """What is wrong with how ``response`` answers a submitted form (nothing if it succeeded)."""
    if response.status_code in (301, 302):
        followed = client.get(response["Location"])
        page = _Page()
        page.feed(followed.content.decode(errors="replace"))
        if page.top_errors:
            return [f"{label}: refused with a message at the top of {response['Location']}, "
                    "not at the field"]
        return []
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return [f"{label}: answered {response.status_code}"]
    page = _Page()
    page.feed(response.content.decode(errors="replace"))
    if not page.summary_items and not page.invalid and not page.top_errors:
        return []  # shown again without complaint (e.g. a preview): not a refusal
    problems = []
    if not page.title.strip().startswith("Erreur"):
        problems.append(f"{label}: the title does not start with « Erreur »: {page.title!r}")
    if not page.summary_items:
        problems.append(f"{label}: no error summary")
    problems += [f"{label}: the summary links to #{target}, not on the page"
                 for target in page.summary_links if target not in page.ids]
    for name, described in page.invalid:
        errors = [i for i in described if i in page.ids and i.endswith("_error")
                  and page.ids[i].strip()]
        if not errors:
            problems.append(f"{label}: {name} is marked invalid but no error describes it")
    if page.top_errors:
        problems.append(f"{label}: an error shown at the top of the page")
    return problems


def _walk(client) -> list[tuple[str, dict, dict]]:
    """The pages of the account and the POST forms that take input, one per action."""
    queue, seen, opened, found = deque(["/"]), {"/"}, 0, {}
    while queue and opened < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        opened += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", "") \
                or url.startswith(LEAVES):
            continue
        html = response.content.decode()
        forms, options = _Forms(), _Options()
        forms.feed(html)
        options.feed(html)
        for form in forms.forms:
            action = form["action"] or url.split("?")[0]
            if action.startswith(SKIPPED_ACTIONS) or not _takes_input(form):
                continue
            key = re.sub(r"\d+", "N", action.split("?")[0])
            found.setdefault(key, (url, action, form, options.by_name))
        links = _Links()
        links.feed(html)
        for candidate in links.links:
            target = _normalised(candidate, url)
            if target is None or target in seen or "?" in target:
                continue
            seen.add(target)
            queue.append(target)
    return list(found.values())


class _RolledBack(Exception):
    pass


def test_every_form_refused_says_what_is_wrong_at_the_field(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    call_command("seed_demo", verbosity=0)
    problems, tried = [], set()
    for email, *_rest in ACCOUNTS:
        client = Client()
        client.force_login(User.objects.get(email=email))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        for page_url, action, form, options in _walk(client):
            key = (email.split("@")[0], re.sub(r"\d+", "N", action))
            if key[1] in tried:
                continue
            tried.add(key[1])
            bad, bad_name = _with_one_bad_value(form, options)
            for what, data in (("empty", _emptied(form)), (f"bad {bad_name}", bad)):
                if data is None:
                    continue
                label = f"{email} {action} (from {page_url}), {what}"
                try:
                    with transaction.atomic():
                        response = client.post(action, data)
                        problems += _problems(label, response, client)
                        raise _RolledBack
                except _RolledBack:
                    pass
                client.get("/")  # whatever a refusal left in the messages is read here
    assert len(tried) > 20, f"only {len(tried)} forms were found"
    assert problems == [], "\n".join(problems)
