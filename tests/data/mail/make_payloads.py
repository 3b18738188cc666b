"""Regenerate the payloads in this directory: ``python tests/data/mail/make_payloads.py``.

Each file shows one real-world quirk; the bytes are built here so that every
legacy encoding (KOI8-R, windows-1250, ISO-8859-2, cp1251) is exact.
"""

from __future__ import annotations

import base64
import quopri
import random
from pathlib import Path

OUT = Path(__file__).parent


def qp_word(text: str, charset: str) -> str:
    """RFC 2047 Q-encoded word for ``text`` in ``charset``."""
    out = []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == " ":
            out.append("_")
        else:
            out.extend(f"={b:02X}" for b in ch.encode(charset))
    return f"=?{charset}?Q?{''.join(out)}?="


def b_word(data: bytes, charset: str) -> str:
    """RFC 2047 B-encoded word for raw ``data`` labelled ``charset``."""
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def save(name: str, text_or_bytes: str | bytes, crlf: bool = False) -> None:
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("ascii")
    if crlf:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    (OUT / name).write_bytes(data)


# 1. KOI8-R subject and sender name (Russian legacy Unix mailers)
save(
    "koi8r_subject.eml",
    f"""Return-Path: <sergey@torg.ru>
From: {b_word("Сергей Петров".encode("koi8-r"), "koi8-r")} <Sergey@Torg.RU>
To: =?utf-8?q?J=C3=A1n_Nov=C3=A1k?= <jan.novak@firma.sk>
Subject: {b_word("Коммерческое предложение".encode("koi8-r"), "KOI8-R")}
Date: Tue, 5 Mar 2024 09:15:00 +0300
Message-ID: <20240305091500.1234@torg.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: 8bit

""".encode("ascii")
    + "Добрый день! Высылаем наше предложение.\n".encode("koi8-r"),
)

# 2. windows-1250 8bit body, Slovak
save(
    "windows1250_body_slovak.eml",
    f"""From: {qp_word("Ľubomír Šťastný", "windows-1250")} <lubomir.stastny@stavby.sk>
To: obchod@firma.sk
Subject: {qp_word("Cenová ponuka – Žilina", "windows-1250")}
Date: Wed, 6 Mar 2024 14:02:11 +0100
Message-ID: <000001da6fc1$7c2e9a40$748bcec0$@stavby.sk>
MIME-Version: 1.0
Content-Type: text/plain; charset="windows-1250"
Content-Transfer-Encoding: 8bit

""".encode("ascii")
    + (
        "Dobrý deň,\n\nv prílohe posielam cenovú ponuku pre stavbu v Žiline.\n\n"
        "S pozdravom\nĽubomír Šťastný\n"
    ).encode("cp1250"),
)

# 3. ISO-8859-2 Polish From
save(
    "iso8859_2_polish_from.eml",
    f"""From: {qp_word("Paweł Wiśniewski", "ISO-8859-2")} <Pawel.Wisniewski@Hurtownia.PL>
To: zamowienia@firma.sk
Subject: {qp_word("Zamówienie nr 15/2024 – ważne", "utf-8")}
Date: Thu, 7 Mar 2024 08:00:00 +0100
Message-ID: <abc.15.2024@hurtownia.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-2
Content-Transfer-Encoding: quoted-printable

""".encode("ascii")
    + quopri.encodestring("Dzień dobry, proszę o potwierdzenie zamówienia.\n".encode("iso-8859-2")),
)

# 4. UTF-8 character split across two encoded-words ("Ž" = C5 | BD)
subj = "Cenová ponuka – Žilina".encode()
cut = subj.index(b"\xc5\xbd") + 1
save(
    "rfc2047_split_utf8_words.eml",
    f"""From: =?UTF-8?Q?J=C3=A1n_?=
 =?UTF-8?Q?Nov=C3=A1k?= <jan@firma.sk>
To: peter@zakaznik.sk
Subject: {b_word(subj[:cut], "UTF-8")}
 {b_word(subj[cut:], "utf-8")}
Date: Fri, 8 Mar 2024 10:00:00 +0100
Message-ID: <split-words@firma.sk>
Content-Type: text/plain; charset=utf-8

Ahoj
""",
)

