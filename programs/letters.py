"""Decision letters: the letter each decision on a plan produces (approval, refusal, changes
requested), from the template a central administrator edits per program, decision and
language (``LetterTemplate``, in the Django admin).

- ``letter_issue(event=...)`` writes the letter of one decision (its ``PlanEvent``): the text
  filled from the current template, in French, followed by its English version when the
  organisation corresponds in English; the PDF made here on the server (reportlab, with the
  DejaVu Sans font shipped in ``static/fonts``); both kept with the plan in private storage,
  with the PDF's SHA-256. One letter per decision: issuing it again returns the same letter.
  A letter keeps the text it was made from, so a template changed later applies to the next
  letters only.
- ``issue_after_move`` is the decision moves' ``then`` (``programs.workflow``): the letter is
  written in the move's transaction, and a letter that cannot be written refuses the move,
  which then changes nothing.
- ``notification_attachments`` gives the decision's notification email its letter
  (``notifications.messages.register(..., attachments=...)``).

Templates are plain text with ``{name}`` placeholders (``PLACEHOLDERS``). They are filled by a
substitution of known names only: no attribute or index lookup, no format specification, and
an unknown name or a stray brace stays as written, so no text an administrator types can reach
anything but the values listed here, nor make the letter fail.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import files
from portal.money import money as portal_money
from portal.workflow import TransitionRefused

from .instalments import split
from .models import (
    ActionPlan,
    DecisionLetter,
    Instalment,
    InstalmentCondition,
    LetterKind,
    LetterLanguage,
    LetterTemplate,
    PlanEvent,
    Program,
    ReportKind,
)

#: The placeholders a template may hold, and what each becomes (the admin's help text).
PLACEHOLDERS = {
    "organisation": _("the organisation’s name"),
    "plan": _("the plan’s title"),
    "program": _("the program’s name"),
    "call": _("the call for projects"),
    "amount": _("the amount approved (empty before an approval)"),
    "requested_amount": _("the amount the plan asks of the ministry"),
    "instalments": _("the payment schedule: a heading, then one numbered line per "
                     "instalment (its share, its amount, when it is paid); empty when no "
                     "instalment is set"),
    "conditions": _("the decision’s comment (conditions, reasons or changes asked)"),
    "date": _("the date of the decision"),
    "signatory_name": _("the signatory below"),
    "signatory_title": _("the signatory’s title below"),
    "adviser": _("the plan’s adviser (or “the regional office” when none)"),
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ANY_FIELD = re.compile(r"\{([^{}]*)\}")

MINISTRY = "Ministère de l’Immigration, de la Francisation et de l’Intégration"
GOVERNMENT = "Gouvernement du Québec"

#: The words of the letter itself, per language (a ministry document is written in its
#: language, whatever the language of the person who issues it).
WORDS = {
    "fr": {
        "subject": "Objet : ",
        "place_date": "{city}, le {date}",
        "schedule": "Les versements seront effectués selon le calendrier suivant :",
        "signature": "à la signature de la convention",
        "progress": "après l’acceptation du rapport d’étape prévu le {due}",
        "progress_any": "après l’acceptation du rapport d’étape",
        "terms_note": ("Le calendrier précis, lié aux dates de vos rapports, vous sera confirmé à "
                       "la signature de la convention."),
        "final": "après l’acceptation du rapport final",
        "date": "le {date}",
        "no_adviser": "votre direction régionale",
        "english": "",
        "page": "Plan d’action no {pk}",
    },
    "en": {
        "subject": "Subject: ",
        "place_date": "{city}, {date}",
        "schedule": "The grant will be paid according to the following schedule:",
        "signature": "on signing the agreement",
        "progress": "once the progress report due {due} is accepted",
        "progress_any": "once the progress report is accepted",
        "terms_note": ("The exact schedule, tied to your report dates, will be confirmed when "
                       "the agreement is signed."),
        "final": "once the final report is accepted",
        "date": "on {date}",
        "no_adviser": "your regional office",
        "english": "English version",
        "page": "Action plan no. {pk}",
    },
}

_CLOSING_FR = "Veuillez agréer, Madame, Monsieur, l’expression de nos sentiments distingués."
_CLOSING_EN = "Yours sincerely,"
_ABOUT_FR = ("le plan d’action «\u00a0{plan}\u00a0» présenté par {organisation} dans le cadre du "
             "programme {program} (appel de projets «\u00a0{call}\u00a0»)")
_ABOUT_EN = ("the action plan “{plan}” submitted by {organisation} under the program "
             "{program} (call for projects “{call}”)")

#: (kind, language) -> (subject, body): the texts a program starts with, which central
#: administrators then edit.
DEFAULT_TEMPLATES = {
    (LetterKind.APPROVED, "fr"): (
        "Approbation de votre plan d’action «\u00a0{plan}\u00a0»",
        "Madame, Monsieur,\n\n"
        "Au nom du ministère, j’ai le plaisir de vous informer que " + _ABOUT_FR
        + " est approuvé.\n\n"
        "Une aide financière de {amount} vous est accordée pour sa réalisation (montant "
        "demandé : {requested_amount}).\n\n"
        "{instalments}\n\n"
        "{conditions}\n\n"
        "Une convention d’aide financière précisant les engagements des parties vous sera "
        "transmise prochainement. Pour toute question, communiquez avec {adviser}.\n\n"
        + _CLOSING_FR),
    (LetterKind.APPROVED, "en"): (
        "Approval of your action plan “{plan}”",
        "Dear Sir or Madam,\n\n"
        "On behalf of the ministry, I am pleased to inform you that " + _ABOUT_EN
        + " is approved.\n\n"
        "A grant of {amount} is awarded for carrying it out (amount requested: "
        "{requested_amount}).\n\n"
        "{instalments}\n\n"
        "{conditions}\n\n"
        "A financial assistance agreement setting out the commitments of both parties will "
        "be sent to you shortly. For any question, please contact {adviser}.\n\n"
        + _CLOSING_EN),
    (LetterKind.REFUSED, "fr"): (
        "Décision concernant votre plan d’action «\u00a0{plan}\u00a0»",
        "Madame, Monsieur,\n\n"
        "Nous avons étudié avec attention " + _ABOUT_FR + ". Nous sommes au regret de vous "
        "informer que le ministère ne peut y donner suite.\n\n"
        "Motifs de la décision :\n{conditions}\n\n"
        "Nous vous remercions de votre engagement envers l’accueil et l’intégration des "
        "personnes immigrantes. Pour toute question, communiquez avec {adviser}.\n\n"
        + _CLOSING_FR),
    (LetterKind.REFUSED, "en"): (
        "Decision on your action plan “{plan}”",
        "Dear Sir or Madam,\n\n"
        "We have carefully reviewed " + _ABOUT_EN + ". We regret to inform you that the "
        "ministry cannot fund it.\n\n"
        "Reasons for the decision:\n{conditions}\n\n"
        "Thank you for your commitment to welcoming and integrating immigrants. For any "
        "question, please contact {adviser}.\n\n"
        + _CLOSING_EN),
    (LetterKind.CHANGES_REQUESTED, "fr"): (
        "Modifications demandées à votre plan d’action «\u00a0{plan}\u00a0»",
        "Madame, Monsieur,\n\n"
        "Nous avons procédé à l’analyse de " + _ABOUT_FR + ", qui demande une aide "
        "financière de {requested_amount}. Avant de poursuivre l’étude de votre demande, "
        "nous vous prions d’y apporter les modifications suivantes :\n\n"
        "{conditions}\n\n"
        "Vous pouvez modifier votre plan dans le portail, puis le soumettre de nouveau. Pour "
        "toute question, communiquez avec {adviser}.\n\n"
        + _CLOSING_FR),
    (LetterKind.CHANGES_REQUESTED, "en"): (
        "Changes requested to your action plan “{plan}”",
        "Dear Sir or Madam,\n\n"
        "We have reviewed " + _ABOUT_EN + ", which requests a grant of {requested_amount}. "
        "Before we continue reviewing your request, please make the following changes:\n\n"
        "{conditions}\n\n"
        "You may edit your plan in the portal and then submit it again. For any question, "
        "please contact {adviser}.\n\n"
        + _CLOSING_EN),
}
DEFAULT_SIGNATORY = {
    "fr": ("La Direction de la régionalisation", MINISTRY),
    "en": ("Regionalisation Branch", MINISTRY),
}


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def letter_templates_ensure(*, programs=None) -> int:
    """Give every program (or those of ``programs``) the default template of each decision and
    language it lacks; return how many were created. Templates administrators edited stay as
    they are."""
    programs = list(Program.objects.all() if programs is None else programs)
    existing = set(LetterTemplate.objects.filter(program__in=programs)
                   .values_list("program_id", "kind", "language"))
    created = 0
    with transaction.atomic():
        for program in programs:
            for (kind, language), (subject, body) in DEFAULT_TEMPLATES.items():
                if (program.pk, kind, language) in existing:
                    continue
                name, title = DEFAULT_SIGNATORY[language]
                template = LetterTemplate(program=program, kind=kind, language=language,
                                          subject=subject, body=body, signatory_name=name,
                                          signatory_title=title)
                template.full_clean()
                template.save()
                created += 1
    return created


def unknown_placeholders(text: str) -> list[str]:
    """The ``{...}`` of ``text`` that are not placeholders (the admin form refuses them)."""
    return sorted({match[1] for match in _ANY_FIELD.finditer(text or "")
                   if match[1] not in PLACEHOLDERS})


def fill(text: str, values: dict) -> str:
    """``text`` with each ``{name}`` of ``values`` replaced; anything else left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text or "")


