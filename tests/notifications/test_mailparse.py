"""Reading the emails enterprises send: the replies of the clients they use (Outlook, Gmail,
Apple Mail, in French and in English), HTML-only mail, attachments, automatic replies, and a
message the portal cannot read."""

import base64

import pytest

from notifications.mailparse import UnreadableMessage, html_to_text, parse, trim_reply

TOKEN_ADDRESS = "reponses+case.42.7.abcdefghijklmnop@portail.example"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


OUTLOOK_FR = crlf(f"""\
From: =?utf-8?Q?Marie_Tremblay?= <Marie.Tremblay@Boulangerie.example>
To: "Portail =?utf-8?Q?r=C3=A9gionalisation?=" <{TOKEN_ADDRESS}>
Subject: =?utf-8?Q?RE=C2=A0:_Portail_r=C3=A9gionalisation_=E2=80=94_Nouvelle_note?=
Date: Fri, 5 Dec 2025 10:32:00 -0500
Message-ID: <YT3PR01MB1234.outlook@YT3PR01MB1234.CANPRD01.PROD.OUTLOOK.COM>
In-Reply-To: <case.42.7.abcdefghijklmnop+1a2b3c@portail.example>
References: <case.42.7.abcdefghijklmnop+1a2b3c@portail.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Bonjour,

Voici les pr=C3=A9cisions demand=C3=A9es : nous embauchons 3 soudeurs en janvier.

Marie Tremblay
Directrice des ressources humaines

________________________________
De : Portail r=C3=A9gionalisation <{TOKEN_ADDRESS}>
Envoy=C3=A9 : 5 d=C3=A9cembre 2025 09:12
=C3=80 : Marie Tremblay <Marie.Tremblay@Boulangerie.example>
Objet : Portail r=C3=A9gionalisation =E2=80=94 Nouvelle note

Nouvelle note partag=C3=A9e sur le dossier 42.
""")

OUTLOOK_EN = crlf("""\
From: John Smith <john@acme.example>
To: reponses@portail.example
Subject: RE: Support case 42
Date: Fri, 5 Dec 2025 10:32:00 -0500
Message-ID: <abc@acme.example>
Content-Type: text/plain; charset="us-ascii"

We can meet on Tuesday.

-----Original Message-----
From: Portail <reponses@portail.example>
Sent: Friday, December 5, 2025 9:12 AM
To: John Smith <john@acme.example>
Subject: Support case 42

New shared note on support case 42.
""")

GMAIL_FR = crlf(f"""\
From: Luc Gagnon <luc.gagnon@gmail.com>
To: {TOKEN_ADDRESS}
Subject: Re: Portail =?utf-8?q?r=C3=A9gionalisation?=
Date: Fri, 5 Dec 2025 11:02:41 -0500
Message-ID: <CAF+g1=abc@mail.gmail.com>
In-Reply-To: <case.42.7.abcdefghijklmnop+1a2b3c@portail.example>
References: <older@portail.example> <case.42.7.abcdefghijklmnop+1a2b3c@portail.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000b1"

--000000000000b1
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Merci, voici les documents.

Le ven. 5 d=C3=A9c. 2025, =C3=A0 10 h 12, Portail r=C3=A9gionalisation <
{TOKEN_ADDRESS}> a =C3=A9crit :

> Nouvelle note partag=C3=A9e sur le dossier 42.
>

--000000000000b1
Content-Type: text/html; charset="UTF-8"

<div dir=3D"ltr">Merci, voici les documents.</div>

--000000000000b1--
""")

GMAIL_EN = crlf("""\
From: Luc Gagnon <luc.gagnon@gmail.com>
To: reponses@portail.example
Subject: Re: Support case 42
Message-ID: <CAF+g1=def@mail.gmail.com>
Content-Type: text/plain; charset="UTF-8"

On se voit lundi, then.

On Fri, Dec 5, 2025 at 10:12 AM Portail <reponses@portail.example> wrote:

> New shared note on support case 42.
""")

APPLE_FR = crlf("""\
From: =?utf-8?Q?Sophie_B=C3=A9langer?= <sophie@erabliere.example>
To: reponses@portail.example
Subject: Re: Dossier 42
Message-Id: <A1B2C3D4-1111-2222-3333-444455556666@erabliere.example>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

C’est noté, merci !

Envoyé de mon iPhone

> Le 5 déc. 2025 à 10:12, Portail régionalisation <reponses@portail.example> a écrit :
>
> Nouvelle note partagée sur le dossier 42.
""")

APPLE_EN = crlf("""\
From: Sophie Belanger <sophie@maple.example>
To: reponses@portail.example
Subject: Re: Case 42
Message-Id: <E5F6@maple.example>
Content-Type: text/plain; charset=us-ascii

Thanks, we will send it Monday.

> On Dec 5, 2025, at 10:12 AM, Portail <reponses@portail.example> wrote:
>
> New shared note on support case 42.
""")

HTML_ONLY = crlf("""\
From: Accueil <accueil@usine.example>
To: trois-rivieres@portail.example
Subject: Besoin d'aide
Message-ID: <html-only@usine.example>
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style><script>alert(1)</script></head>
<body><p>Bonjour,</p><p>Nous voulons <b>recruter</b> &agrave; l&#39;&eacute;tranger.</p>
<div id="divRplyFwdMsg"><hr><b>De :</b> Portail<br><b>Objet :</b> test</div>
<blockquote>Ancien texte</blockquote></body></html>
""")

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