# 5. Undeclared raw cp1251 bytes in headers (broken Windows mailer)
save(
    "undeclared_8bit_header_cp1251.eml",
    b"From: " + "Олег Иванов".encode("cp1251") + b" <oleg@firma.ru>\n"
    b"To: " + "Бухгалтерия".encode("cp1251") + b" <buh@firma.sk>\n"
    b"Subject: " + "Счет на оплату №15".encode("cp1251") + b"\n"
    b"Date: Mon, 11 Mar 2024 12:30:00 +0300\n"
    b"Message-ID: <cp1251-raw@firma.ru>\n"
    b"Content-Type: text/plain\n\n" + "Счет во вложении.\n".encode("cp1251"),
)

# 6. Group syntax, comments, quoted local part
save(
    "group_syntax_to.eml",
    """From: "Jan.Novak"@Firma.SK (=?utf-8?q?J=C3=A1n_Nov=C3=A1k?=)
To: Obchod: eva@firma.sk, =?utf-8?q?Horv=C3=A1th=2C_Peter?= <peter@firma.sk>;,
 marta@firma.sk
Cc: Undisclosed recipients:;
Bcc: "jan novak"@firma.sk, not-an-address
Subject: group syntax
Date: Tue, 12 Mar 2024 09:00:00 +0100
Message-ID: <group@firma.sk>

x
""",
)

# 7. IDN: punycode From, Unicode To for the same domain
puny = "žilinská-stavebná.sk".encode("idna").decode()
save(
    "idn_punycode_from.eml",
    f"""From: =?utf-8?q?Stavebn=C3=A1_firma?= <Info@{puny.upper()}>
To: =?utf-8?q?Objedn=C3=A1vky?= <objednavky@žilinská-stavebná.sk>
Subject: IDN
Date: Wed, 13 Mar 2024 09:00:00 +0100
Message-ID: <idn@{puny}>
Content-Type: text/plain; charset=utf-8

x
""".encode(),
)

# 8. No Message-ID (dedupe by content hash)
save(
    "no_message_id.eml",
    """Received: from mx.firma.sk by imap.firma.sk; Thu, 14 Mar 2024 10:00:05 +0100
Delivered-To: jan@firma.sk
From: Peter <peter@zakaznik.sk>
To: jan@firma.sk, eva@firma.sk
Cc: office@firma.sk
Subject: bez message-id
Date: Thu, 14 Mar 2024 10:00:00 +0100
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Správa bez Message-ID.
""".encode(),
)

# 9. No Date: occurred_at from the newest Received header
save(
    "no_date.eml",
    """Received: from relay.firma.sk by imap.firma.sk; Fri, 15 Mar 2024 11:00:07 +0100
Received: from pc.zakaznik.sk by relay.firma.sk; Fri, 15 Mar 2024 11:00:03 +0100
From: Peter <peter@zakaznik.sk>
To: jan@firma.sk
Subject: bez datumu
Message-ID: <no-date@zakaznik.sk>

Body
""",
)

# 10. HTML-only, Czech, ISO-8859-2 quoted-printable
html = (
    "<html><head><title>Nab&iacute;dka</title><style>p {color: red}</style></head>"
    "<body><p>P&#345;&iacute;li&scaron; žluťoučký kůň úpěl ďábelské ódy.</p>"
    "<script>alert('x')</script><ul><li>Položka&nbsp;1</li><li>Položka 2</li></ul>"
    "<p>S&nbsp;pozdravem<br>Tomáš</p></body></html>"
)
save(
    "html_only_czech.eml",
    """From: =?iso-8859-2?Q?Tom=E1=B9_Dvo=F8=E1k?= <tomas@dvorak.cz>
To: info@firma.sk
Subject: =?iso-8859-2?Q?Nab=EDdka?=
Date: Sat, 16 Mar 2024 16:45:00 +0100
Message-ID: <html-only@dvorak.cz>
MIME-Version: 1.0
Content-Type: text/html; charset="iso-8859-2"
Content-Transfer-Encoding: quoted-printable

""".encode("ascii")
    + quopri.encodestring(html.encode("iso-8859-2")),
)