# --------------------------------------------------------------------------------------------
# Values, per language
# --------------------------------------------------------------------------------------------


def money(amount, language: str) -> str:
    """« 12 500,00 $ » in French, « $12,500.00 » in English; empty for no amount
    (``portal.money``)."""
    return portal_money(amount, language)


def long_date(day, language: str) -> str:
    """« 1er janvier 2026 », « January 1, 2026 »."""
    if language == "fr":
        with translation.override("fr-ca"):
            text = date_format(day, "j F Y")
        return "1er" + text[1:] if day.day == 1 else text
    with translation.override("en"):
        return date_format(day, "F j, Y")


def _percent(part, whole, language: str) -> str:
    if not whole:
        return ""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
    text = f"{value:f}".removesuffix(".0")
    if language == "fr":
        return text.replace(".", ",") + "\u00a0%"
    return f"{text}%"


def instalment_lines(plan, instalments, language: str) -> str:
    """The schedule, a heading then « 1. 50 % — 12 500,00 $ — à la signature de la
    convention » per instalment. An approval comes before its schedule (set when the follow-up
    starts, tied to the report dates): until then, the standard terms the schedule starts from
    (``instalments.DEFAULT_SHARES``) on the approved amount. Empty without an approved amount."""
    words = WORDS[language]
    if not instalments:
        total = plan.approved_amount
        if not total:
            return ""
        when = {"signature": words["signature"], "progress": words["progress_any"],
                "final": words["final"]}
        lines = [words["schedule"]]
        for number, (amount, kind) in enumerate(split(total), start=1):
            parts = [_percent(amount, total, language), money(amount, language), when[kind]]
            lines.append(f"{number}. " + " — ".join(parts))
        lines.append(words["terms_note"])
        return "\n".join(lines)
    whole = plan.approved_amount or sum((i.amount for i in instalments), Decimal(0))
    lines = [words["schedule"]]
    for number, instalment in enumerate(instalments, start=1):
        if instalment.condition == InstalmentCondition.SIGNATURE:
            when = words["signature"]
        elif instalment.condition == InstalmentCondition.REPORT:
            report = instalment.report
            when = (words["final"] if report.kind == ReportKind.FINAL
                    else words["progress"].format(due=long_date(report.due_on, language)))
        else:
            when = words["date"].format(date=long_date(instalment.due_on, language))
        parts = [_percent(instalment.amount, whole, language),
                 money(instalment.amount, language), when]
        lines.append(f"{number}. " + " — ".join(part for part in parts if part))
    return "\n".join(lines)


