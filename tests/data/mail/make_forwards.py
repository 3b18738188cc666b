"""Regenerate the dropbox payloads: ``python tests/data/mail/make_forwards.py``.

Forwards as the common mail clients write them, in the languages syncd's
users write in: the separator line, the localised labels and date formats,
HTML-only Outlook bodies, quoted-printable/base64 in legacy charsets, and a
forward-as-attachment. Sales people at tatrasoft.sk send them to the
shared dropbox (crm@tatrasoft.sk).
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

OUT = Path(__file__).parent
DROPBOX = "crm@tatrasoft.sk"


def word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.replace("\n", "\r\n").encode(charset)).decode("ascii")


def b64(text: str, charset: str) -> str:
    data = base64.encodebytes(text.replace("\n", "\r\n").encode(charset)).decode("ascii")
    return data.replace("\n", "\r\n")


def save(name: str, text: str) -> None:
    (OUT / name).write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))


def outer(sender: str, subject: str, date: str, msgid: str, ctype: str, body: str) -> str:
    return (
        f"Return-Path: <{sender.split('<')[-1].rstrip('>')}>\n"
        f"From: {sender}\nTo: {DROPBOX}\nSubject: {subject}\nDate: {date}\n"
        f"Message-ID: <{msgid}>\nMIME-Version: 1.0\n{ctype}\n\n{body}"
    )


GMAIL_EN = """\
Forwarding this for the CRM.

---------- Forwarded message ---------
From: Ján Novák <jan.novak@acme.sk>
Date: Mon, Jan 6, 2025 at 10:15 AM
Subject: Ponuka na servis 2025
To: Peter Horváth <peter@tatrasoft.sk>
Cc: Eva Malá <eva.mala@acme.sk>, <nakup@acme.sk>


Dobrý deň pán Horváth,

posielam požiadavku na servisnú zmluvu na rok 2025.

S pozdravom
Ján Novák
"""

OUTLOOK_SK = """\
Na vedomie.

-----Pôvodná správa-----
Od: Novák, Ján <jan.novak@acme.sk>=20
Odoslané: pondelok 6. januára 2025 14:05
Komu: Horváth Peter <peter@tatrasoft.sk>
Kópia: Malá Eva <eva.mala@acme.sk>; Kováč Štefan
 <stefan.kovac@acme.sk>
Predmet: RE: Objednávka č. 42

Dobrý deň,
objednávku č. 42 potvrdzujem.
Ján
"""

OUTLOOK_EN_HTML = """\
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body lang="EN-US"><div class="WordSection1"><p class="MsoNormal">FYI - for the CRM.</p>
<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b>From:</b> Jan Kowalski &lt;jan.kowalski@firma.pl&gt; <br>
<b>Sent:</b> Tuesday, January 7, 2025 3:45 PM<br>
<b>To:</b> Peter Horváth &lt;peter@tatrasoft.sk&gt;<br>
<b>Subject:</b> Zapytanie ofertowe</p></div></div>
<p class="MsoNormal">Dzień dobry,</p><p class="MsoNormal">prosimy o ofertę na 20 licencji.</p>
<p class="MsoNormal">Pozdrawiam<br>Jan Kowalski</p></div></body></html>
"""

THUNDERBIRD_CS = """\

-------- Přeposlaná zpráva --------
Předmět: \tPoptávka školení
Datum: \tWed, 8 Jan 2025 09:30:12 +0100
Od: \tJan Dvořák <jan.dvorak@stroje.cz>
Komu: \tpetr@tatrasoft.sk



Dobrý den,

máme zájem o školení pro 5 lidí.

Jan Dvořák
"""

APPLE_PL = """\
Do CRM.

Początek przekazywanej wiadomości:

Od: Anna Wiśniewska <anna@handel.pl>
Temat: Umowa serwisowa
Data: 9 stycznia 2025 o 11:20:45 CET
Do: Piotr Zieliński <piotr@tatrasoft.sk>

Dzień dobry,