# 11. Attachments: RFC 2231 continuation+charset, RFC 2047 inside quotes, nameless inline image
pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4
png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
name_2231 = "Cenová ponuka – Žilina 2024.pdf".encode()
pct = "".join(
    chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in ".-") else f"%{b:02X}" for b in name_2231
)
save(
    "attachment_rfc2231_filename.eml",
    f"""From: jan@firma.sk
To: peter@zakaznik.sk
Subject: prilohy
Date: Sun, 17 Mar 2024 10:00:00 +0100
Message-ID: <attachments@firma.sk>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==outer=="

--==outer==
Content-Type: multipart/related; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

{base64.encodebytes("Ponuka v prílohe.".encode()).decode()}
--inner
Content-Type: image/png
Content-ID: <logo@firma.sk>
Content-Transfer-Encoding: base64

{base64.encodebytes(png).decode()}
--inner--

--==outer==
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=utf-8''{pct[:20]};
 filename*1*={pct[20:]}
Content-Transfer-Encoding: base64

{base64.encodebytes(pdf).decode()}
--==outer==
Content-Type: text/plain; name="=?utf-8?B?{base64.b64encode("Poznámky.txt".encode()).decode()}?="
Content-Disposition: attachment

poznamky
--==outer==--
""",
)

# 12. Outlook style: CRLF, windows-1250 QP body, winmail.dat (TNEF), quoted names
tnef = b"\x78\x9f\x3e\x22" + bytes(200)
save(
    "outlook_winmail_style.eml",
    (
        """From: =?windows-1250?Q?=27=8Atefan_Kov=E1=E8=27?= <Stefan.Kovac@Firma.sk>
To: =?windows-1250?Q?=27Nov=E1k=2C_J=E1n=27?= <jan.novak@zakaznik.sk>
Subject: =?windows-1250?Q?RE:_Objedn=E1vka_=E8._42?=
Thread-Topic: =?windows-1250?Q?Objedn=E1vka_=E8._42?=
Thread-Index: AdpuXyZ2fO1XyZ2fO1XyZ2fO1XyZ2fO1==
Date: Mon, 18 Mar 2024 08:12:44 +0000
Message-ID: <VI1PR07MB1234ABCD5678@VI1PR07MB1234.eurprd07.prod.outlook.com>
In-Reply-To: <original-42@zakaznik.sk>
Accept-Language: sk-SK, en-US
Content-Language: sk-SK
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator: <VI1PR07MB1234ABCD5678@VI1PR07MB1234.eurprd07.prod.outlook.com>
MIME-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="_002_VI1PR07MB1234ABCD5678_"

--_002_VI1PR07MB1234ABCD5678_
Content-Type: text/plain; charset="windows-1250"
Content-Transfer-Encoding: quoted-printable

""".encode("ascii")
        + quopri.encodestring(
            "Dobrý deň,\r\nobjednávku č. 42 potvrdzujem.\r\nŠtefan Kováč\r\n".encode("cp1250")
        )
        + f"""
--_002_VI1PR07MB1234ABCD5678_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{base64.encodebytes(tnef).decode()}
--_002_VI1PR07MB1234ABCD5678_--
""".encode("ascii")
    ),
    crlf=True,
)

# 13. Binary garbage (a PNG-ish blob without header lines) and 14. empty file
random.seed(42)
save("garbage_binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.randbytes(2000))
save("empty.eml", b"")

# 15. A Message-ID reused by a broken mailer for two different messages
for suffix, sender, date in (
    ("a", "faktury@eshop.sk", "Tue, 19 Mar 2024 10:00:00 +0100"),
    ("b", "noreply@ina-firma.sk", "Wed, 20 Mar 2024 11:00:00 +0100"),
):
    save(
        f"reused_message_id_{suffix}.eml",
        f"""From: {sender}
To: jan@firma.sk
Subject: Faktura {suffix}
Date: {date}
Message-ID: <1@localhost>

Text {suffix}
""",
    )