def letter_values(plan, event, template, language: str, instalments) -> dict:
    adviser = plan.adviser
    return {
        "organisation": plan.organisation.name,
        "plan": plan.title,
        "program": plan.call.program.name_en if language == "en" else plan.call.program.name_fr,
        "call": plan.call.title,
        "amount": money(plan.approved_amount, language),
        "requested_amount": money(plan.requested_total, language),
        "instalments": instalment_lines(plan, instalments, language),
        "conditions": event.comment.strip(),
        "date": long_date(timezone.localdate(event.created_at), language),
        "signatory_name": template.signatory_name,
        "signatory_title": template.signatory_title,
        "adviser": ((adviser.get_full_name() or adviser.email) if adviser
                    else WORDS[language]["no_adviser"]),
    }


# --------------------------------------------------------------------------------------------
# The letter: its sections (one per language), its text and its PDF
# --------------------------------------------------------------------------------------------


@dataclass
class Section:
    """The letter in one language."""

    language: str
    place_date: str
    recipient: list[str]
    subject: str
    paragraphs: list[str]
    signatory_name: str
    signatory_title: str

    @property
    def text(self) -> str:
        words = WORDS[self.language]
        blocks = [GOVERNMENT + "\n" + MINISTRY, self.place_date, "\n".join(self.recipient),
                  words["subject"] + self.subject, *self.paragraphs,
                  self.signatory_name + "\n" + self.signatory_title]
        if words["english"]:
            blocks.insert(0, words["english"])
        return "\n\n".join(block for block in blocks if block)