w załączeniu uwagi do umowy.

Anna
"""

SEZNAM_CS = """\
Přeposílám.

---------- Původní e-mail ----------
Od: Karel Svoboda <karel.svoboda@seznam.cz>
Komu: petr@tatrasoft.sk
Datum: 10. 1. 2025 8:05:33
Předmět: Dotaz na cenu

Dobrý den, kolik stojí licence? Karel
"""

GMAIL_RU = """\

---------- Пересылаемое сообщение ---------
От: Иван Петров <ivan.petrov@zavod.ru>
Date: пн, 13 янв. 2025 г. в 16:40
Subject: Счёт на оплату
To: Peter Horvath <peter@tatrasoft.sk>


Добрый день!
Направляю счёт на оплату.
Иван
"""

OUTLOOK_UK = """\

-----Оригінальне повідомлення-----
Від: Олена Коваленко <olena@torg.com.ua>
Надіслано: вівторок, 14 січня 2025 р. 12:00
Кому: Peter Horváth <peter@tatrasoft.sk>
Тема: Пропозиція співпраці

Доброго дня! Пропонуємо співпрацю.
"""

ATTACHED_ORIGINAL = """\
From: =?utf-8?B?SsOhbiBOb3bDoWs=?= <jan.novak@acme.sk>
To: Peter Horvath <peter@tatrasoft.sk>
Subject: =?utf-8?B?UmVrbGFtw6FjaWE=?=
Date: Thu, 16 Jan 2025 13:14:15 +0100
Message-ID: <reklamacia-77@acme.sk>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Reklamujeme dodávku č. 77.
"""


def main() -> None:
    sender = f"{word('Peter Horváth')} <peter@tatrasoft.sk>"
    save(
        "forward_gmail_en.eml",
        outer(sender, "Fwd: " + word("Ponuka na servis 2025"), "Mon, 6 Jan 2025 11:02:10 +0100",
              "CAF=gmail-fwd-1@mail.gmail.com",
              'Content-Type: multipart/alternative; boundary="000000000000a1b2c3"',
              "--000000000000a1b2c3\nContent-Type: text/plain; charset=\"UTF-8\"\n"
              "Content-Transfer-Encoding: quoted-printable\n\n" + qp(GMAIL_EN, "utf-8") +
              "\n--000000000000a1b2c3\nContent-Type: text/html; charset=\"UTF-8\"\n\n"
              "<div dir=\"ltr\">Forwarding this for the CRM.</div>\n--000000000000a1b2c3--\n"),
    )  # fmt: skip
    save(
        "forward_outlook_sk_windows1250.eml",
        outer(sender, "FW: " + word("RE: Objednávka č. 42", "windows-1250"),
              "Mon, 6 Jan 2025 14:20:00 +0000", "AM0PR07MB1234@eurprd07.prod.outlook.com",
              'Content-Type: text/plain; charset="windows-1250"\n'
              "Content-Transfer-Encoding: quoted-printable",
              qp(OUTLOOK_SK.replace("=20", " "), "windows-1250")),
    )  # fmt: skip
    save(
        "forward_outlook_en_html_only.eml",
        outer(sender, "FW: Zapytanie ofertowe", "Tue, 7 Jan 2025 16:01:00 +0100",
              "DB9PR07MB5678@eurprd07.prod.outlook.com",
              'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64',
              b64(OUTLOOK_EN_HTML, "utf-8")),
    )  # fmt: skip
    save(
        "forward_thunderbird_cs_iso8859_2.eml",
        outer(f"{word('Petr Černý', 'iso-8859-2')} <petr@tatrasoft.sk>",
              "Fwd: " + word("Poptávka školení", "iso-8859-2"), "Wed, 8 Jan 2025 10:00:00 +0100",
              "tb-fwd-3@tatrasoft.sk",
              "Content-Type: text/plain; charset=ISO-8859-2; format=flowed\n"
              "Content-Transfer-Encoding: 8bit",
              "@@ISO@@"),
    )  # fmt: skip
    raw = (OUT / "forward_thunderbird_cs_iso8859_2.eml").read_bytes()
    body = THUNDERBIRD_CS.replace("\n", "\r\n").encode("iso-8859-2")
    (OUT / "forward_thunderbird_cs_iso8859_2.eml").write_bytes(raw.replace(b"@@ISO@@", body))
    save(
        "forward_apple_mail_pl.eml",
        outer(f"{word('Piotr Zieliński')} <piotr@tatrasoft.sk>", "Fwd: Umowa serwisowa",
              "Thu, 9 Jan 2025 12:00:00 +0100", "apple-fwd-4@tatrasoft.sk",
              'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64',
              b64(APPLE_PL, "utf-8")),
    )  # fmt: skip
    save(
        "forward_seznam_cs.eml",
        outer("petr@tatrasoft.sk", "Fwd: " + word("Dotaz na cenu"),
              "Fri, 10 Jan 2025 09:00:00 +0100", "seznam-fwd-5@tatrasoft.sk",
              'Content-Type: text/plain; charset="utf-8"\n'
              "Content-Transfer-Encoding: quoted-printable",
              qp(SEZNAM_CS, "utf-8")),
    )  # fmt: skip
    save(
        "forward_gmail_ru_koi8r.eml",
        outer(sender, "Fwd: " + word("Счёт на оплату", "koi8-r"), "Mon, 13 Jan 2025 17:00:00 +0100",
              "CAF=gmail-fwd-6@mail.gmail.com",
              'Content-Type: text/plain; charset="KOI8-R"\nContent-Transfer-Encoding: base64',
              b64(GMAIL_RU, "koi8-r")),
    )  # fmt: skip
    save(
        "forward_outlook_uk.eml",
        outer(sender, "FW: " + word("Пропозиція співпраці"), "Tue, 14 Jan 2025 12:30:00 +0200",
              "VI1PR07MB9999@eurprd07.prod.outlook.com",
              'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64',
              b64(OUTLOOK_UK, "utf-8")),
    )  # fmt: skip
    save(
        "forward_attached_rfc822.eml",
        outer(sender, "Fwd: " + word("Reklamácia"), "Thu, 16 Jan 2025 14:00:00 +0100",
              "fwd-attached-7@tatrasoft.sk",
              'Content-Type: multipart/mixed; boundary="------------fwdattach"',
              "This is a multi-part message in MIME format.\n--------------fwdattach\n"
              "Content-Type: text/plain; charset=UTF-8\n\nPosielam reklamáciu.\n"
              "--------------fwdattach\nContent-Type: message/rfc822; name=\"Reklamacia.eml\"\n"
              "Content-Disposition: attachment; filename=\"Reklamacia.eml\"\n\n"
              + ATTACHED_ORIGINAL + "\n--------------fwdattach--\n"),
    )  # fmt: skip
    save(
        "dropbox_bcc_outbound.eml",
        "From: Peter Horvath <peter@tatrasoft.sk>\nTo: Jan Novak <jan.novak@acme.sk>\n"
        f"Bcc: {DROPBOX}\nSubject: Cenova ponuka\nDate: Fri, 17 Jan 2025 09:00:00 +0100\n"
        "Message-ID: <ponuka-88@tatrasoft.sk>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n\nV prilohe posielam ponuku.\n",
    )
    save(
        "dropbox_external_sender.eml",
        f"From: Spammer <offers@cheap-leads.example>\nTo: {DROPBOX}\n"
        "Subject: Fwd: Buy leads\nDate: Fri, 17 Jan 2025 10:00:00 +0100\n"
        "Message-ID: <spam-1@cheap-leads.example>\n\n"
        "---------- Forwarded message ---------\nFrom: Ceo <ceo@acme.sk>\n"
        "Date: Fri, 17 Jan 2025\nSubject: Leads\nTo: peter@tatrasoft.sk\n\nBuy now.\n",
    )


if __name__ == "__main__":
    main()