WITH_ATTACHMENTS = crlf(f"""\
From: Marie Tremblay <marie@boulangerie.example>
To: Trois-Rivieres <trois-rivieres@portail.example>
Cc: Autre <autre@boulangerie.example>
Subject: Offre d'emploi
Message-ID: <with-files@boulangerie.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset=utf-8

Voici notre offre d'emploi et le plan.

--XX
Content-Type: application/pdf; name="offre.pdf"
Content-Disposition: attachment; filename*=utf-8''offre%20d%C3%A9taill%C3%A9e.pdf
Content-Transfer-Encoding: base64

{base64.b64encode(PDF).decode()}
--XX
Content-Type: image/png; name="plan.png"
Content-Disposition: attachment; filename="plan.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--XX--
""")


def test_an_outlook_reply_in_french_keeps_only_the_new_text():
    parsed = parse(OUTLOOK_FR)
    assert parsed.from_address == "marie.tremblay@boulangerie.example"
    assert parsed.from_name == "Marie Tremblay"
    assert parsed.to_addresses == [TOKEN_ADDRESS]
    assert parsed.subject == "RE : Portail régionalisation — Nouvelle note"
    assert parsed.in_reply_to == ["<case.42.7.abcdefghijklmnop+1a2b3c@portail.example>"] * 2
    assert parsed.sent_at.isoformat() == "2025-12-05T10:32:00-05:00"
    assert trim_reply(parsed.text) == (
        "Bonjour,\n\nVoici les précisions demandées : nous embauchons 3 soudeurs en janvier."
        "\n\nMarie Tremblay\nDirectrice des ressources humaines")


def test_an_outlook_reply_in_english_stops_at_the_original_message():
    assert trim_reply(parse(OUTLOOK_EN).text) == "We can meet on Tuesday."


def test_a_gmail_reply_whose_attribution_line_is_wrapped_is_trimmed():
    parsed = parse(GMAIL_FR)
    assert parsed.text.startswith("Merci, voici les documents.")  # the plain part first
    assert trim_reply(parsed.text) == "Merci, voici les documents."
    # In-Reply-To first, then References newest first.
    assert parsed.in_reply_to == ["<case.42.7.abcdefghijklmnop+1a2b3c@portail.example>",
                                  "<case.42.7.abcdefghijklmnop+1a2b3c@portail.example>",
                                  "<older@portail.example>"]


def test_a_gmail_reply_in_english_keeps_a_first_line_that_starts_with_on():
    assert trim_reply(parse(GMAIL_EN).text) == "On se voit lundi, then."


def test_apple_mail_replies_lose_the_mobile_footer_and_the_quote():
    assert trim_reply(parse(APPLE_FR).text) == "C’est noté, merci !"
    assert parse(APPLE_FR).from_name == "Sophie Bélanger"
    assert trim_reply(parse(APPLE_EN).text) == "Thanks, we will send it Monday."


def test_an_html_only_message_is_read_as_text_without_scripts_styles_or_history():
    parsed = parse(HTML_ONLY)
    assert "alert" not in parsed.text and "color" not in parsed.text
    assert "Nous voulons recruter à l'étranger." in parsed.text
    assert trim_reply(parsed.text) == "Bonjour,\n\nNous voulons recruter à l'étranger."


def test_attachments_are_read_with_their_names_and_cc_counts_as_a_recipient():
    parsed = parse(WITH_ATTACHMENTS)
    assert parsed.text == "Voici notre offre d'emploi et le plan."
    assert [(a.filename, a.mimetype) for a in parsed.attachments] == [
        ("offre détaillée.pdf", "application/pdf"), ("plan.png", "image/png")]
    assert parsed.attachments[0].content == PDF
    assert parsed.to_addresses == ["trois-rivieres@portail.example",
                                   "autre@boulangerie.example"]


def test_delivered_to_and_original_to_count_as_recipients():
    raw = b"Delivered-To: trois-rivieres@portail.example\r\nX-Original-To: " \
          b"TR@Portail.example\r\nFrom: a@b.example\r\nTo: undisclosed-recipients:;\r\n" \
          b"Subject: x\r\n\r\nHello\r\n"
    assert parse(raw).to_addresses == ["trois-rivieres@portail.example", "tr@portail.example"]


@pytest.mark.parametrize("header", [
    "Auto-Submitted: auto-replied",
    "Auto-Submitted: auto-generated",
    "Precedence: bulk",
    "X-Autoreply: yes",
])
def test_automatic_replies_are_recognised(header):
    raw = crlf(f"From: absent@usine.example\n{header}\nSubject: Absence du bureau\n\n"
               "Je suis absente jusqu'au 5 janvier.\n")
    assert parse(raw).automatic


def test_a_person_s_message_is_not_automatic():
    assert not parse(OUTLOOK_FR).automatic
    assert not parse(crlf("From: a@b.example\nAuto-Submitted: no\n\nHi\n")).automatic


def test_a_message_without_a_sender_cannot_be_read():
    with pytest.raises(UnreadableMessage, match="no sender"):
        parse(crlf("To: trois-rivieres@portail.example\nSubject: Sans expéditeur\n\nBonjour\n"))
    with pytest.raises(UnreadableMessage):
        parse(crlf("From: undisclosed\nSubject: x\n\nBonjour\n"))


def test_a_message_without_text_has_an_empty_text_and_trimming_never_empties_a_note():
    assert parse(crlf("From: a@b.example\nSubject: vide\n\n")).text == ""
    assert trim_reply("> only a quote") == "> only a quote"


def test_a_signature_after_the_rfc_separator_is_trimmed():
    assert trim_reply("Oui, mardi.\n-- \nJean\n514 555-0100") == "Oui, mardi."


def test_html_to_text_keeps_paragraphs_apart():
    assert html_to_text("<p>Un</p><p>Deux<br>Trois</p>") == "Un\n\nDeux\nTrois"