def _paragraphs(body: str) -> list[str]:
    """The body's paragraphs (split on blank lines), those left empty by an empty value
    dropped."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    chunks = re.split(r"\n[ \t]*\n", body)
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def letter_languages(plan) -> list[str]:
    return ["fr", "en"] if plan.organisation.language == LetterLanguage.ENGLISH else ["fr"]


def letter_sections(plan, event, kind: str) -> list[Section]:
    """The letter of ``event`` (a decision of ``kind`` on ``plan``) in each of its languages,
    from the program's current templates (the defaults are created when missing)."""
    languages = letter_languages(plan)
    program = plan.call.program
    templates = {t.language: t for t in LetterTemplate.objects.filter(
        program=program, kind=kind, language__in=languages)}
    if len(templates) < len(languages):
        letter_templates_ensure(programs=[program])
        templates = {t.language: t for t in LetterTemplate.objects.filter(
            program=program, kind=kind, language__in=languages)}
    instalments = list(Instalment.objects.filter(plan=plan).select_related("report")
                       .order_by("position", "pk"))
    office = plan.organisation.office
    decided = timezone.localdate(event.created_at)
    sections = []
    for language in languages:
        template = templates[language]
        values = letter_values(plan, event, template, language, instalments)
        recipient = [plan.organisation.name, *[line.strip() for line in
                                               plan.organisation.address.splitlines()
                                               if line.strip()]]
        place_date = WORDS[language]["place_date"].format(
            city=office.city if office else "Québec", date=long_date(decided, language))
        sections.append(Section(
            language=language, place_date=place_date, recipient=recipient,
            subject=" ".join(fill(template.subject, values).split())[:200],
            paragraphs=_paragraphs(fill(template.body, values)),
            signatory_name=template.signatory_name, signatory_title=template.signatory_title))
    return sections


FONT = "PortalLetter"
FONT_BOLD = "PortalLetter-Bold"


@cache
def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = settings.BASE_DIR / "static" / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def _markup(text: str) -> str:
    """Plain text as a reportlab paragraph: markup characters escaped, lines kept."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def letter_pdf(plan, sections: list[Section]) -> bytes:
    """The PDF of the letter: each language on its own pages, French first. The same text
    gives the same bytes (no creation time nor random id in the file)."""
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    _register_fonts()
    normal = ParagraphStyle("letter", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=8)
    bold = ParagraphStyle("letter-bold", parent=normal, fontName=FONT_BOLD)
    head = ParagraphStyle("letter-head", parent=bold, fontSize=11, spaceAfter=2)
    right = ParagraphStyle("letter-right", parent=normal, alignment=TA_RIGHT)
    first = sections[0]

    footer_text = (" / ".join(WORDS[section.language]["page"] for section in sections)
                   + " — {page}")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(2.5 * cm, 1.5 * cm, footer_text.format(pk=plan.pk, page=doc.page))
        canvas.restoreState()

    story = []
    for index, section in enumerate(sections):
        if index:
            story.append(PageBreak())
        if WORDS[section.language]["english"]:
            story.append(Paragraph(escape(WORDS[section.language]["english"]), bold))
        story += [Paragraph(escape(GOVERNMENT), head), Paragraph(escape(MINISTRY), head),
                  Spacer(1, 0.8 * cm), Paragraph(escape(section.place_date), right),
                  Spacer(1, 0.4 * cm), Paragraph(_markup("\n".join(section.recipient)), normal),
                  Spacer(1, 0.4 * cm),
                  Paragraph(escape(WORDS[section.language]["subject"] + section.subject), bold),
                  Spacer(1, 0.2 * cm)]
        story += [Paragraph(_markup(paragraph), normal) for paragraph in section.paragraphs]
        story += [Spacer(1, 0.8 * cm),
                  Paragraph(_markup(section.signatory_name + "\n" + section.signatory_title),
                            normal)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=2.5 * cm, rightMargin=2.5 * cm,
        topMargin=2.2 * cm, bottomMargin=2.5 * cm, title=first.subject, author=MINISTRY,
        subject=first.subject, creator="Portail régionalisation", lang="fr-CA", invariant=1)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------


def letter_filename(letter) -> str:
    kind = {"approved": "approbation", "refused": "refus",
            "changes_requested": "modifications"}.get(letter.kind, "decision")
    return (f"lettre-{kind}-plan-{letter.plan_id}-"
            f"{timezone.localdate(letter.created_at):%Y-%m-%d}.pdf")


def letter_issue(*, event: PlanEvent) -> DecisionLetter | None:
    """Write the letter of the decision ``event`` (none for a move that is not a decision);
    return it. Idempotent: the decision's letter, once written, is returned as it is. Call it
    inside the move's transaction: a letter that cannot be stored raises ``TransitionRefused``
    and the move changes nothing (the file, if written, is removed; a transaction rolled back
    later leaves a file no row references, which the daily orphan sweep removes)."""
    if event.report_id or event.to_status not in LetterKind.values:
        return None
    existing = DecisionLetter.objects.filter(event=event).first()
    if existing is not None:
        return existing
    plan = (ActionPlan.objects.select_related("organisation", "organisation__office", "call",
                                              "call__program", "adviser")
            .get(pk=event.plan_id))
    sections = letter_sections(plan, event, event.to_status)
    pdf = letter_pdf(plan, sections)
    letter = DecisionLetter(
        plan=plan, event=event, kind=event.to_status,
        languages=",".join(section.language for section in sections),
        subject=sections[0].subject, text="\n\n— — —\n\n".join(s.text for s in sections),
        sha256=hashlib.sha256(pdf).hexdigest(), created_at=event.created_at)
    try:
        files.store_document(letter, ContentFile(pdf, name="lettre.pdf"))
    except OSError as exc:
        raise TransitionRefused(
            gettext("The decision letter could not be stored, so the decision was not "
                    "recorded. Nothing was changed: try again in a moment."),
            code="letter_not_stored") from exc
    return letter


def issue_after_move(attempt) -> None:
    """The decision moves' ``then``: the letter of the history row the move just wrote."""
    event = (PlanEvent.objects.filter(plan_id=attempt.obj.pk, report__isnull=True,
                                      to_status=attempt.to, created_at=attempt.now)
             .order_by("-pk").first())
    if event is not None:
        letter_issue(event=event)


# --------------------------------------------------------------------------------------------
# The decision's email
# --------------------------------------------------------------------------------------------


def notification_attachments(notification) -> list[tuple[str, bytes, str]]:
    """The letter of the decision a « plan_status » notification announces, if its recipient
    may read it (``for_user``); nothing for any other move, or a file gone missing (the email
    still leaves, with its link to the plan's page)."""
    key = notification.key or ""
    if not key.startswith("plan-event:"):
        return []
    try:
        event_id = int(key.removeprefix("plan-event:"))
    except ValueError:
        return []
    letter = (DecisionLetter.objects.for_user(notification.recipient)
              .filter(event_id=event_id).first())
    if letter is None:
        return []
    try:
        with letter.file.storage.open(letter.file.name, "rb") as handle:
            content = handle.read()
    except OSError:
        return []
    return [(letter_filename(letter), content, files.PDF)]
