#!/usr/bin/env python3
"""Regenerate syncd's bundled demo data under ``config/demo/``.

    . .venv/bin/activate && python bench/gen_demo.py          # regenerate + self-check
    python bench/gen_demo.py --check                          # only re-check what is there

Everything is deterministic (fixed seed, fixed "now" = 2026-11-20, no tzdata, fixed MIME
boundaries), so re-running produces byte-identical files. The generator deletes and
rewrites ``config/demo/{companies.csv,contacts.csv,mail,calendar,expected.json,README.md}``.

The demo organisation is Tatra Soft s.r.o. (tatrasoft.sk, tatrasoft.cz); the mailbox and
the main calendar belong to Peter Horváth. ``expected.json`` lists every message and
meeting with the company links a correct matcher should produce, so tests can assert on
the demo without re-deriving the rules.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import io
import json
import random
import shutil
import struct
import sys
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote as pct_quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mailgen as mg  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "config" / "demo"
SEED = 20261120
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 7, 23, 6, 0, tzinfo=UTC)  # NOW - ~120 days
INTERNAL_DOMAINS = ("tatrasoft.sk", "tatrasoft.cz")
FREEMAIL = frozenset(mg.FREEMAIL_DOMAINS)
HOST = "demo"

# ---------------------------------------------------------------------------
# Registration numbers with valid check digits
# ---------------------------------------------------------------------------


def ico(base7: str) -> str:
    """Slovak / Czech IČO: 7 digits + mod-11 check digit."""
    s = sum(int(d) * w for d, w in zip(base7, range(8, 1, -1), strict=True))
    return base7 + str((11 - s % 11) % 10)


def nip(base9: str) -> str:
    """Polish NIP: 9 digits + mod-11 check digit (bases giving 10 are invalid)."""
    s = sum(int(d) * w for d, w in zip(base9, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True))
    if s % 11 == 10:
        raise ValueError(f"NIP base {base9} has no valid check digit")
    return base9 + str(s % 11)


def edrpou(base7: str) -> str:
    """Ukrainian EDRPOU (8 digits) check digit."""
    code = int(base7 + "0")
    weights = (7, 1, 2, 3, 4, 5, 6) if 30_000_000 <= code <= 60_000_000 else (1, 2, 3, 4, 5, 6, 7)
    r = sum(int(d) * w for d, w in zip(base7, weights, strict=True)) % 11
    if r == 10:
        r = sum(int(d) * (w + 2) for d, w in zip(base7, weights, strict=True)) % 11
        r = 0 if r == 10 else r
    return base7 + str(r)


def inn10(base9: str) -> str:
    """Russian INN of a legal entity (10 digits)."""
    s = sum(int(d) * w for d, w in zip(base9, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True))
    return base9 + str(s % 11 % 10)


# ---------------------------------------------------------------------------
# Companies and contacts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    key: str
    name: str
    reg: str
    website: str
    domains: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    emails: tuple[str, ...]  # as written in the CSV (case preserved); first is the usual one
    position: str
    phone: str
    company: str | None  # Company.key
    profile: str  # mail client profile, see PROFILES
    lang: str

    @property
    def addr(self) -> str:
        return self.emails[0].lower()

    @property
    def first(self) -> str:
        return self.name.split(" ")[0]


def _co(key: str, name: str, reg: str, website: str, domains: str, lang: str) -> Company:
    return Company(key, name, reg, website, tuple(d for d in domains.split(";") if d), lang)


# fmt: off
COMPANIES: tuple[Company, ...] = (
    # Slovakia
    _co("horizont", "Horizont Logistics s.r.o.", ico("4612345"),
        "https://www.horizont-logistics.sk", "horizont-logistics.sk", "sk"),
    _co("agroliptov", "Agro Liptov a.s.", ico("3155802"), "https://agroliptov.sk", "agroliptov.sk",
        "sk"),
    _co("kovac", "Stavebniny Kováč s.r.o.", ico("5073318"), "http://www.stavebniny-kovac.sk",
        "stavebniny-kovac.sk", "sk"),
    _co("dunaj", "Dunaj Pharma a.s.", ico("3578123"), "https://www.dunajpharma.sk",
        "dunajpharma.sk;dunajpharma.eu", "sk"),
    _co("povazie", "Strojárne Považie a.s.", ico("3631447"), "https://strojarne-povazie.sk",
        "strojarne-povazie.sk", "sk"),
    _co("zofia", "Kaviareň u Žofie s.r.o.", ico("5412089"), "", "", "sk"),
    _co("simkova", "Účtovníctvo Šimková s.r.o.", ico("4780213"), "https://uctovnictvo-simkova.sk",
        "uctovnictvo-simkova.sk", "sk"),
    _co("pekaren", "Nitrianska pekáreň s.r.o.", ico("3640221"), "https://nitrianska-pekaren.sk",
        "nitrianska-pekaren.sk", "sk"),
    _co("bigcorp_eu", "BigCorp Europe s.r.o.", ico("5190437"), "https://eu.bigcorp-holding.com",
        "eu.bigcorp-holding.com", "sk"),
    _co("eurogrant", "EuroGrant Advisory s.r.o.", ico("5266810"), "https://eurogrant.eu",
        "eurogrant.eu", "sk"),
    # Czechia
    _co("moravska", "Moravská elektro s.r.o.", ico("2694315"), "https://www.moravska-elektro.cz",
        "moravska-elektro.cz", "cs"),
    _co("prazska", "Pražská datová s.r.o.", ico("0613524"), "https://prazskadatova.cz",
        "prazskadatova.cz;praha-data.eu", "cs"),
    _co("sklarny", "Žďárské sklárny a.s.", ico("4651782"), "https://www.zdarske-sklarny.cz",
        "zdarske-sklarny.cz", "cs"),
    _co("dvorakova", "Účetní kancelář Dvořáková s.r.o.", ico("2872916"),
        "https://ucetni-dvorakova.cz", "ucetni-dvorakova.cz", "cs"),
    _co("ocel", "Ostravská ocel a.s.", ico("4528703"), "https://ostravska-ocel.cz",
        "ostravska-ocel.cz", "cs"),
    _co("remeslnik", "Český řemeslník, s.r.o.", ico("0784513"), "https://www.ceskyremeslnik.cz",
        "ceskyremeslnik.cz", "cs"),
    # Poland
    _co("wisniewski", "Wiśniewski i Wspólnicy sp. z o.o.", nip("525218374"),
        "https://wisniewski-wspolnicy.pl", "wisniewski-wspolnicy.pl", "pl"),
    _co("lzt", "Łódzkie Zakłady Tekstylne S.A.", nip("725100382"), "https://www.lzt.com.pl",
        "lzt.com.pl", "pl"),
    _co("stocznia", "Gdańska Stocznia Jachtowa sp. z o.o.", nip("583301921"),
        "https://stocznia-jachtowa.pl", "stocznia-jachtowa.pl", "pl"),
    _co("ksh", "Kraków Software House sp. z o.o.", nip("677240518"), "https://krakowsoftware.pl",
        "krakowsoftware.pl;ksh.eu", "pl"),
    # Ukraine
    _co("kat", "ТОВ «Київ Агро Трейд»", edrpou("3871402"), "https://kyivagrotrade.com.ua",
        "kyivagrotrade.com.ua", "uk"),
    _co("lvivcoffee", "ТОВ «Львівська кавова мануфактура»", edrpou("4102756"),
        "https://lvivcoffee.ua", "lvivcoffee.ua", "uk"),
    _co("odesa", "ТОВ «Одеса Логістик»", edrpou("3945117"), "https://odesa-logistic.com.ua",
        "odesa-logistic.com.ua;odesalog.ua", "uk"),
    _co("dniprosoft", "ТОВ «Дніпро Софт»", edrpou("4315590"), "https://dniprosoft.ua",
        "dniprosoft.ua", "uk"),
    # Russian-language
    _co("veter", "ООО «Северный ветер»", inn10("781402735"), "https://severveter.ru",
        "severveter.ru", "ru"),
    _co("tekhnosnab", "ООО «ТехноСнаб»", inn10("772815640"), "http://tekhnosnab.ru",
        "tekhnosnab.ru", "ru"),
    # Austria / Germany
    _co("alpenblick", "Alpenblick Maschinenbau GmbH", "FN 412345m",
        "https://www.alpenblick-maschinenbau.at", "alpenblick-maschinenbau.at", "de"),
    _co("mueller", "Müller & Söhne Elektrotechnik GmbH", "HRB 204817", "https://mueller-soehne.de",
        "mueller-soehne.de", "de"),
    _co("wiener", "Wiener Büromöbel GmbH", "FN 398712t", "https://wiener-bueromoebel.at",
        "wiener-bueromoebel.at", "de"),
    # UK / international
    _co("thames", "Thames Analytics Ltd", "08123456", "https://www.thames-analytics.co.uk",
        "thames-analytics.co.uk", "en"),
    _co("bigcorp", "BigCorp Holding plc", "04567890", "https://www.bigcorp-holding.com",
        "bigcorp-holding.com", "en"),
)
# fmt: on
CO = {c.key: c for c in COMPANIES}


def _ct(
    key: str,
    name: str,
    emails: str,
    position: str,
    phone: str,
    company: str | None,
    profile: str,
    lang: str | None = None,
) -> Contact:
    lang = lang or (CO[company].lang if company else "sk")
    return Contact(key, name, tuple(emails.split(";")), position, phone, company, profile, lang)


# fmt: off
CONTACTS: tuple[Contact, ...] = (
    # Horizont Logistics: mixed-case address in the CSV + a private Gmail
    _ct("novak", "Ján Novák", "Jan.Novak@horizont-logistics.sk;jnovak.ba@gmail.com", "konateľ",
        "+421 905 123 456", "horizont", "outlook-1250"),
    _ct("novakova", "Jana Nováková", "jana.novakova@horizont-logistics.sk", "vedúca nákupu",
        "+421 2 4820 1133", "horizont", "outlook-1250"),
    _ct("durica", "Ľubomír Ďurica", "lubomir.durica@horizont-logistics.sk", "IT manažér",
        "+421 918 765 432", "horizont", "thunderbird-iso2"),
    _ct("hudakova", "Miroslava Hudáková", "miroslava.hudakova@horizont-logistics.sk",
        "asistentka konateľa", "+421 2 4820 1100", "horizont", "outlook-1250"),
    _ct("hrusovsky", "Marián Hrušovský", "marian.hrusovsky@agroliptov.sk",
        "predseda predstavenstva", "+421 44 552 1200", "agroliptov", "outlook-utf8"),
    _ct("kralova", "Mária Kráľová", "maria.kralova@agroliptov.sk", "ekonómka", "+421 907 222 111",
        "agroliptov", "thunderbird-iso2"),
    _ct("kovac", "Štefan Kováč", "stefan.kovac@stavebniny-kovac.sk", "majiteľ", "+421 903 456 789",
        "kovac", "gmail"),
    _ct("kovacova", "Eva Kováčová", "eva.kovacova@stavebniny-kovac.sk", "účtovníčka", "", "kovac",
        "outlook-1250"),
    _ct("baranova", "Andrea Baranová", "andrea.baranova@dunajpharma.sk", "obchodná riaditeľka",
        "+421 2 5930 2211", "dunaj", "outlook-utf8"),
    _ct("szabo", "Róbert Szabó", "robert.szabo@dunajpharma.eu", "Head of Regulatory Affairs",
        "+421 908 332 100", "dunaj", "outlook-utf8"),
    _ct("liskova", "Katarína Lišková", "katarina.liskova@dunajpharma.sk",
        "asistentka predstavenstva", "+421 2 5930 2200", "dunaj", "outlook-1250"),
    _ct("matus", "Igor Matúš", "igor.matus@strojarne-povazie.sk", "výrobný riaditeľ",
        "+421 42 432 1500", "povazie", "thunderbird-iso2"),
    _ct("ondrus", "Dušan Ondruš", "dusan.ondrus@strojarne-povazie.sk", "vedúci IT",
        "+421 915 402 300", "povazie", "thunderbird"),
    # A company without any domain: reachable only through its contact's Gmail
    _ct("bielikova", "Žofia Bieliková", "zofia.bielikova@gmail.com", "konateľka",
        "+421 948 120 777", "zofia", "gmail"),
    _ct("simkova", "Alžbeta Šimková", "simkova.uctovnictvo@azet.sk;alzbeta@uctovnictvo-simkova.sk",
        "konateľka", "+421 905 667 321", "simkova", "azet"),
    _ct("simko", "Miroslav Šimko", "m.simko@azet.sk", "účtovník", "", "simkova", "azet"),
    _ct("balaz", "Peter Baláž", "peter.balaz@nitrianska-pekaren.sk", "konateľ", "+421 37 741 2020",
        "pekaren", "apple"),
    _ct("vargova", "Lucia Vargová", "lucia.vargova@nitrianska-pekaren.sk", "vedúca predaja",
        "+421 911 505 404", "pekaren", "outlook-1250"),
    _ct("krajci", "Martin Krajčí", "martin.krajci@eu.bigcorp-holding.com",
        "Country Manager Slovakia", "+421 2 3214 5500", "bigcorp_eu", "outlook-utf8"),
    _ct("hudecova", "Veronika Hudecová", "veronika.hudecova@eu.bigcorp-holding.com",
        "Procurement Specialist", "+421 2 3214 5512", "bigcorp_eu", "outlook-utf8"),
    _ct("ferenc", "Michal Ferenc", "michal.ferenc@eurogrant.eu", "partner", "+421 905 909 808",
        "eurogrant", "apple"),
    _ct("kocisova", "Simona Kočišová", "simona.kocisova@eurogrant.eu", "projektová manažérka",
        "+421 917 313 414", "eurogrant", "thunderbird"),
    # Czechia
    _ct("jdvorak", "Jiří Dvořák", "jiri.dvorak@moravska-elektro.cz", "jednatel", "+420 541 213 444",
        "moravska", "outlook-1250"),
    _ct("svobodova", "Petra Svobodová", "petra.svobodova@moravska-elektro.cz", "nákupčí",
        "+420 602 118 229", "moravska", "outlook-1250"),
    _ct("prochazka", "Radek Procházka", "radek.prochazka@moravska-elektro.cz", "vedoucí servisu",
        "+420 731 456 012", "moravska", "thunderbird-iso2"),
    _ct("cerny", "Lukáš Černý", "lukas.cerny@prazskadatova.cz", "CTO", "+420 777 201 305",
        "prazska", "thunderbird"),
    _ct("vesela", "Tereza Veselá", "tereza.vesela@praha-data.eu", "obchodní ředitelka",
        "+420 603 889 120", "prazska", "outlook-utf8"),
    _ct("kucera", "Ondřej Kučera", "ondrej.kucera@prazskadatova.cz", "projektový manažer",
        "+420 724 330 981", "prazska", "gmail"),
    _ct("ruzicka", "Zdeněk Růžička", "zdenek.ruzicka@zdarske-sklarny.cz", "generální ředitel",
        "+420 566 627 100", "sklarny", "outlook-1250"),
    _ct("markova", "Hana Marková", "hana.markova@zdarske-sklarny.cz", "vedoucí nákupu",
        "+420 566 627 140", "sklarny", "outlook-1250"),
    _ct("benes", "Vojtěch Beneš", "vojtech.benes@zdarske-sklarny.cz", "technolog", "", "sklarny",
        "thunderbird-iso2"),
    _ct("vdvorakova", "Věra Dvořáková", "vera.dvorakova@seznam.cz", "jednatelka",
        "+420 605 443 210", "dvorakova", "seznam"),
    _ct("nemcova", "Kateřina Němcová",
        "katerina.nemcova@ucetni-dvorakova.cz;katka.nemcova@seznam.cz", "účetní",
        "+420 739 002 118", "dvorakova", "seznam"),
    _ct("rehor", "Pavel Řehoř", "pavel.rehor@ostravska-ocel.cz", "ředitel IT", "+420 596 101 200",
        "ocel", "outlook-1250"),
    _ct("sebestova", "Martina Šebestová", "martina.sebestova@ostravska-ocel.cz", "asistentka",
        "+420 596 101 210", "ocel", "outlook-1250"),
    _ct("kratochvil", "Josef Kratochvíl", "josef.kratochvil@ceskyremeslnik.cz", "majitel",
        "+420 608 777 123", "remeslnik", "gmail"),
    _ct("horakova", "Barbora Horáková", "barbora.horakova@ceskyremeslnik.cz", "e-shop manažerka",
        "", "remeslnik", "gmail"),
    # Poland
    _ct("wisniewski", "Łukasz Wiśniewski", "lukasz.wisniewski@wisniewski-wspolnicy.pl",
        "Prezes Zarządu", "+48 22 628 14 50", "wisniewski", "outlook-1250"),
    _ct("lewandowska", "Magdalena Lewandowska", "m.lewandowska@wisniewski-wspolnicy.pl",
        "Radca prawny", "+48 601 234 567", "wisniewski", "outlook-1250"),
    _ct("wojcik", "Agnieszka Wójcik", "agnieszka.wojcik@lzt.com.pl", "Dyrektor handlowy",
        "+48 42 633 20 10", "lzt", "outlook-1250"),
    _ct("zielinski", "Paweł Zieliński", "pawel.zielinski@lzt.com.pl", "Kierownik IT",
        "+48 502 118 334", "lzt", "thunderbird-iso2"),
    _ct("dabrowski", "Krzysztof Dąbrowski", "k.dabrowski@wp.pl", "Kierownik zakupów",
        "+48 693 400 221", "lzt", "wp"),
    _ct("kaminska", "Małgorzata Kamińska", "malgorzata.kaminska@stocznia-jachtowa.pl",
        "Główna księgowa", "+48 58 301 44 10", "stocznia", "outlook-1250"),
    _ct("szymanski", "Tomasz Szymański", "tomasz.szymanski@stocznia-jachtowa.pl",
        "Kierownik projektu", "+48 512 909 117", "stocznia", "thunderbird"),
    _ct("kowalczyk", "Wojciech Kowalczyk", "wojciech.kowalczyk@stocznia-jachtowa.pl",
        "Dyrektor operacyjny", "+48 58 301 44 00", "stocznia", "outlook-1250"),
    _ct("knowak", "Katarzyna Nowak", "katarzyna.nowak@krakowsoftware.pl", "CEO", "+48 12 341 50 00",
        "ksh", "gmail"),
    _ct("jablonski", "Michał Jabłoński", "michal.jablonski@ksh.eu", "Head of Partnerships",
        "+48 600 700 800", "ksh", "gmail"),
    _ct("grabowski", "Piotr Grabowski", "piotr.grabowski@krakowsoftware.pl", "Developer", "", "ksh",
        "thunderbird"),
    # Ukraine
    _ct("shevchenko", "Олена Шевченко", "olena.shevchenko@kyivagrotrade.com.ua", "Директор",
        "+380 44 235 17 90", "kat", "outlook-1251"),
    _ct("kovalenko", "Андрій Коваленко", "a.kovalenko@kyivagrotrade.com.ua",
        "Менеджер з закупівель", "+380 67 123 45 67", "kat", "outlook-1251"),
    _ct("bondarenko", "Ірина Бондаренко", "iryna.bondarenko@ukr.net", "Головний бухгалтер",
        "+380 50 765 43 21", "kat", "ukrnet"),
    _ct("melnyk", "Тарас Мельник", "taras.melnyk@lvivcoffee.ua", "Засновник", "+380 32 255 01 02",
        "lvivcoffee", "gmail"),
    _ct("tkachenko", "Оксана Ткаченко", "oksana@lvivcoffee.ua", "Операційний директор",
        "+380 97 310 20 30", "lvivcoffee", "thunderbird-koi8u"),
    _ct("hnatiuk", "Марія Гнатюк", "maria.hnatiuk@lvivcoffee.ua", "Маркетолог", "", "lvivcoffee",
        "gmail"),
    _ct("kravchenko", "Віктор Кравченко", "v.kravchenko@odesa-logistic.com.ua",
        "Генеральний директор", "+380 48 738 00 11", "odesa", "outlook-1251"),
    _ct("oliinyk", "Наталія Олійник", "n.oliinyk@odesalog.ua", "Керівник відділу продажів",
        "+380 63 222 11 00", "odesa", "outlook-1251"),
    _ct("polishchuk", "Сергій Поліщук", "serhii.polishchuk@odesa-logistic.com.ua",
        "IT-адміністратор", "+380 93 505 60 70", "odesa", "thunderbird"),
    _ct("lysenko", "Богдан Лисенко", "bohdan.lysenko@dniprosoft.ua", "CTO", "+380 56 790 12 34",
        "dniprosoft", "thunderbird-koi8u"),
    _ct("savchenko", "Юлія Савченко", "yulia.savchenko@dniprosoft.ua", "Project Manager",
        "+380 66 404 50 60", "dniprosoft", "outlook-utf8"),
    # Russian-language
    _ct("ivanov", "Дмитрий Иванов", "d.ivanov@severveter.ru", "Генеральный директор",
        "+7 812 334-55-66", "veter", "thebat"),
    _ct("smirnova", "Елена Смирнова", "smirnova.elena@mail.ru", "Главный бухгалтер",
        "+7 921 765-43-21", "veter", "mailru"),
    _ct("kuznetsov", "Алексей Кузнецов", "a.kuznetsov@severveter.ru", "Руководитель отдела закупок",
        "+7 812 334-55-70", "veter", "outlook-1251"),
    _ct("popov", "Сергей Попов", "s.popov@tekhnosnab.ru", "Коммерческий директор",
        "+7 495 123-45-67", "tekhnosnab", "thebat"),
    _ct("vasilyeva", "Ольга Васильева", "o.vasilyeva@tekhnosnab.ru", "Менеджер", "+7 495 123-45-70",
        "tekhnosnab", "outlook-1251"),
    # Austria / Germany
    _ct("gruber", "Johann Gruber", "j.gruber@alpenblick-maschinenbau.at", "Geschäftsführer",
        "+43 732 781 200", "alpenblick", "outlook-latin1"),
    _ct("huber", "Sabine Huber", "s.huber@alpenblick-maschinenbau.at", "Einkaufsleiterin",
        "+43 732 781 215", "alpenblick", "outlook-latin1"),
    _ct("leitner", "Thomas Leitner", "t.leitner@alpenblick-maschinenbau.at", "IT-Leiter",
        "+43 664 123 45 67", "alpenblick", "thunderbird"),
    _ct("mueller", "Hans Müller", "hans.mueller@mueller-soehne.de", "Geschäftsführer",
        "+49 89 1234 5670", "mueller", "outlook-latin1"),
    _ct("weiss", "Jürgen Weiß", "juergen.weiss@mueller-soehne.de", "Vertriebsleiter",
        "+49 89 1234 5675", "mueller", "outlook-utf8"),
    _ct("schroeder", "Claudia Schröder", "c.schroeder@mueller-soehne.de", "Buchhaltung",
        "+49 89 1234 5680", "mueller", "outlook-latin1"),
    _ct("wagner", "Florian Wagner", "florian.wagner@wiener-bueromoebel.at", "Prokurist",
        "+43 1 503 22 10", "wiener", "apple"),
    _ct("pichler", "Elisabeth Pichler", "e.pichler@wiener-bueromoebel.at",
        "Assistenz der Geschäftsführung", "+43 1 503 22 11", "wiener", "outlook-latin1"),
    # UK / international
    _ct("bennett", "Oliver Bennett", "oliver.bennett@thames-analytics.co.uk", "Managing Director",
        "+44 20 7946 0123", "thames", "outlook-utf8"),
    _ct("hughes", "Charlotte Hughes", "charlotte.hughes@thames-analytics.co.uk", "Account Manager",
        "+44 20 7946 0456", "thames", "apple"),
    _ct("whitmore", "James Whitmore", "james.whitmore@bigcorp-holding.com",
        "Group Procurement Director", "+44 20 7946 0999", "bigcorp", "outlook-utf8"),
    _ct("collins", "Sarah Collins", "sarah.collins@bigcorp-holding.com", "Vendor Manager",
        "+44 20 7946 0998", "bigcorp", "outlook-utf8"),
    # Contacts without a company
    _ct("bartos", "Radoslav Bartoš", "rado.bartos@gmail.com", "nezávislý konzultant",
        "+421 911 222 333", None, "gmail", "sk"),
    _ct("polakova", "Ivana Poláková", "ivana.polakova@azet.sk", "grafička (SZČO)",
        "+421 904 555 666", None, "azet", "sk"),
    _ct("petrenko", "Олег Петренко", "oleg.petrenko@ukr.net", "ФОП, IT-консультант",
        "+380 67 555 44 33", None, "ukrnet", "uk"),
    _ct("kowalska", "Anna Kowalska", "anna.kowalska@gmail.com", "tłumacz przysięgły",
        "+48 605 111 222", None, "gmail", "pl"),
)
# fmt: on
CT = {c.key: c for c in CONTACTS}

# Tatra Soft people (internal)
PETER = ("Peter Horváth", "peter.horvath@tatrasoft.sk")
ZUZANA = ("Zuzana Kováčová", "zuzana.kovacova@tatrasoft.sk")
TOMAS = ("Tomáš Dvořák", "tomas.dvorak@tatrasoft.cz")
JANA = ("Jana Malá", "jana.mala@tatrasoft.sk")
UCTOVNICTVO = ("Účtovníctvo Tatra Soft", "uctovnictvo@tatrasoft.sk")
PETER_SIG = (
    "Peter Horváth\nKey Account Manager | Tatra Soft s.r.o.\n"
    "Mlynské nivy 12, 821 09 Bratislava\nTel.: +421 2 3300 4410 | Mob.: +421 905 880 214\n"
    "https://www.tatrasoft.sk"
)
INTERNAL_SIGS = {
    ZUZANA[1]: "Zuzana Kováčová\nSales Manager | Tatra Soft s.r.o.\nMob.: +421 905 880 215",
    TOMAS[1]: "Tomáš Dvořák\nobchodní zástupce pro ČR\nTatra Soft s.r.o., odštěpný závod Brno\n"
    "Mob.: +420 730 880 216",
    JANA[1]: "Jana Malá\noffice manažérka | Tatra Soft s.r.o.",
    UCTOVNICTVO[1]: "Účtovné oddelenie\nTatra Soft s.r.o.",
}

# ---------------------------------------------------------------------------
# Mail client profiles
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    charset: str
    henc: str  # RFC 2047 encoding for headers: "b" or "q"
    upper: bool  # =?UTF-8?B? (Outlook, Thunderbird) vs =?utf-8?b? (webmails)
    shape: str  # "plain", "alt" (multipart/alternative) or "html" (HTML only)
    cte: str  # transfer encoding of the text parts
    mailer: str | None
    msgid: str  # Message-ID style
    quote: str  # "bottom" (> quoting) or "outlook" (top-posting with a header block)
    flowed: bool = False
    quoted_param: bool = True  # charset="x" rather than charset=x


TB_UA = (
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
    "Thunderbird/128.4.2"
)
PROFILES: dict[str, Profile] = {
    "peter": Profile("utf-8", "q", True, "plain", "8bit", TB_UA, "uuid", "bottom", True, False),
    "thunderbird": Profile(
        "utf-8", "q", True, "plain", "8bit", TB_UA, "uuid", "bottom", True, False
    ),
    "thunderbird-iso2": Profile(
        "iso-8859-2", "q", True, "plain", "8bit", TB_UA, "uuid", "bottom", True, False
    ),
    "thunderbird-koi8u": Profile(
        "koi8-u", "b", True, "plain", "8bit", TB_UA, "uuid", "bottom", True, False
    ),
    "outlook-1250": Profile(
        "windows-1250",
        "q",
        True,
        "alt",
        "quoted-printable",
        "X-Mailer: Microsoft Outlook 16.0",
        "outlook",
        "outlook",
    ),
    "outlook-1251": Profile(
        "windows-1251",
        "b",
        True,
        "alt",
        "quoted-printable",
        "X-Mailer: Microsoft Outlook 16.0",
        "outlook",
        "outlook",
    ),
    "outlook-latin1": Profile(
        "iso-8859-1",
        "q",
        True,
        "alt",
        "quoted-printable",
        "X-Mailer: Microsoft Outlook 16.0",
        "outlook",
        "outlook",
    ),
    "outlook-utf8": Profile("utf-8", "b", True, "alt", "base64", None, "m365", "outlook"),
    "gmail": Profile(
        "utf-8", "b", True, "alt", "quoted-printable", None, "gmail", "bottom", quoted_param=False
    ),
    "seznam": Profile("utf-8", "b", False, "html", "base64", None, "seznam", "bottom"),
    "azet": Profile(
        "iso-8859-2",
        "q",
        False,
        "plain",
        "quoted-printable",
        "X-Mailer: Azet.sk Posta 4.2",
        "azet",
        "bottom",
        quoted_param=False,
    ),
    "wp": Profile("iso-8859-2", "q", True, "plain", "8bit", "X-Mailer: Poczta WP", "wp", "bottom"),
    "ukrnet": Profile(
        "koi8-u",
        "b",
        False,
        "plain",
        "8bit",
        "X-Mailer: FREEMAIL.UKR.NET",
        "ukrnet",
        "bottom",
        quoted_param=False,
    ),
    "mailru": Profile(
        "koi8-r", "b", False, "alt", "base64", "X-Mailer: Mail.Ru Mailer 1.0", "mailru", "bottom"
    ),
    "thebat": Profile(
        "koi8-r",
        "b",
        False,
        "plain",
        "8bit",
        "X-Mailer: The Bat! (v11.2.1) Professional",
        "thebat",
        "bottom",
        quoted_param=False,
    ),
    "apple": Profile(
        "utf-8",
        "q",
        False,
        "alt",
        "quoted-printable",
        "X-Mailer: Apple Mail (2.3826.200.121)",
        "apple",
        "bottom",
    ),
    # mass mailers and robots: no client header
    "bulk": Profile("utf-8", "q", True, "alt", "quoted-printable", None, "uuid", "bottom"),
    "robot": Profile(
        "utf-8", "b", False, "plain", "8bit", None, "uuid", "bottom", quoted_param=False
    ),
}

REPLY_PREFIX = {  # what each client writes, per language of the client's UI
    ("outlook", "sk"): "RE:",
    ("outlook", "cs"): "RE:",
    ("outlook", "pl"): "ODP:",
    ("outlook", "uk"): "RE:",
    ("outlook", "ru"): "RE:",
    ("outlook", "de"): "AW:",
    ("outlook", "en"): "RE:",
}
KNOWN_PREFIXES = ("re:", "aw:", "odp:", "fwd:", "fw:", "wg:", "pd:", "tr:", "sv:")

OUTLOOK_LABELS = {
    "sk": ("Od", "Odoslané", "Komu", "Kópia", "Predmet"),
    "cs": ("Od", "Odesláno", "Komu", "Kopie", "Předmět"),
    "pl": ("Od", "Wysłano", "Do", "DW", "Temat"),
    "uk": ("Від", "Надіслано", "Кому", "Копія", "Тема"),
    "ru": ("От", "Отправлено", "Кому", "Копия", "Тема"),
    "de": ("Von", "Gesendet", "An", "Cc", "Betreff"),
    "en": ("From", "Sent", "To", "Cc", "Subject"),
}
TEL = {
    "sk": "Tel.:",
    "cs": "Tel.:",
    "pl": "tel.",
    "uk": "Тел.:",
    "ru": "Тел.:",
    "de": "Tel.:",
    "en": "T:",
}
# Topic (subject index in mailgen.Lang.subjects) -> matching paragraph index
TOPIC_PARA = {0: 0, 1: 1, 2: 4, 3: 2, 4: 7, 7: 9, 9: 3, 11: 4, 12: 5, 13: 8, 14: 6}


# What Peter (the vendor) writes; index by PETER_TOPIC. Czech customers get Slovak.
PETER_PARAS = {
    "sk": (
        "V prílohe Vám posielam cenovú ponuku na licencie CRM podľa nášho telefonátu. "
        "Ponuka platí do konca mesiaca.",
        "Ďakujem za včerajšie stretnutie. Ako sme sa dohodli, posielam zhrnutie a ďalšie kroky.",
        "Dovoľujem si pripomenúť faktúru č. 2026/0412, ktorá je po splatnosti. Prosím "
        "o kontrolu úhrady.",
        mg.SK.paragraphs[5],
        "Mohli by sme sa stretnúť budúci týždeň? Navrhujem utorok o 10:00 u Vás alebo cez Teams.",
        mg.SK.paragraphs[10],
        "Podpora na rok 2027 by stála 2 400 EUR bez DPH ročne, v cene sú aj aktualizácie "
        "a hotline.",
    ),
    "pl": (
        "W załączniku przesyłam ofertę na licencje CRM zgodnie z naszą rozmową. Oferta "
        "jest ważna do końca miesiąca.",
        "Dziękuję za wczorajsze spotkanie. Zgodnie z ustaleniami przesyłam podsumowanie "
        "i kolejne kroki.",
        "Uprzejmie przypominam o fakturze nr 2026/1107, której termin płatności minął.",
        mg.PL.paragraphs[5],
        "Czy moglibyśmy spotkać się w przyszłym tygodniu? Proponuję wtorek o 10:00 przez Teams.",
    ),
    "uk": (
        "У вкладенні надсилаю комерційну пропозицію на ліцензії CRM відповідно до нашої "
        "розмови. Пропозиція дійсна до кінця місяця.",
        "Дякую за вчорашню зустріч. Як домовлялися, надсилаю підсумки та наступні кроки.",
        "Нагадую про рахунок № 2026/0915, термін оплати якого минув.",
        mg.UK.paragraphs[5],
        "Чи могли б ми зустрітися наступного тижня? Пропоную вівторок о 10:00 через Zoom.",
    ),
    "ru": (
        "Во вложении направляю коммерческое предложение на лицензии CRM по итогам нашего "
        "разговора. Предложение действует до конца месяца.",
        "Спасибо за вчерашнюю встречу. Как договорились, направляю итоги и следующие шаги.",
        "Напоминаю о счёте № 2026/0733, срок оплаты которого истёк.",
        mg.RU.paragraphs[5],
        "Могли бы мы созвониться на следующей неделе? Предлагаю вторник в 10:00 по Zoom.",
    ),
    "de": (
        "Anbei erhalten Sie unser Angebot für die CRM-Lizenzen gemäß unserem Telefonat. "
        "Das Angebot gilt bis Monatsende.",
        "Vielen Dank für das gestrige Treffen. Wie besprochen sende ich Ihnen die "
        "Zusammenfassung und die nächsten Schritte.",
        "Ich erlaube mir, an die Rechnung Nr. 2026-4471 zu erinnern, die bereits fällig ist.",
        mg.DE.paragraphs[5],
        "Könnten wir uns nächste Woche abstimmen? Ich schlage Dienstag um 10:00 Uhr per Teams vor.",
    ),
    "en": (
        "Please find attached our quotation for the CRM licences as discussed. The offer is "
        "valid until the end of the month.",
        "Thank you for yesterday's meeting. As agreed, here is a summary and the next steps.",
        "May I remind you of invoice 2026-0915, which is now overdue.",
        mg.EN.paragraphs[5],
        "Could we have a call next week? I suggest Tuesday at 10:00 on Teams.",
    ),
}
PETER_TOPIC = {0: 0, 1: 1, 2: 2, 3: 4, 4: 1, 5: 5, 7: 6, 11: 2, 12: 3, 13: 1, 14: 1}
FEMALE_FIRST = {"Sabine", "Elisabeth", "Charlotte", "Sarah"}
# Greetings to Peter, grammatical forms included (Czech and Ukrainian use the vocative).
TO_PETER = {
    "sk": "Dobrý deň, pán Horváth,",
    "cs": "Dobrý den, pane Horváthe,",
    "pl": "Szanowny Panie,",
    "uk": "Добрий день, пане Петере!",
    "ru": "Здравствуйте, Петер!",
    "de": "Sehr geehrter Herr Horváth,",
    "en": "Dear Peter,",
}


def is_female(c: Contact) -> bool:
    return c.first in FEMALE_FIRST or c.first.endswith(("a", "я"))


def formal_greeting(lang: str, c: Contact) -> str | None:
    """Peter's formal greeting to a contact, or None where it would need a vocative."""
    last = c.name.split(" ", 1)[1]
    female = is_female(c)
    return {
        "sk": f"Dobrý deň, {'pani' if female else 'pán'} {last},",
        "pl": "Szanowna Pani," if female else "Szanowny Panie,",
        "de": f"Sehr geehrte{'' if female else 'r'} {'Frau' if female else 'Herr'} {last},",
        "en": f"Dear {c.first},",
        "ru": f"Здравствуйте, {c.first}!",
    }.get(lang)


def is_internal(addr: str) -> bool:
    dom = addr.rsplit("@", 1)[-1].lower()
    return any(dom == d or dom.endswith("." + d) for d in INTERNAL_DOMAINS)


def local_now(when: datetime, zone: str = "CET") -> datetime:
    return when.astimezone(mg.local_offset(when, zone))


# ---------------------------------------------------------------------------
# Message model
# ---------------------------------------------------------------------------

Addr = tuple[str | None, str]


@dataclass
class Att:
    filename: str
    ctype: str
    data: bytes
    style: str = "2231"  # "2231", "2231-cont", "2231-latin2", "2047", "ascii", "inline"
    content_id: str | None = None


@dataclass
class Mail:
    key: str
    category: str
    frm: Addr
    to: list[Addr]
    subject: str
    date: datetime | None
    profile: str
    lang: str
    text: str
    msgid: str | None = None
    folder: str = "INBOX"
    cc: list[Addr] = field(default_factory=list)
    bcc: list[Addr] = field(default_factory=list)
    sender: Addr | None = None
    reply_to: Addr | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    html: str | None = None
    shape: str | None = None  # overrides the profile
    charset: str | None = None  # overrides the profile
    attachments: list[Att] = field(default_factory=list)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    zone: str = "CET"
    quirks: list[str] = field(default_factory=list)
    thread: str | None = None
    flags: str = "S"
    subdir: str = "cur"
    copies: list[tuple[str, bool]] = field(default_factory=list)  # (folder, with transport)
    raw: bytes | None = None  # prebuilt bytes (malformed files, hand-made quirks)
    post: list[str] = field(default_factory=list)  # no-date, raw-utf8-headers, mbox-from, crlf
    expect: dict[str, object] = field(default_factory=dict)  # manifest overrides
    files: list[str] = field(default_factory=list)  # filled by the writer
    delivered: datetime | None = None  # filled by the writer

    @property
    def outbound(self) -> bool:
        return self.folder == ".Sent"


# ---------------------------------------------------------------------------
# Body composition
# ---------------------------------------------------------------------------


def wrap_para(text: str, width: int = 76, flowed: bool = False) -> str:
    lines = mg._wrap(text, width).split("\n")
    if flowed:  # RFC 3676: a trailing space marks a soft line break
        lines = [ln + " " for ln in lines[:-1]] + lines[-1:]
    return "\n".join(lines)


def contact_signature(c: Contact) -> str:
    lines = [c.name, c.position]
    if c.company:
        lines.append(CO[c.company].name)
    if c.phone:
        lines.append(f"{TEL[c.lang]} {c.phone}")
    if c.company and CO[c.company].website:
        lines.append(CO[c.company].website.split("//", 1)[1])
    return "\n".join(lines)


@dataclass
class Body:
    paragraphs: list[str]
    signature: str
    quote_head: str | None = None  # attribution line or Outlook header block
    quoted: str | None = None  # previous message's plain text
    style: str = "bottom"

    def plain(self, flowed: bool = False) -> str:
        out = "\n\n".join(wrap_para(p, flowed=flowed) for p in self.paragraphs)
        out += "\n\n-- \n" + self.signature + "\n"
        if self.quoted is not None:
            if self.style == "outlook":
                out += "\n" + (self.quote_head or "") + "\n\n" + self.quoted
            else:
                q = "\n".join(
                    ("> " + ln) if not ln.startswith(">") else (">" + ln)
                    for ln in self.quoted.rstrip("\n").split("\n")
                )
                out += "\n" + (self.quote_head or "") + "\n" + q + "\n"
        return out

    def html(self, kind: str, charset: str, lang: str) -> str:
        def esc(s: str) -> str:
            return (
                s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\n", "<br>\n")
            )

        paras = "".join(f'<p class="MsoNormal">{esc(p)}</p>\n' for p in self.paragraphs)
        sig = f'<p class="MsoNormal" style="color:#44546A">{esc(self.signature)}</p>\n'
        quoted = ""
        if self.quoted is not None:
            quoted = (
                '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm '
                f'0cm"><p class="MsoNormal">{esc(self.quote_head or "")}</p></div>\n'
                '<blockquote style="border-left:1px solid #ccc;padding-left:1ex">'
                f"{esc(self.quoted)}</blockquote>\n"
            )
        if kind == "outlook":
            head = mg._OUTLOOK_HEAD.format(cs=charset, lang=lang)
            return head + paras + sig + quoted + "</div>\n</body>\n</html>\n"
        if kind == "gmail":
            return f'<div dir="ltr">{paras}<div>--</div>{sig}</div>\n{quoted}'
        if kind == "seznam":
            return f"<div>{paras}</div><div>--<br>{sig}</div>{quoted}"
        return (
            f'<html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={charset}"></head><body>\n{paras}{sig}{quoted}</body></html>\n'
        )


def outlook_block(
    lang: str, frm: Addr, to: Sequence[Addr], subject: str, when: datetime, cc: Sequence[Addr] = ()
) -> str:
    lab = OUTLOOK_LABELS[lang]

    def fmt(a: Addr) -> str:
        return f"{a[0]} <{a[1]}>" if a[0] else a[1]

    local = local_now(when)
    lines = [
        "________________________________",
        f"{lab[0]}: {fmt(frm)}",
        f"{lab[1]}: {local:%d.%m.%Y %H:%M}",
        f"{lab[2]}: " + "; ".join(fmt(a) for a in to),
    ]
    if cc:
        lines.append(f"{lab[3]}: " + "; ".join(fmt(a) for a in cc))
    lines.append(f"{lab[4]}: {subject}")
    return "\n".join(lines)


def attribution(lang: str, name: str, when: datetime) -> str:
    local = local_now(when)
    return mg.LANGS[lang].attribution.format(
        date=f"{local:%d.%m.%Y}", time=f"{local:%H:%M}", name=name
    )


def reply_subject(subject: str, prefix: str) -> str:
    s = subject
    low = s.lower()
    # A client strips only the prefixes it knows: Thunderbird ("Re:") keeps "AW:", "ODP:" ...
    known = ("re:",) if prefix == "Re:" else KNOWN_PREFIXES
    while any(low.startswith(k) for k in known):
        k = next(k for k in known if low.startswith(k))
        s = s[len(k) :].lstrip()
        low = s.lower()
    return f"{prefix} {s}"


# ---------------------------------------------------------------------------
# Serialisation with the stdlib email package
# ---------------------------------------------------------------------------

GEN_POLICY = email_policy.compat32.clone(linesep="\n", max_line_length=None)


def _payload(data: bytes, cte: str) -> str:
    if cte == "base64":
        return base64.encodebytes(data).decode("ascii")
    if cte == "quoted-printable":
        out = binascii.b2a_qp(data, istext=True).decode("ascii")
        return out if out.endswith("\n") else out + "\n"
    if cte == "7bit":
        return data.decode("ascii")
    return data.decode("ascii", "surrogateescape")  # 8bit: raw bytes survive BytesGenerator


def text_part(
    text: str,
    subtype: str,
    charset: str,
    cte: str,
    *,
    flowed: bool = False,
    quoted_param: bool = True,
) -> Message:
    part = Message(policy=GEN_POLICY)
    cs = f'"{charset}"' if quoted_param else charset
    ct = f"text/{subtype}; charset={cs}" + ("; format=flowed" if flowed else "")
    part["Content-Type"] = ct
    data = text.encode(charset)
    if cte == "8bit" and data.isascii():
        cte = "7bit"
    part["Content-Transfer-Encoding"] = cte
    part.set_payload(_payload(data, cte))
    return part


def multipart(
    subtype: str,
    boundary: str,
    parts: Iterable[Message],
    preamble: str | None = None,
    params: str = "",
) -> Message:
    m = Message(policy=GEN_POLICY)
    m["Content-Type"] = f'multipart/{subtype};{params}\n\tboundary="{boundary}"'
    for p in parts:
        m.attach(p)
    if preamble:
        m.preamble = preamble
    return m


def ascii_name(filename: str) -> str:
    """The plain-ASCII fallback clients put into Content-Type's name= parameter."""
    out = []
    for ch in filename.translate(mg._FALLBACK):
        if ch.isascii():
            out.append(ch)
        elif ch.lower() in mg._CYR:
            t = mg._CYR[ch.lower()]
            out.append(t.capitalize() if ch.isupper() else t)
        else:
            base = mg._strip_accents(ch)
            out.append(base if base != "?" else "_")
    return "".join(out)


def attachment_part(att: Att) -> Message:
    part = Message(policy=GEN_POLICY)
    name = ascii_name(att.filename)
    if att.style == "2047":  # Outlook / Gmail style, not standard but everywhere
        ew = " ".join(mg.encode_words(att.filename, "utf-8", "b", upper=True))
        part["Content-Type"] = f'{att.ctype};\n\tname="{ew}"'
        disp = f'attachment;\n\tfilename="{ew}"'
    elif att.style == "2231-cont":  # RFC 2231 continuations (long names)
        enc = pct_quote(att.filename.encode("utf-8"), safe="")
        chunks = [enc[i : i + 48] for i in range(0, len(enc), 48)]
        while any(c.endswith("%") or c[-2:-1] == "%" for c in chunks[:-1]):
            # never split a %XX escape across continuation lines
            joined = "".join(chunks)
            chunks, i = [], 0
            while i < len(joined):
                j = min(len(joined), i + 48)
                while j < len(joined) and "%" in joined[j - 2 : j]:
                    j -= 1
                chunks.append(joined[i:j])
                i = j
        part["Content-Type"] = f'{att.ctype}; name="{name}"'
        disp = "attachment;" + "".join(
            f"\n\tfilename*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{c};"
            for i, c in enumerate(chunks)
        ).rstrip(";")
    elif att.style == "2231-latin2":
        enc = pct_quote(att.filename.encode("iso-8859-2"), safe="")
        part["Content-Type"] = f'{att.ctype}; name="{name}"'
        disp = f"attachment;\n\tfilename*=iso-8859-2''{enc}"
    elif att.style == "ascii":
        part["Content-Type"] = f'{att.ctype}; name="{att.filename}"'
        disp = f'attachment; filename="{att.filename}"'
    elif att.style == "inline":
        part["Content-Type"] = f'{att.ctype}; name="{att.filename}"'
        disp = f'inline; filename="{att.filename}"'
    else:  # RFC 2231 with utf-8
        enc = pct_quote(att.filename.encode("utf-8"), safe="")
        part["Content-Type"] = f'{att.ctype}; name="{name}"'
        disp = f"attachment;\n\tfilename*=utf-8''{enc}"
    if att.content_id:
        part["Content-ID"] = f"<{att.content_id}>"
    part["Content-Disposition"] = disp
    if att.ctype.startswith("text/") or att.ctype == "message/rfc822":
        if att.ctype == "message/rfc822":
            part.set_payload(att.data.decode("ascii", "surrogateescape"))
        else:
            part["Content-Transfer-Encoding"] = "base64"
            part.set_payload(base64.encodebytes(att.data).decode("ascii"))
    else:
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(base64.encodebytes(att.data).decode("ascii"))
    return part


def _hdr_addr(items: Sequence[Addr], header: str, charset: str, p: Profile) -> str:
    return mg.format_address_list(items, header, charset, p.henc, upper=p.upper)


def serialize(msg: Message) -> bytes:
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=GEN_POLICY).flatten(msg, unixfrom=False)
    return buf.getvalue()


def build(m: Mail, boundary_tag: str) -> bytes:
    """Serialise ``m`` with the email package; MIME boundaries are derived from the key."""
    if m.raw is not None:
        return m.raw
    p = PROFILES[m.profile]
    charset = m.charset or p.charset
    shape = m.shape or p.shape
    m.subject = mg.fit_charset(m.subject, charset, lossy=True)
    text = mg.fit_charset(m.text, charset, lossy=True)
    flowed = p.flowed and shape == "plain"

    parts_alt: list[Message] = []
    if shape in ("plain", "alt"):
        parts_alt.append(
            text_part(text, "plain", charset, p.cte, flowed=flowed, quoted_param=p.quoted_param)
        )
    if shape in ("alt", "html"):
        html_src = mg.fit_charset(m.html or "", charset, lossy=True)
        parts_alt.append(text_part(html_src, "html", charset, p.cte, quoted_param=p.quoted_param))
    preamble = "This is a multi-part message in MIME format." if p.msgid == "outlook" else None
    if len(parts_alt) == 1:
        body: Message = parts_alt[0]
    else:
        body = multipart(
            "alternative", f"----=_NextPart_{boundary_tag}_alt", parts_alt, preamble=preamble
        )
    inline = [a for a in m.attachments if a.style == "inline"]
    files = [a for a in m.attachments if a.style != "inline"]
    if inline:
        body = multipart(
            "related",
            f"----=_NextPart_{boundary_tag}_rel",
            [body, *(attachment_part(a) for a in inline)],
            params=' type="multipart/alternative";',
        )
    if files:
        body = multipart(
            "mixed",
            f"----=_NextPart_{boundary_tag}_mix",
            [body, *(attachment_part(a) for a in files)],
            preamble=preamble,
        )

    top = Message(policy=GEN_POLICY)
    for name, value in headers_for(m, p, charset):
        top[name] = value
    top["MIME-Version"] = "1.0"
    for name, value in m.extra_headers:
        top[name] = value
    if p.mailer:
        k, v = p.mailer.split(": ", 1)
        top[k] = v
    for k, v in body.items():
        top[k] = v
    # _payload, not get_payload(): the latter decodes surrogate-escaped 8-bit text
    top.set_payload(body._payload)  # type: ignore[attr-defined]
    if body.preamble:
        top.preamble = body.preamble
    return serialize(top)


def headers_for(m: Mail, p: Profile, charset: str) -> list[tuple[str, str]]:
    h: list[tuple[str, str]] = []
    if m.date is not None and "no-date" not in m.post:
        h.append(("Date", mg.rfc5322_date(m.date, m.zone)))
    h.append(("From", _hdr_addr([m.frm], "From", charset, p)))
    if m.sender:
        h.append(("Sender", _hdr_addr([m.sender], "Sender", charset, p)))
    if m.reply_to:
        h.append(("Reply-To", _hdr_addr([m.reply_to], "Reply-To", charset, p)))
    if m.to:
        h.append(("To", _hdr_addr(m.to, "To", charset, p)))
    else:
        h.append(("To", "undisclosed-recipients:;"))
    if m.cc:
        h.append(("Cc", _hdr_addr(m.cc, "Cc", charset, p)))
    if m.bcc:
        h.append(("Bcc", _hdr_addr(m.bcc, "Bcc", charset, p)))
    subj_charset = charset if charset != "us-ascii" else "utf-8"
    h.append(("Subject", mg.encode_header_text(m.subject, subj_charset, p.henc, upper=p.upper)))
    if m.msgid:
        h.append(("Message-ID", m.msgid))
    if m.in_reply_to:
        h.append(("In-Reply-To", m.in_reply_to))
    if m.references:
        h.append(("References", mg.fold(m.references, len("References: "))))
    if p.msgid in ("outlook", "m365"):
        base = m.subject
        while base.lower().startswith(KNOWN_PREFIXES):
            base = base.split(":", 1)[1].lstrip()
        h.append(
            (
                "Thread-Topic",
                mg.encode_header_text(
                    base, subj_charset, p.henc, header="Thread-Topic", upper=p.upper
                ),
            )
        )
        h.append(
            (
                "Content-Language",
                {
                    "sk": "sk-SK",
                    "cs": "cs-CZ",
                    "pl": "pl-PL",
                    "uk": "uk-UA",
                    "ru": "ru-RU",
                    "de": "de-AT",
                    "en": "en-GB",
                }[m.lang],
            )
        )
    return h


def transport_headers(m: Mail, delivered: datetime, rng: random.Random) -> bytes:
    """What the receiving MTA prepends: Return-Path, Delivered-To, Received."""
    env_from = (m.sender or m.frm)[1]
    dom = env_from.rsplit("@", 1)[-1]
    qid = f"{rng.getrandbits(40):010X}"
    when = mg.rfc5322_date(delivered, "CET")
    if is_internal(env_from):
        recv = (
            f"Received: from crm-01.tatrasoft.sk (crm-01.tatrasoft.sk [10.20.0.15])\n"
            f"\tby mx1.tatrasoft.sk (Postfix) with ESMTPS id {qid}\n"
            f"\tfor <{PETER[1]}>; {when}\n"
        )
        auth = ""
    else:
        ip = ".".join(
            str(rng.randint(lo, hi)) for lo, hi in ((31, 213), (0, 255), (0, 255), (2, 250))
        )
        recv = (
            f"Received: from mail.{dom} (mail.{dom} [{ip}])\n"
            f"\tby mx1.tatrasoft.sk (Postfix) with ESMTPS id {qid}\n"
            f"\tfor <{PETER[1]}>; {when}\n"
        )
        auth = (
            f"Authentication-Results: mx1.tatrasoft.sk;\n\tspf=pass smtp.mailfrom={env_from};"
            f"\n\tdkim=pass header.d={dom}\n"
        )
    return (f"Return-Path: <{env_from}>\nDelivered-To: {PETER[1]}\n{recv}{auth}").encode("ascii")


# ---------------------------------------------------------------------------
# Small binary blobs
# ---------------------------------------------------------------------------


def make_pdf(title: str) -> bytes:
    """A tiny but valid one-page PDF (ASCII title only)."""
    safe = mg.translit(title).replace("(", "").replace(")", "") or "document"
    content = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def make_png(seed: int, size: int = 24) -> bytes:
    """A small deterministic RGB PNG (a signature logo stand-in)."""
    r = random.Random(seed)
    base = (r.randrange(256), r.randrange(256), r.randrange(256))
    rows = b"".join(
        b"\x00"
        + bytes(
            c for x in range(size) for c in (base if (x // 6 + y // 6) % 2 else (255, 255, 255))
        )
        for y in range(size)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------
# The scripted mailbox
# ---------------------------------------------------------------------------


def peter_lang(lang: str) -> str:
    return "sk" if lang == "cs" else lang  # Slovaks and Czechs each write their own language


class Demo:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.mails: list[Mail] = []
        self.counter = Counter[str]()

    # -- ids and time ------------------------------------------------------
    def key(self, prefix: str) -> str:
        self.counter[prefix] += 1
        return f"{prefix}-{self.counter[prefix]:02d}"

    def msgid(self, style: str, domain: str, when: datetime | None) -> str:
        r = self.rng
        ts = int((when or NOW).timestamp())
        if style == "uuid":
            return f"<{uuid.UUID(int=r.getrandbits(128), version=4)}@{domain}>"
        if style == "outlook":
            return (
                f"<{r.getrandbits(16):04x}01db{r.getrandbits(16):04x}${r.getrandbits(32):08x}"
                f"${r.getrandbits(32):08x}$@{domain}>"
            )
        if style == "m365":
            prefix = r.choice(("AM9PR03MB", "VI1PR08MB", "DB9PR02MB", "PAXPR07MB"))
            host = f"{prefix}{r.randint(1000, 9999)}"
            return (
                f"<{host}{r.getrandbits(96):024X}@{host}.eurprd0{r.randint(1, 9)}.prod.outlook.com>"
            )
        if style == "gmail":
            tail = base64.b64encode(r.randbytes(30)).decode().rstrip("=")
            return f"<CA{tail}@mail.gmail.com>"
        if style == "seznam":
            return f"<{r.getrandbits(32):08x}.{r.getrandbits(32):08x}.{ts}@email.seznam.cz>"
        if style == "azet":
            return f"<{ts}.{r.randint(10000, 99999)}.azet@posta.azet.sk>"
        if style == "wp":
            return f"<{r.getrandbits(64):016x}@wp.pl>"
        if style == "ukrnet":
            node = f"frv{r.randint(40, 60)}.fwd.ukr.net"
            return f"<{ts}.{r.randint(100000, 999999)}.{r.getrandbits(24):06x}@{node}>"
        if style == "mailru":
            return f"<{ts}.{r.randint(10**8, 10**9 - 1)}@f{r.randint(100, 999)}.i.mail.ru>"
        if style == "thebat":
            local = local_now(when or NOW, "MSK")
            return f"<{r.randint(10**8, 10**9 - 1)}.{local:%Y%m%d%H%M%S}@{domain}>"
        if style == "apple":
            return f"<{str(uuid.UUID(int=r.getrandbits(128), version=4)).upper()}@{domain}>"
        raise ValueError(style)

    def day(self, lo: datetime = WINDOW_START, hi: datetime = NOW) -> datetime:
        """A business-hours moment on a random working day in [lo, hi), never after NOW."""
        span = int((hi - lo).total_seconds() // 86400)
        while True:
            d = lo + timedelta(days=self.rng.randint(0, span))
            if d.weekday() < 5:
                t = self.at_hours(d)
                if lo <= t < min(hi, NOW - timedelta(minutes=30)):
                    return t

    def at_hours(self, d: datetime, zone: str = "CET") -> datetime:
        """A time between 07:45 and 17:30 local on ``d``'s date."""
        off = mg.local_offset(d, zone).utcoffset(None)
        assert off is not None
        local_midnight = datetime(d.year, d.month, d.day, tzinfo=UTC) - off
        return local_midnight + timedelta(
            minutes=self.rng.randint(7 * 60 + 45, 17 * 60 + 30), seconds=self.rng.randint(0, 59)
        )

    def later(self, t: datetime, lo_h: float = 0.5, hi_h: float = 30) -> datetime:
        nxt = t + timedelta(minutes=self.rng.randint(int(lo_h * 60), int(hi_h * 60)))
        local = local_now(nxt)
        if nxt.weekday() >= 5 or not (7 <= local.hour < 18):
            d = nxt + timedelta(days=1)
            while d.weekday() >= 5:
                d += timedelta(days=1)
            nxt = self.at_hours(d)
        return nxt

    # -- text ------------------------------------------------------------------
    def greeting(self, lang: str, first: str | None) -> str:
        opts = [g for g in mg.LANGS[lang].greetings if first or "{first}" not in g]
        return self.rng.choice(opts).format(first=first or "")

    def paras(self, lang: str, topic: int | None, extra: float = 0.5) -> list[str]:
        L = mg.LANGS[lang]
        pool = list(L.paragraphs)
        first = (
            pool[TOPIC_PARA[topic]]
            if topic in TOPIC_PARA and TOPIC_PARA[topic] < len(pool)
            else self.rng.choice(pool)
        )
        out = [first]
        if self.rng.random() < extra:
            out.append(self.rng.choice([p for p in pool if p != first]))
        return out

    def peter_paras(self, lang: str, topic: int | None) -> list[str]:
        pool = PETER_PARAS[lang]
        idx = PETER_TOPIC.get(topic, 0) if topic is not None else self.rng.randrange(len(pool))
        return [pool[idx if idx < len(pool) else 0]]

    def replies(self, lang: str, vendor: bool) -> str:
        opts = mg.LANGS[lang].replies
        # index 2 is "the updated quotation is attached": only the vendor says that
        return self.rng.choice([r for i, r in enumerate(opts) if vendor or i != 2])

    def subject(self, lang: str, topic: int) -> str:
        s = mg.LANGS[lang].subjects[topic]
        if s.endswith(("č.", "nr", "№", "Nr.", "no.")):
            s = f"{s} 2026/{self.rng.randint(100, 1999):04d}"
        return s

    def closing(self, lang: str) -> str:
        return self.rng.choice(mg.LANGS[lang].closings)

    # -- building blocks ---------------------------------------------------
    def add(self, m: Mail) -> Mail:
        self.mails.append(m)
        return m

    def contact_mail(
        self,
        c: Contact,
        subject: str,
        paras: list[str],
        when: datetime,
        *,
        key: str,
        category: str = "customer",
        addr: str | None = None,
        to: list[Addr] | None = None,
        cc: Sequence[Contact | Addr] = (),
        quote: Mail | None = None,
        profile: str | None = None,
        **kw: Any,
    ) -> Mail:
        prof = profile or c.profile
        p = PROFILES[prof]
        frm = (c.name, addr or c.addr)
        greet = TO_PETER[c.lang] if self.rng.random() < 0.5 else self.greeting(c.lang, "Peter")
        body = Body([greet, *paras, self.closing(c.lang)], contact_signature(c), style=p.quote)
        if quote is not None:
            self._quote(body, quote, c.lang, p)
        domain = frm[1].rsplit("@", 1)[1]
        m = Mail(
            key=key,
            category=category,
            frm=frm,
            to=to if to is not None else [PETER],
            cc=[self._addr(x) for x in cc],
            subject=subject,
            date=when,
            profile=prof,
            lang=c.lang,
            text=body.plain(p.flowed),
            html=body.html("outlook" if p.quote == "outlook" else p.msgid, p.charset, c.lang),
            msgid=self.msgid(p.msgid, domain, when),
            zone=mg.LANGS[c.lang].zone,
            **kw,
        )
        if quote is not None:
            self._thread_headers(m, quote, p)
        return self.add(m)

    def peter_mail(
        self,
        to: Sequence[Contact | Addr],
        subject: str,
        paras: list[str],
        when: datetime,
        *,
        key: str,
        lang: str,
        category: str = "customer",
        cc: Sequence[Contact | Addr] = (),
        quote: Mail | None = None,
        greet: str | None = None,
        **kw: Any,
    ) -> Mail:
        p = PROFILES["peter"]
        first = to[0] if to else None
        formal = (
            formal_greeting(lang, first)
            if isinstance(first, Contact) and first.lang == lang
            else None
        )
        hello = formal if formal and self.rng.random() < 0.6 else self.greeting(lang, greet)
        body = Body([hello, *paras, self.closing(lang)], PETER_SIG, style="bottom")
        if quote is not None:
            self._quote(body, quote, lang, p)
        m = Mail(
            key=key,
            category=category,
            frm=PETER,
            to=[self._addr(x) for x in to],
            cc=[self._addr(x) for x in cc],
            subject=subject,
            date=when,
            profile="peter",
            lang=lang,
            text=body.plain(True),
            msgid=self.msgid("uuid", "tatrasoft.sk", when),
            folder=".Sent",
            **kw,
        )
        if quote is not None:
            self._thread_headers(m, quote, p)
        return self.add(m)

    @staticmethod
    def _addr(x: Contact | Addr) -> Addr:
        return (x.name, x.addr) if isinstance(x, Contact) else x

    def _quote(self, body: Body, prev: Mail, lang: str, p: Profile) -> None:
        body.quoted = prev.text
        if p.quote == "outlook":
            body.quote_head = outlook_block(
                lang, prev.frm, prev.to, prev.subject, prev.date or NOW, prev.cc
            )
        else:
            body.quote_head = attribution(lang, prev.frm[0] or prev.frm[1], prev.date or NOW)

    @staticmethod
    def _thread_headers(m: Mail, prev: Mail, p: Profile) -> None:
        if prev.msgid:
            m.in_reply_to = prev.msgid
            if p.msgid != "thebat":  # The Bat! as configured here sends In-Reply-To only
                m.references = [*prev.references, prev.msgid][-12:]
        m.thread = prev.thread

    def reply_prefix(self, profile: str, lang: str) -> str:
        p = PROFILES[profile]
        if p.quote == "outlook":
            return REPLY_PREFIX[("outlook", lang)]
        return "Re:"

    # -- threads -------------------------------------------------------------
    def thread(
        self,
        c: Contact,
        topic: int,
        n: int,
        starter: str,
        *,
        cc: Sequence[Contact] = (),
        start: datetime | None = None,
        selfcc_at: int | None = None,
        selfcc_transport: bool = False,
        freemail_at: int | None = None,
        subject_change_at: int | None = None,
        attach_at: int | None = None,
    ) -> list[Mail]:
        tkey = self.key("thread")
        when = start or self.day(hi=NOW - timedelta(days=10))
        plang = peter_lang(c.lang)
        msgs: list[Mail] = []
        from_peter = starter == "out"
        subject = self.subject(plang if from_peter else c.lang, topic)
        for i in range(n):
            key = f"{tkey}-{i + 1}"
            prev = msgs[-1] if msgs else None
            if prev is not None:
                prefix = "Re:" if from_peter else self.reply_prefix(c.profile, c.lang)
                subject = reply_subject(prev.subject, prefix)
                if subject_change_at == i:
                    new = mg.LANGS[plang if from_peter else c.lang].subjects[1]
                    subject = f"{new} 2026/{self.rng.randint(100, 999):04d} (was: {prev.subject})"
                    subject = mg.fit_charset(subject, "utf-8")
            if from_peter:
                paras = (
                    self.peter_paras(plang, topic)
                    if prev is None
                    else [self.replies(plang, True)]
                    + self.peter_paras(plang, None)[: self.rng.randint(0, 1)]
                )
                m = self.peter_mail(
                    [c],
                    subject,
                    paras,
                    when,
                    key=key,
                    lang=plang,
                    cc=cc,
                    quote=prev,
                    greet=c.first if c.lang in ("sk", "ru", "en", "pl", "de") else None,
                )
                if selfcc_at == i:
                    m.cc.append(PETER)
                    m.copies.append(("INBOX", selfcc_transport))
                    m.quirks.append(
                        "dedupe: same message in INBOX and .Sent (Peter cc'd himself)"
                        + (
                            "; INBOX copy has MTA headers prepended"
                            if selfcc_transport
                            else "; byte-identical copies"
                        )
                    )
                if attach_at == i:
                    title = mg.LANGS[plang].attachment_names[0]
                    m.attachments.append(Att(title, "application/pdf", make_pdf(title)))
            else:
                addr = None
                if freemail_at == i and len(c.emails) > 1:
                    addr = c.emails[1].lower()
                paras = (
                    self.paras(c.lang, topic)
                    if prev is None
                    else [self.replies(c.lang, False)]
                    + self.paras(c.lang, None, 0.0)[: self.rng.randint(0, 1)]
                )
                m = self.contact_mail(
                    c,
                    subject,
                    paras,
                    when,
                    key=key,
                    addr=addr,
                    cc=[*cc, *([ZUZANA] if i == 2 else [])],
                    quote=prev,
                )
                if addr:
                    m.quirks.append(
                        "contact writes from the private freemail address "
                        "registered in contacts.csv"
                    )
                if attach_at == i:
                    title = mg.LANGS[c.lang].attachment_names[
                        1 % len(mg.LANGS[c.lang].attachment_names)
                    ]
                    m.attachments.append(Att(title, "application/pdf", make_pdf(title)))
            m.thread = tkey
            if prev is None:
                m.thread = tkey
            msgs.append(m)
            from_peter = not from_peter
            when = self.later(when, 1.0, 52)
            if when > NOW - timedelta(hours=2):
                break
        # Messages Peter answered carry the Maildir "replied" flag.
        for a, b in zip(msgs, msgs[1:], strict=False):
            if not a.outbound and b.outbound:
                a.flags = "RS"
        return msgs


THREADS: tuple[tuple[str, int, int, str, dict[str, Any]], ...] = (
    # contact, topic (subject index), messages, who starts, options
    ("novak", 0, 5, "in", {"cc": ("novakova",), "selfcc_at": 1, "attach_at": 1}),
    ("novakova", 1, 3, "in", {"freemail_at": None}),
    ("durica", 5, 4, "out", {}),
    ("hrusovsky", 7, 3, "out", {}),
    ("kralova", 2, 2, "in", {}),
    ("kovac", 11, 3, "out", {}),
    ("baranova", 0, 6, "in", {"cc": ("szabo",), "subject_change_at": 4, "attach_at": 2}),
    ("szabo", 4, 3, "in", {}),
    ("matus", 3, 2, "out", {}),
    ("ondrus", 9, 4, "in", {}),
    ("bielikova", 0, 3, "in", {}),
    ("simkova", 2, 2, "in", {}),
    ("balaz", 13, 2, "in", {}),
    ("krajci", 0, 4, "out", {"cc": ("hudecova",), "attach_at": 0}),
    ("ferenc", 12, 3, "in", {}),
    ("jdvorak", 0, 4, "in", {"attach_at": 1}),
    ("cerny", 9, 3, "in", {}),
    ("vesela", 7, 3, "out", {}),
    ("ruzicka", 3, 2, "in", {}),
    ("vdvorakova", 2, 3, "in", {}),
    ("rehor", 10, 4, "in", {}),
    ("wisniewski", 4, 4, "in", {"cc": ("lewandowska",)}),
    ("wojcik", 0, 5, "in", {"attach_at": 3}),
    ("dabrowski", 1, 2, "in", {}),
    ("kaminska", 11, 3, "out", {}),
    ("knowak", 12, 4, "out", {}),
    ("shevchenko", 0, 4, "in", {}),
    ("bondarenko", 2, 2, "in", {}),
    ("melnyk", 3, 3, "out", {}),
    ("kravchenko", 1, 3, "in", {}),
    ("lysenko", 10, 2, "in", {}),
    ("ivanov", 0, 4, "in", {}),
    ("smirnova", 11, 2, "out", {}),
    ("popov", 7, 3, "in", {}),
    ("gruber", 0, 3, "in", {}),
    ("mueller", 4, 3, "in", {"cc": ("weiss",)}),
    ("bennett", 12, 2, "in", {}),
    ("whitmore", 0, 3, "in", {"cc": ("krajci",)}),
)

# Contacts that get one stand-alone inbound message (and those Peter writes to once).
SINGLE_IN = (
    "novak",
    "hudakova",
    "kralova",
    "kovacova",
    "liskova",
    "matus",
    "bielikova",
    "simko",
    "vargova",
    "hudecova",
    "kocisova",
    "svobodova",
    "prochazka",
    "kucera",
    "markova",
    "benes",
    "nemcova",
    "sebestova",
    "lewandowska",
    "zielinski",
    "dabrowski",
    "szymanski",
    "jablonski",
    "grabowski",
    "kovalenko",
    "bondarenko",
    "tkachenko",
    "hnatiuk",
    "oliinyk",
    "polishchuk",
    "savchenko",
    "smirnova",
    "kuznetsov",
    "leitner",
    "schroeder",
    "hughes",
    "collins",
    "bartos",
    "polakova",
    "petrenko",
    "kowalska",
    "shevchenko",
    "ivanov",
    "wojcik",
)
SINGLE_OUT = (
    "novakova",
    "hrusovsky",
    "baranova",
    "ondrus",
    "balaz",
    "ferenc",
    "jdvorak",
    "cerny",
    "ruzicka",
    "wisniewski",
    "kowalczyk",
    "knowak",
    "melnyk",
    "kravchenko",
    "popov",
    "huber",
    "weiss",
    "bennett",
    "whitmore",
    "lysenko",
    "vdvorakova",
    "bartos",
)


def build_mailbox(d: Demo) -> None:
    rng = d.rng

    # 1. Customer threads -------------------------------------------------------------
    for ckey, topic, n, starter, opts in THREADS:
        c = CT[ckey]
        cc = tuple(CT[k] for k in opts.get("cc", ()))
        d.thread(
            c,
            topic,
            n,
            starter,
            cc=cc,
            selfcc_at=opts.get("selfcc_at"),
            freemail_at=1 if ckey == "novak" else None,
            subject_change_at=opts.get("subject_change_at"),
            attach_at=opts.get("attach_at"),
        )

    # 2. Stand-alone inbound from contacts ----------------------------------------------
    for ckey in SINGLE_IN:
        c = CT[ckey]
        topic = rng.choice(sorted(TOPIC_PARA))
        when = d.day()
        m = d.contact_mail(
            c, d.subject(c.lang, topic), d.paras(c.lang, topic), when, key=d.key("in")
        )
        if rng.random() < 0.25:
            title = rng.choice(mg.LANGS[c.lang].attachment_names)
            m.attachments.append(Att(title, "application/pdf", make_pdf(title)))
        if not c.company:
            m.quirks.append("contact without a company: links to the contact only")
        if c.addr.split("@")[1] in FREEMAIL and c.company:
            m.quirks.append("freemail address registered on a contact: reaches the company")

    # 3. Stand-alone outbound from Peter ------------------------------------------------
    for ckey in SINGLE_OUT:
        c = CT[ckey]
        plang = peter_lang(c.lang)
        topic = rng.choice((0, 3, 7, 12, 13))
        m = d.peter_mail(
            [c],
            d.subject(plang, topic),
            d.peter_paras(plang, topic),
            d.day(),
            key=d.key("out"),
            lang=plang,
            greet=c.first if c.lang in ("sk", "ru", "en", "pl", "de") else None,
        )
        if topic == 0:
            title = mg.LANGS[plang].attachment_names[0]
            m.attachments.append(Att(title, "application/pdf", make_pdf(title)))
    # Fresh mail from the last two days (ends up unread in new/).
    for ckey in ("markova", "oliinyk", "hughes", "kuznetsov", "svobodova"):
        c = CT[ckey]
        topic = rng.choice((0, 3, 9, 13))
        d.contact_mail(
            c,
            d.subject(c.lang, topic),
            d.paras(c.lang, topic),
            d.day(lo=NOW - timedelta(days=2)),
            key=d.key("in"),
        )
    build_special(d)
    build_unknown(d)
    build_newsletters(d)
    build_robots(d)
    build_internal(d)
    build_malformed(d)


def build_special(d: Demo) -> None:
    # Dedupe pair #2: Peter cc's himself, the INBOX copy carries the MTA's headers.
    c = CT["cerny"]
    m = d.peter_mail(
        [c],
        "Prístup do testovacieho prostredia – údaje",
        [mg.SK.paragraphs[10], "Server: https://demo.tatrasoft.sk, používateľ: lukas.cerny"],
        d.day(),
        key="special-selfcc-transport",
        lang="sk",
        cc=[PETER],
    )
    m.copies.append(("INBOX", True))
    m.quirks.append("dedupe: same message in INBOX and .Sent; INBOX copy has MTA headers")

    # Bcc only visible in the Sent copy: links a second company.
    b = CT["bennett"]
    m = d.peter_mail(
        [b],
        "Quotation – CRM licences for Thames Analytics",
        d.peter_paras("en", 0),
        d.day(),
        key="special-bcc",
        lang="en",
        greet=b.first,
        bcc=[(CT["whitmore"].name, CT["whitmore"].addr)],
    )
    m.quirks.append("Bcc header only in the Sent copy (BigCorp Holding plc via Bcc)")

    # Reused Message-ID: a broken invoicing mailer at two customers.
    reused = "<5f1e2d3c.0@faktura-pro.local>"
    for key, addr, name, subj, when, cokey in (
        (
            "special-reused-msgid-a",
            "fakturacia@stavebniny-kovac.sk",
            "Fakturácia Kováč",
            "Faktúra 2026/0412 – Stavebniny Kováč s.r.o.",
            datetime(2026, 9, 3, 8, 15, 7, tzinfo=UTC),
            "kovac",
        ),
        (
            "special-reused-msgid-b",
            "objednavky@agroliptov.sk",
            "Objednávky Agro Liptov",
            "Objednávka 2026/0915 – Agro Liptov a.s.",
            datetime(2026, 10, 14, 12, 40, 51, tzinfo=UTC),
            "agroliptov",
        ),
    ):
        pdf_name = subj.split(" – ")[0].replace("/", "-") + ".pdf"
        m = d.add(
            Mail(
                key=key,
                category="unknown_at_customer_domain",
                frm=(name, addr),
                to=[PETER],
                subject=subj,
                date=when,
                profile="thunderbird-iso2",
                lang="sk",
                text=f"Dobrý deň,\n\nv prílohe Vám zasielame doklad {subj.split(' – ')[0]}.\n\n"
                f"Táto správa bola vygenerovaná automaticky systémom FaktúraPRO.\n\n"
                f"-- \n{CO[cokey].name}\n",
                msgid=reused,
                extra_headers=[("X-Mailer", "FakturaPRO 3.1 (PHPMailer 5.2.1)")],
                attachments=[Att(pdf_name, "application/pdf", make_pdf(pdf_name), "ascii")],
            )
        )
        m.quirks.append(
            f"Message-ID {reused} reused by a broken mailer for two different "
            "messages (different sender, date, subject): two items, not one"
        )

    # No Message-ID: a customer's scanner.
    when = d.day()
    m = d.add(
        Mail(
            key="special-no-msgid-scanner",
            category="unknown_at_customer_domain",
            frm=("Kyocera TASKalfa 3253ci", "scanner@strojarne-povazie.sk"),
            to=[PETER],
            subject="Scanned document from TASKalfa 3253ci",
            date=when,
            profile="thunderbird",
            lang="en",
            text="Scanned document attached.\n\nDevice: TASKalfa 3253ci\n"
            f"Location: Považská Bystrica, 2. NP\nDate: {local_now(when):%d.%m.%Y %H:%M}\n",
            attachments=[
                Att(
                    f"scan_{local_now(when):%Y%m%d_%H%M}.pdf",
                    "application/pdf",
                    make_pdf("scan"),
                    "ascii",
                )
            ],
            shape="plain",
            charset="us-ascii",
            quirks=["no Message-ID header (office scanner)"],
        )
    )

    # No Message-ID: a customer's old ERP mail-merge.
    k = CT["kowalczyk"]
    d.contact_mail(
        k,
        "Potwierdzenie zamówienia nr 2026/0871",
        [
            "Potwierdzamy przyjęcie zamówienia nr 2026/0871. Termin realizacji: 14 dni roboczych.",
            mg.PL.paragraphs[10],
        ],
        d.day(),
        key="special-no-msgid-erp",
        quirks=["no Message-ID header (legacy ERP mail merge)"],
    ).msgid = None

    # No Date header: delivery time must come from the Maildir file name / Received.
    e = CT["kovacova"]
    m = d.contact_mail(
        e,
        "Dobropis k faktúre 2026/0388",
        [
            "V prílohe posielam dobropis k faktúre 2026/0388, suma 1 240,00 EUR bez DPH.",
            mg.SK.paragraphs[4],
        ],
        d.day(),
        key="special-no-date",
        quirks=["no Date header: use the delivery time (Maildir name / Received)"],
    )
    m.post.append("no-date")

    # RFC 2047 word inside a quoted display name (Outlook with "Last, First").
    m = d.contact_mail(
        e,
        "Upomienka – faktúra 2026/0301",
        [mg.SK.paragraphs[4]],
        d.day(),
        key="special-quoted-ew",
        quirks=["encoded word inside a quoted display name"],
    )
    m.frm = ("Kováčová, Eva", e.addr)

    # Sender != From (an assistant sends for her boss) and upper-case address.
    n = CT["novak"]
    m = d.contact_mail(
        n,
        "Podklady na štvrtkové rokovanie",
        [mg.SK.paragraphs[7]],
        d.day(),
        key="special-sender",
        quirks=["Sender: differs from From: (assistant)"],
    )
    m.sender = (CT["hudakova"].name, CT["hudakova"].addr)
    d.contact_mail(
        n,
        "Zmena kontaktnej osoby",
        [mg.SK.paragraphs[6]],
        d.day(),
        key="special-uppercase",
        addr="JAN.NOVAK@HORIZONT-LOGISTICS.SK",
        quirks=["From address in upper case; contacts.csv has Jan.Novak@..."],
    )

    # Reply-To a freemail address registered on the same contact.
    s = CT["simkova"]
    m = d.contact_mail(
        s,
        "Podklady k ročnej uzávierke",
        [mg.SK.paragraphs[1]],
        d.day(),
        key="special-reply-to",
        addr="alzbeta@uctovnictvo-simkova.sk",
        quirks=["Reply-To differs from From (both belong to the contact)"],
    )
    m.reply_to = (s.name, "simkova.uctovnictvo@azet.sk")

    # undisclosed-recipients (Peter only in the envelope / Bcc).
    f = CT["ferenc"]
    d.contact_mail(
        f,
        "Pozvánka: Granty 2027 – informačný seminár",
        [
            "Pozývame Vás na informačný seminár o grantových výzvach na rok 2027, ktorý sa "
            "uskutoční 3. decembra 2026 o 9:00 v Bratislave.",
            mg.SK.paragraphs[2],
        ],
        d.day(),
        key="special-undisclosed",
        to=[],
        quirks=["To: undisclosed-recipients:; (Peter was Bcc)"],
    )

    # Two companies on one message (grant consultant + his client).
    d.contact_mail(
        f,
        "Grant pre Dunaj Pharma – harmonogram",
        [mg.SK.paragraphs[5]],
        d.day(),
        key="special-two-companies",
        cc=[CT["baranova"]],
        quirks=["participants from two companies (EuroGrant + Dunaj Pharma)"],
    )

    # Raw UTF-8 in headers (RFC 6532 / SMTPUTF8), no encoded words.
    g = CT["grabowski"]
    d.contact_mail(
        g,
        "Błąd przy imporcie – środowisko testowe",
        [mg.PL.paragraphs[3]],
        d.day(),
        key="special-raw-utf8-headers",
        quirks=[
            "raw UTF-8 in Subject/From/To (RFC 6532), no RFC 2047: the stdlib "
            "returns surrogate-escaped display names"
        ],
    ).post.append("raw-utf8-headers")

    # mbox "From " line at the top (copied out of an mbox by a migration tool).
    mt = CT["matus"]
    d.contact_mail(
        mt,
        "Výrobný plán Q4 – požiadavky na reporting",
        [mg.SK.paragraphs[11]],
        d.day(),
        key="special-mbox-from-line",
        quirks=["starts with an mbox 'From ' line"],
    ).post.append("mbox-from")

    # CRLF line endings (saved by a Windows tool).
    h = CT["mueller"]
    d.contact_mail(
        h,
        "Bestellung Nr. 2026/4471",
        [mg.DE.paragraphs[1]],
        d.day(),
        key="special-crlf",
        quirks=["CRLF line endings"],
    ).post.append("crlf")

    # Inline images (signature logo): multipart/related, not a real attachment.
    for ck in ("wojcik", "gruber"):
        c = CT[ck]
        cid = f"image001.png@01DB{d.rng.getrandbits(16):04X}.{d.rng.getrandbits(32):08X}"
        m = d.contact_mail(
            c,
            d.subject(c.lang, 8),
            d.paras(c.lang, 8),
            d.day(),
            key=f"special-inline-logo-{ck}",
            quirks=["inline signature logo (multipart/related, Content-ID)"],
        )
        m.attachments.append(Att("image001.png", "image/png", make_png(len(ck)), "inline", cid))
        assert m.html is not None
        m.html = m.html.replace(
            "</div>\n</body>", f'<p><img src="cid:{cid}" width="24" height="24"></p></div>\n</body>'
        )

    # Attachment filename styles.
    kv = CT["kovac"]
    d.contact_mail(
        kv,
        "Cenník 2027",
        ["Posielam nový cenník na rok 2027, platný od 1. 1. 2027."],
        d.day(),
        key="special-filename-2047",
        attachments=[
            Att("Cenník 2027 – stavebniny.pdf", "application/pdf", make_pdf("Cennik 2027"), "2047")
        ],
        quirks=["attachment name as RFC 2047 inside quotes (Gmail/Outlook style)"],
    )
    d.contact_mail(
        CT["dabrowski"],
        "Zamówienie – październik",
        [mg.PL.paragraphs[1]],
        d.day(),
        key="special-filename-2231-latin2",
        attachments=[
            Att(
                "Zamówienie_październik.pdf",
                "application/pdf",
                make_pdf("Zamowienie"),
                "2231-latin2",
            )
        ],
        quirks=["RFC 2231 filename in iso-8859-2"],
    )
    d.peter_mail(
        [CT["baranova"]],
        "Zmluva o dielo – pripomienky",
        [mg.SK.paragraphs[7]],
        d.day(),
        key="special-filename-2231-continuation",
        lang="sk",
        attachments=[
            Att(
                "Zmluva o dielo – pripomienky k článkom 7 a 8 (verzia 3).pdf",
                "application/pdf",
                make_pdf("Zmluva"),
                "2231-cont",
            )
        ],
        quirks=["RFC 2231 filename with continuations (filename*0*, filename*1*)"],
    )

    # A meeting invitation by e-mail (text/calendar), same UID as in peter.ics.
    kn = CT["knowak"]
    m = d.contact_mail(
        kn,
        "Invitation: KSH x Tatra Soft – partner sync @ Wed 2 Sep 2026 14:00 - 14:45 (CEST)",
        [
            "Katarzyna Nowak has invited you to: KSH x Tatra Soft – partner sync. "
            "Every 2 weeks on Wednesday, 8 times."
        ],
        datetime(2026, 8, 27, 9, 12, 40, tzinfo=UTC),
        key="special-invitation",
        quirks=["meeting invitation (text/calendar; method=REQUEST)"],
    )
    invite = (
        "You have been invited to the following event.\n\nKSH x Tatra Soft – partner "
        "sync\nWhen: Every 2 weeks from 14:00 to 14:45 on Wednesday from Wed 2 Sep 2026 "
        "to Wed 9 Dec 2026 (Central European Time - Warsaw)\nJoining info: "
        "https://meet.google.com/ksh-tats-oft\n\nGuests: Katarzyna Nowak (organiser), "
        "Michał Jabłoński, Peter Horváth\n\nReply for peter.horvath@tatrasoft.sk: "
        "Yes / No / Maybe\n\nInvitation from Google Calendar\n"
    )
    m.text, m.lang = invite, "en"
    m.html = Body(invite.split("\n\n"), "Google Calendar").html("gmail", "utf-8", "en")
    m.attachments.append(
        Att(
            "invite.ics",
            'text/calendar; charset="UTF-8"; method=REQUEST',
            ksh_invite_ics(),
            "ascii",
        )
    )


def build_unknown(d: Demo) -> None:
    # Unknown freemail senders: must not create or match a company.
    for key, name, addr, profile, lang, subj, paras, att in (
        (
            "unknown-freemail-cv",
            "Marek Tichý",
            "marek.tichy77@gmail.com",
            "gmail",
            "sk",
            "Žiadosť o prácu – obchodný zástupca",
            [
                "Dobrý deň,",
                "reagujem na Váš inzerát na pozíciu obchodného zástupcu pre východné "
                "Slovensko. V prílohe posielam životopis.",
                "S pozdravom",
            ],
            "Životopis – Marek Tichý.pdf",
        ),
        (
            "unknown-freemail-ua",
            "Олександр Бондар",
            "oleksandr.bondar@ukr.net",
            "ukrnet",
            "uk",
            "Запит ціни на CRM для 5 користувачів",
            [
                "Добрий день!",
                "Підкажіть, будь ласка, вартість ліцензій CRM для невеликої компанії "
                "на 5 користувачів і чи є у вас українська локалізація.",
                "З повагою",
            ],
            None,
        ),
        (
            "unknown-freemail-pl",
            "Anna Kowalczyk",
            "anna.kowalczyk1985@wp.pl",
            "wp",
            "pl",
            "Pytanie o ofertę",
            [
                "Dzień dobry,",
                "prowadzę małe biuro rachunkowe w Katowicach i szukam prostego "
                "systemu CRM. Czy mogę prosić o ofertę?",
                "Pozdrawiam",
            ],
            None,
        ),
        (
            "unknown-freemail-sk",
            "Jozef Mráz",
            "jozef.mraz@azet.sk",
            "azet",
            "sk",
            "Otázka k fakturácii",
            [
                "Dobrý deň,",
                "kúpil som si u Vás licenciu cez e-shop, ale neprišla mi faktúra. "
                "Môžete ju poslať ešte raz?",
                "Ďakujem, Mráz",
            ],
            None,
        ),
        (
            "unknown-freemail-cz",
            "Ivana Hrubá",
            "ivana.hruba@seznam.cz",
            "seznam",
            "cs",
            "Dotaz na webinář",
            ["Dobrý den,", "bude ze včerejšího webináře k dispozici záznam?", "Děkuji, Hrubá"],
            None,
        ),
        (
            "unknown-freemail-ru",
            "Виталий К.",
            "vitaliy.k.partner@gmail.com",
            "gmail",
            "ru",
            "Предложение о партнёрстве",
            [
                "Добрый день!",
                "Мы представляем интеграторов CRM в Казахстане и хотели бы обсудить "
                "партнёрство. Когда вам удобно созвониться?",
                "С уважением",
            ],
            None,
        ),
        (
            "unknown-freemail-spam",
            "Отдел призов",
            "prize.dept@mail.ru",
            "mailru",
            "ru",
            "Поздравляем! Ваш адрес выиграл 1 000 000 рублей",
            [
                "Уважаемый победитель!",
                "Для получения приза перейдите по ссылке и подтвердите данные карты.",
                "Администрация",
            ],
            None,
        ),
        # Same display name as a contact, but an address nobody registered.
        (
            "unknown-freemail-namesake",
            "Jana Nováková",
            "jana.novakova.ba@gmail.com",
            "gmail",
            "sk",
            "Súkromne – otázka",
            [
                "Ahoj Peter,",
                "píšem zo súkromnej adresy, nevieš mi poradiť dobrý kurz Excelu?",
                "Jana",
            ],
            None,
        ),
    ):
        p = PROFILES[profile]
        when = d.day()
        text = "\n\n".join(paras[:-1]) + "\n\n" + paras[-1] + "\n"
        m = d.add(
            Mail(
                key=key,
                category="unknown_freemail",
                frm=(name, addr),
                to=[PETER],
                subject=subj,
                date=when,
                profile=profile,
                lang=lang,
                text=text,
                html=Body(paras, name).html(p.msgid, p.charset, lang),
                msgid=d.msgid(p.msgid, addr.split("@")[1], when),
                zone=mg.LANGS[lang].zone,
                quirks=["unknown freemail sender: no company may be created/matched"],
            )
        )
        if key.endswith("namesake"):
            m.quirks.append("display name equals a contact's name, address is unregistered")
        if att:
            m.attachments.append(Att(att, "application/pdf", make_pdf("Zivotopis")))

    # Unknown people at customer domains: matched by domain (longest suffix wins).
    for key, name, addr, profile, lang, subj, para, note in (
        (
            "unknown-domain-sklad",
            "Sklad Moravská elektro",
            "sklad@moravska-elektro.cz",
            "outlook-1250",
            "cs",
            "Avízo o expedici – objednávka 2026/0488",
            mg.CS.paragraphs[10],
            None,
        ),
        (
            "unknown-domain-biuro",
            "Biuro Stocznia",
            "biuro@stocznia-jachtowa.pl",
            "outlook-1250",
            "pl",
            "Dane do faktury",
            mg.PL.paragraphs[4],
            None,
        ),
        (
            "unknown-domain-info-ua",
            "Львівська кавова мануфактура",
            "info@lvivcoffee.ua",
            "gmail",
            "uk",
            "Оновлені реквізити компанії",
            mg.UK.paragraphs[10],
            None,
        ),
        (
            "unknown-domain-buh-ru",
            "Бухгалтерия",
            "buh@severveter.ru",
            "thebat",
            "ru",
            "Акт сверки за III квартал",
            mg.RU.paragraphs[10],
            None,
        ),
        (
            "unknown-domain-office-at",
            "Office Alpenblick",
            "office@alpenblick-maschinenbau.at",
            "outlook-latin1",
            "de",
            "Neue Rechnungsadresse",
            mg.DE.paragraphs[4],
            None,
        ),
        (
            "unknown-domain-marketing-pl",
            "Marketing ŁZT",
            "marketing@lzt.com.pl",
            "outlook-1250",
            "pl",
            "Katalog kolekcji wiosna 2027",
            mg.PL.paragraphs[8],
            "lzt.com.pl under the public suffix com.pl",
        ),
        (
            "unknown-domain-eu-sub",
            "BigCorp EU IT Support",
            "it-support@eu.bigcorp-holding.com",
            "outlook-utf8",
            "en",
            "Vendor onboarding – VPN access",
            mg.EN.paragraphs[1],
            "eu.bigcorp-holding.com belongs to BigCorp Europe s.r.o., not to the holding",
        ),
        (
            "unknown-domain-eu-deep",
            "BigCorp EU Service Desk",
            "servicedesk@mail.eu.bigcorp-holding.com",
            "outlook-utf8",
            "en",
            "Ticket SD-20931: supplier master data updated",
            mg.EN.paragraphs[6],
            "deeper subdomain: longest suffix eu.bigcorp-holding.com wins -> BigCorp Europe",
        ),
        (
            "unknown-domain-us-sub",
            "BigCorp US Procurement",
            "procurement@us.bigcorp-holding.com",
            "outlook-utf8",
            "en",
            "RFP: CRM for the US subsidiaries",
            mg.EN.paragraphs[0],
            "us.bigcorp-holding.com is not registered: falls back to bigcorp-holding.com",
        ),
    ):
        p = PROFILES[profile]
        when = d.day()
        text = f"{d.greeting(lang, None)}\n\n{para}\n\n{d.closing(lang)}\n\n-- \n{name}\n"
        m = d.add(
            Mail(
                key=key,
                category="unknown_at_customer_domain",
                frm=(name, addr),
                to=[PETER],
                subject=subj,
                date=when,
                profile=profile,
                lang=lang,
                text=text,
                html=Body([para], name).html(
                    "outlook" if p.quote == "outlook" else p.msgid, p.charset, lang
                ),
                msgid=d.msgid(p.msgid, addr.split("@")[1], when),
                zone=mg.LANGS[lang].zone,
                quirks=["unknown sender at a customer domain: matched by domain"],
            )
        )
        if note:
            m.quirks.append(note)

    # Look-alike domains that must NOT match BigCorp.
    when = d.day()
    d.add(
        Mail(
            key="special-lookalike",
            category="unknown_other",
            frm=("BigCorp Finance", "billing@ebigcorp-holding.com"),
            to=[PETER],
            reply_to=("BigCorp Finance", "billing@bigcorp-holding.com.payments-verify.ru"),
            subject="URGENT: updated bank details for outstanding invoices",
            date=when,
            profile="outlook-utf8",
            lang="en",
            text="Dear supplier,\n\nplease note our bank details have changed. Kindly confirm and "
            "send all outstanding invoices to the new account by end of day.\n\nBigCorp "
            "Finance\n",
            html=None,
            shape="plain",
            msgid=d.msgid("uuid", "ebigcorp-holding.com", when),
            quirks=[
                "look-alike domains: ebigcorp-holding.com and "
                "bigcorp-holding.com.payments-verify.ru must not match bigcorp-holding.com"
            ],
        )
    )


NEWSLETTERS = (
    # name, address, list-id, lang, charset, subjects
    (
        "CRM Insider",
        "news@crminsider.eu",
        "weekly.crminsider.eu",
        "en",
        "utf-8",
        (
            "CRM Insider Weekly #{n}: pipeline hygiene",
            "CRM Insider Weekly #{n}: AI in sales",
            "CRM Insider Weekly #{n}: churn signals",
        ),
    ),
    (
        "Podnikateľ News",
        "newsletter@podnikatel-news.sk",
        "ranny-brifing.podnikatel-news.sk",
        "sk",
        "utf-8",
        (
            "Ranný brífing: zmeny DPH od januára",
            "Ranný brífing: e-faktúry v praxi",
            "Ranný brífing: minimálna mzda 2027",
        ),
    ),
    (
        "Biznes Tygodnik",
        "newsletter@biznes-tygodnik.pl",
        "tygodnik.biznes-tygodnik.pl",
        "pl",
        "iso-8859-2",
        (
            "Tygodnik: KSeF – co musisz wiedzieć",
            "Tygodnik: ulga na robotyzację",
            "Tygodnik: zmiany w Ordynacji podatkowej",
        ),
    ),
    (
        "GDPR Akademie",
        "webinare@gdpr-akademie.cz",
        "webinare.gdpr-akademie.cz",
        "cs",
        "windows-1250",
        (
            "Pozvánka na webinář: GDPR v praxi obchodníka",
            "Záznam webináře: souhlas se zasíláním obchodních sdělení",
        ),
    ),
    (
        "Діловий тиждень",
        "digest@dilovyi-tyzhden.com.ua",
        "digest.dilovyi-tyzhden.com.ua",
        "uk",
        "utf-8",
        ("Дайджест: експорт до ЄС без зайвих паперів", "Дайджест: енергонезалежність бізнесу"),
    ),
    (
        "Деловой вестник",
        "rassylka@delovoy-vestnik.ru",
        "vestnik.delovoy-vestnik.ru",
        "ru",
        "windows-1251",
        ("Вестник: новые правила валютного контроля", "Вестник: как выбрать CRM в 2027 году"),
    ),
)


def build_newsletters(d: Demo) -> None:
    rng = d.rng
    n_total = 0
    for li, (name, addr, list_id, lang, charset, subjects) in enumerate(NEWSLETTERS):
        issues = 6 if li < 2 else 4
        for i in range(issues):
            n_total += 1
            when = WINDOW_START + timedelta(
                days=3 + i * (110 // issues) + li, hours=rng.randint(0, 3)
            )
            when = d.at_hours(when)
            subj = subjects[i % len(subjects)].format(n=212 + i)
            paras = list(mg.LANGS[lang].paragraphs[:3])
            html = (
                f'<html><head><meta http-equiv="Content-Type" content="text/html; '
                f'charset={charset}"></head><body style="margin:0;background:#f4f4f4">'
                f'<table width="600" align="center" style="background:#fff"><tr><td>'
                f"<h1>{mg.fit_charset(subj, charset)}</h1>"
                + "".join(
                    f"<h2>{k + 1}.</h2><p>{mg.fit_charset(p, charset)}</p>"
                    for k, p in enumerate(paras)
                )
                + f'<p style="font-size:11px;color:#888"><a href="https://{list_id}/u?id='
                f'{rng.getrandbits(40):010x}">Unsubscribe / Odhlásiť</a></p>'
                "</td></tr></table></body></html>\n"
            )
            d.add(
                Mail(
                    key=d.key("newsletter"),
                    category="newsletter",
                    frm=(name, addr),
                    to=[PETER],
                    subject=subj,
                    date=when,
                    profile="bulk",
                    lang=lang,
                    text="\n\n".join(paras) + f"\n\nOdhlásenie: https://{list_id}/u\n",
                    html=html,
                    shape="alt" if i % 2 == 0 else "html",
                    charset=charset,
                    zone="UTC",
                    msgid=f"<nl.{list_id.split('.')[0]}.{rng.getrandbits(48):012x}@{addr.split('@')[1]}>",
                    extra_headers=[
                        (
                            "List-Id",
                            f"{mg.translit(name).replace('.', ' ').title() or 'List'} <{list_id}>",
                        ),
                        ("List-Unsubscribe", f"<https://{list_id}/u>, <mailto:leave@{list_id}>"),
                        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                        ("Precedence", "bulk"),
                        ("X-Campaign-Id", f"{rng.getrandbits(32):08x}"),
                    ],
                    quirks=["newsletter: List-Id + Precedence: bulk"],
                )
            )
    # A customer's own marketing newsletter: bulk mail from a customer domain.
    when = d.day()
    d.add(
        Mail(
            key="newsletter-customer-domain",
            category="newsletter",
            frm=("Müller & Söhne Newsletter", "newsletter@mueller-soehne.de"),
            to=[PETER],
            subject="Neuheiten im Herbst: Schaltschränke der Serie MS-7",
            date=when,
            profile="bulk",
            lang="de",
            charset="iso-8859-1",
            text=mg.DE.paragraphs[0] + "\n\nAbmelden: https://mueller-soehne.de/newsletter/ab\n",
            html=f"<html><body><h1>Neuheiten im Herbst</h1><p>{mg.DE.paragraphs[0]}</p></body>"
            "</html>\n",
            msgid=f"<nl.{rng.getrandbits(48):012x}@mueller-soehne.de>",
            extra_headers=[
                ("List-Id", "Mueller Soehne Newsletter <news.mueller-soehne.de>"),
                ("List-Unsubscribe", "<https://mueller-soehne.de/newsletter/ab>"),
                ("Precedence", "bulk"),
            ],
            quirks=[
                "bulk mail from a customer domain (List-Id): a matcher that skips bulk "
                "mail must skip it, otherwise it links to Müller & Söhne"
            ],
        )
    )


def _robot(
    d: Demo,
    key: str,
    frm: Addr,
    subject: str,
    text: str,
    when: datetime,
    *,
    headers: Sequence[tuple[str, str]] = (),
    html: str | None = None,
    category: str = "robot",
    quirks: Sequence[str] = (),
    to: Sequence[Addr] = (PETER,),
    msgid: bool = True,
    lang: str = "sk",
    charset: str = "utf-8",
) -> Mail:
    dom = frm[1].rsplit("@", 1)[1]
    return d.add(
        Mail(
            key=key,
            category=category,
            frm=frm,
            to=list(to),
            subject=subject,
            date=when,
            profile="robot",
            lang=lang,
            text=text,
            html=html,
            shape="alt" if html else "plain",
            charset=charset,
            msgid=d.msgid("uuid", dom, when) if msgid else None,
            extra_headers=list(headers),
            quirks=list(quirks),
        )
    )


AUTO = [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]


def build_robots(d: Demo) -> None:
    rng = d.rng
    for _ in range(3):
        num = f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        text = (
            f"Dobrý deň,\n\nVaša zásielka č. {num} od odosielateľa Horizont Logistics "
            f"s.r.o. bude doručená dnes medzi 10:00 a 13:00.\n\nSledovanie: "
            f"https://sledovanie.rychlik-kurier.sk/{num.replace(' ', '')}\n\n"
            "Táto správa bola odoslaná automaticky, neodpovedajte na ňu.\n"
        )
        _robot(
            d,
            d.key("robot-courier"),
            ("Rýchlik kuriér", "noreply@rychlik-kurier.sk"),
            f"Vaša zásielka {num} bude doručená dnes",
            text,
            d.day(),
            headers=AUTO,
            html="<html><body><p>" + text.replace("\n\n", "</p><p>") + "</p></body></html>",
            quirks=["robot (Auto-Submitted: auto-generated); body names a customer"],
        )
    for i in range(2):
        amt = f"{rng.randint(200, 9000)},{rng.randint(0, 99):02d}"
        _robot(
            d,
            d.key("robot-bank"),
            ("Moja Banka", "notifikacie@mojabanka.sk"),
            "Pohyb na účte SK31 1200 0000 1987 4263 7541",
            f"Na účet SK31 1200 0000 1987 4263 7541 bola pripísaná suma {amt} EUR.\n"
            f"Platiteľ: Dunaj Pharma a.s., VS 2026041{i}\n",
            d.day(),
            headers=AUTO,
            charset="iso-8859-2",
            quirks=["robot; body names a customer"],
        )
    for issue, summary in (
        ("CRM-1423", "Import kontaktov – chybná diakritika"),
        ("CRM-1431", "Export do Pohody – chýba IČ DPH"),
        ("CRM-1440", "Synchronizácia kalendára – duplicitné stretnutia"),
    ):
        _robot(
            d,
            d.key("robot-jira"),
            ("Jira (Tatra Soft)", "jira@jira.tatrasoft.sk"),
            f"[JIRA] ({issue}) {summary}",
            f"Zuzana Kováčová created {issue}:\n\n{summary}\n\nReporter: Ľubomír Ďurica "
            f"(Horizont Logistics s.r.o.)\nPriority: Major\n\nhttps://jira.tatrasoft.sk/"
            f"browse/{issue}\n",
            d.day(),
            headers=[
                ("Auto-Submitted", "auto-generated"),
                ("Precedence", "bulk"),
                ("X-JIRA-FingerPrint", f"{rng.getrandbits(128):032x}"),
            ],
            category="robot",
            quirks=["internal robot on a subdomain of tatrasoft.sk"],
        )
    for who in ("Ján Novák", "Agnieszka Wójcik"):
        _robot(
            d,
            d.key("robot-social"),
            ("ProfiNet", "notifikacie@profinet-social.com"),
            f"{who} si prezrel(a) váš profil",
            f"{who} si prezrel(a) váš profil na ProfiNet.\n\nZobraziť: "
            f"https://profinet-social.com/n/{rng.getrandbits(32):08x}\n",
            d.day(),
            headers=[*AUTO, ("List-Unsubscribe", "<https://profinet-social.com/unsub>")],
            quirks=["robot; a contact's name appears only in the subject/body"],
        )
    _robot(
        d,
        "robot-einvoice",
        ("e-Faktúra portál", "noreply@efaktura-portal.sk"),
        "Nová faktúra od Horizont Logistics s.r.o. (FV2026-0412)",
        f"Dobrý deň,\n\ndodávateľ Horizont Logistics s.r.o., IČO {CO['horizont'].reg}, Vám "
        "vystavil faktúru FV2026-0412 na sumu 3 450,00 EUR.\n\nFaktúru nájdete na "
        "https://efaktura-portal.sk/f/8812734\n",
        d.day(),
        headers=AUTO,
        quirks=["robot; body contains a customer's name and IČO (must not link)"],
    )

    # Bounce (DSN) for a message Peter sent to a mistyped customer address.
    typo = "o.vasilieva@tekhnosnab.ru"  # registered: o.vasilyeva@
    bounced = d.peter_mail(
        [(CT["vasilyeva"].name, typo)],
        "Счёт № 2026/0733",
        [mg.RU.paragraphs[4]],
        d.day(),
        key="special-typo-address",
        lang="ru",
        greet=CT["vasilyeva"].first,
        quirks=["mistyped recipient at a customer domain: still matched by domain; bounced"],
    )
    when = (bounced.date or NOW) + timedelta(seconds=14)
    bounce = _robot(
        d,
        "robot-bounce",
        ("Mail Delivery System", "MAILER-DAEMON@mx1.tatrasoft.sk"),
        "Undelivered Mail Returned to Sender",
        "",
        when,
        headers=[("Auto-Submitted", "auto-replied")],
        quirks=["DSN bounce (multipart/report); failed customer address only in the report body"],
    )
    bounce.raw = build_dsn(bounced, bounce, typo)

    # Out-of-office replies from contacts (Auto-Submitted: auto-replied).
    for ck, prefix, text in (
        (
            "huber",
            "Automatische Antwort:",
            "Ich bin bis einschließlich 2. November nicht im Büro. In dringenden Fällen wenden "
            "Sie sich bitte an office@alpenblick-maschinenbau.at.",
        ),
        (
            "cerny",
            "Automatická odpověď:",
            "Do 30. října jsem na dovolené s omezeným přístupem k e-mailu. V naléhavých "
            "případech volejte +420 777 201 300.",
        ),
    ):
        c = CT[ck]
        orig = [m for m in d.mails if m.outbound and m.to and m.to[0][1] == c.addr][0]
        when = (orig.date or NOW) + timedelta(seconds=rng.randint(20, 90))
        m = d.add(
            Mail(
                key=f"robot-ooo-{ck}",
                category="auto_reply",
                frm=(c.name, c.addr),
                to=[PETER],
                subject=f"{prefix} {orig.subject}",
                date=when,
                profile=c.profile if ck == "huber" else "robot",
                lang=c.lang,
                text=text + "\n",
                html=Body([text], c.name).html("outlook", "iso-8859-1", c.lang),
                msgid=d.msgid(PROFILES[c.profile].msgid, c.addr.split("@")[1], when),
                in_reply_to=orig.msgid,
                references=[orig.msgid or ""],
                zone=mg.LANGS[c.lang].zone,
                extra_headers=[
                    ("Auto-Submitted", "auto-replied"),
                    ("X-Auto-Response-Suppress", "All"),
                ],
                quirks=["out-of-office auto-reply from a contact (Auto-Submitted: auto-replied)"],
            )
        )
        m.thread = orig.thread


def build_dsn(orig: Mail, m: Mail, failed: str) -> bytes:
    """RFC 3464 delivery status notification built with the email package."""
    when = m.date or NOW
    orig_raw = build(orig, "dsn-orig")
    orig_headers = orig_raw.split(b"\n\n", 1)[0].decode("ascii", "surrogateescape")
    text = Message(policy=GEN_POLICY)
    text["Content-Description"] = "Notification"
    text["Content-Type"] = "text/plain; charset=us-ascii"
    text.set_payload(
        "This is the mail system at host mx1.tatrasoft.sk.\n\nI'm sorry to have to inform you "
        "that your message could not\nbe delivered to one or more recipients.\n\n"
        f"<{failed}>: host mx.tekhnosnab.ru[195.19.220.33] said: 550 5.1.1\n"
        "    <" + failed + ">: Recipient address rejected: User unknown\n"
    )
    status = Message(policy=GEN_POLICY)
    status["Content-Description"] = "Delivery report"
    status["Content-Type"] = "message/delivery-status"
    per_msg = Message(policy=GEN_POLICY)
    per_msg["Reporting-MTA"] = "dns; mx1.tatrasoft.sk"
    per_msg["X-Postfix-Queue-ID"] = "4F2A81C0A93"
    per_msg["Arrival-Date"] = mg.rfc5322_date(orig.date or when)
    per_rcpt = Message(policy=GEN_POLICY)
    per_rcpt["Final-Recipient"] = f"rfc822; {failed}"
    per_rcpt["Action"] = "failed"
    per_rcpt["Status"] = "5.1.1"
    per_rcpt["Remote-MTA"] = "dns; mx.tekhnosnab.ru"
    per_rcpt["Diagnostic-Code"] = f"smtp; 550 5.1.1 <{failed}>: User unknown"
    status.set_payload([per_msg, per_rcpt])
    hdrs = Message(policy=GEN_POLICY)
    hdrs["Content-Description"] = "Undelivered Message Headers"
    hdrs["Content-Type"] = "text/rfc822-headers"
    hdrs.set_payload(orig_headers + "\n")
    top = multipart(
        "report",
        "4F2A81C0A93.1790000000/mx1.tatrasoft.sk",
        [text, status, hdrs],
        params=" report-type=delivery-status;",
    )
    out = Message(policy=GEN_POLICY)
    out["Return-Path"] = "<>"
    out["Delivered-To"] = PETER[1]
    out["Date"] = mg.rfc5322_date(when)
    out["From"] = "MAILER-DAEMON@mx1.tatrasoft.sk (Mail Delivery System)"
    out["To"] = PETER[1]
    out["Subject"] = "Undelivered Mail Returned to Sender"
    out["Auto-Submitted"] = "auto-replied"
    m.msgid = f"<{local_now(when):%Y%m%d%H%M%S}.4F2A81C0A93@mx1.tatrasoft.sk>"
    out["Message-Id"] = m.msgid
    out["MIME-Version"] = "1.0"
    for k, v in top.items():
        out[k] = v
    out.preamble = "This is a MIME-encapsulated message."
    out.set_payload(top.get_payload())
    return serialize(out)


def build_internal(d: Demo) -> None:
    rng = d.rng

    def internal(
        key: str,
        frm: Addr,
        to: Sequence[Addr],
        subject: str,
        paras: list[str],
        lang: str,
        *,
        cc: Sequence[Addr] = (),
        profile: str = "thunderbird",
        when: datetime | None = None,
        quote: Mail | None = None,
        quirks: Sequence[str] = (),
    ) -> Mail:
        when = when or d.day()
        sig = PETER_SIG if frm == PETER else INTERNAL_SIGS[frm[1]]
        p = PROFILES[profile]
        body = Body(paras, sig, style=p.quote)
        if quote is not None:
            d._quote(body, quote, lang, p)
        m = d.add(
            Mail(
                key=key,
                category="internal",
                frm=frm,
                to=list(to),
                cc=list(cc),
                subject=subject,
                date=when,
                profile="peter" if frm == PETER else profile,
                lang=lang,
                text=body.plain(p.flowed),
                html=body.html("outlook" if p.quote == "outlook" else p.msgid, p.charset, lang),
                msgid=d.msgid(p.msgid, frm[1].split("@")[1], when),
                folder=".Sent" if frm == PETER else "INBOX",
                quirks=list(quirks),
            )
        )
        if quote is not None:
            d._thread_headers(m, quote, p)
        return m

    # Zuzana forwards a customer's mail inline: only internal participants in the headers.
    src = next(m for m in d.mails if m.thread and m.frm[1] == CT["novakova"].addr)
    fwd_text = (
        f"Ahoj Peter,\n\nprosím pozri si to, je to Tvoj klient.\n\nZuzana\n\n"
        f"-------- Preposlaná správa --------\nPredmet: {src.subject}\n"
        f"Dátum: {local_now(src.date or NOW):%d.%m.%Y %H:%M}\n"
        f"Od: {src.frm[0]} <{src.frm[1]}>\nKomu: {PETER[0]} <{PETER[1]}>\n\n{src.text}"
    )
    internal(
        "internal-fwd-inline",
        ZUZANA,
        [PETER],
        f"Fwd: {src.subject}",
        [fwd_text],
        "sk",
        when=d.later(src.date or NOW, 2, 20),
        quirks=["forwarded customer mail inline: customer only in the body"],
    )
    # ... and one as a message/rfc822 attachment.
    src2 = next(m for m in d.mails if m.thread and m.frm[1] == CT["jdvorak"].addr)
    m = internal(
        "internal-fwd-attached",
        TOMAS,
        [PETER],
        f"FW: {src2.subject}",
        ["Ahoj Petře,", "přeposílám v příloze, ozvi se prosím panu Dvořákovi sám.", "Díky, Tomáš"],
        "cs",
        profile="outlook-1250",
        when=d.later(src2.date or NOW, 1, 8),
        quirks=["customer mail attached as message/rfc822"],
    )
    m.attachments.append(Att("Připomínky.eml", "message/rfc822", build(src2, "fwd-src"), "ascii"))

    for subj, paras in (
        ("Podklady pro Moravskou elektro", ["Ahoj Petře,", mg.CS.paragraphs[11], "Díky, Tomáš"]),
        (
            "Žďárské sklárny – stav obchodu",
            [
                "Ahoj,",
                "sklárny chtějí nabídku do konce měsíce, rozhodovat bude pan Růžička osobně.",
                "Tomáš",
            ],
        ),
        (
            "Cestovní příkaz – Ostrava 14. 10.",
            ["Ahoj,", "posílám ke schválení cestovní příkaz na schůzku v Ostravské oceli.", "T."],
        ),
    ):
        internal(d.key("internal-tomas"), TOMAS, [PETER], subj, paras, "cs", profile="outlook-1250")
    for subj, text in (
        (
            "Vianočný večierok 17. decembra",
            "v stredu 17. decembra od 18:00 sa stretneme "
            "v reštaurácii U Ružového kríčka. Prosím potvrďte účasť do 5. 12.",
        ),
        (
            "Parkovanie v garáži od 1. októbra",
            "od 1. októbra sa mení systém parkovania – nové karty si vyzdvihnite na recepcii.",
        ),
        (
            "Nová tlačiareň na 3. poschodí",
            "na 3. poschodí je nová tlačiareň, ovládače nájdete na \\\\fs01\\it\\tlac.",
        ),
    ):
        internal(
            d.key("internal-office"),
            JANA,
            [PETER, ZUZANA, TOMAS],
            subj,
            ["Ahojte,", text, "Jana"],
            "sk",
        )
    internal(
        "internal-uctovnictvo",
        UCTOVNICTVO,
        [PETER],
        "Neuhradené faktúry – prehľad k 30. 9.",
        [
            "Dobrý deň,",
            "po splatnosti sú tieto faktúry: Stavebniny Kováč s.r.o. (IČO "
            f"{CO['kovac'].reg}) 2026/0412, ООО «ТехноСнаб» (ИНН {CO['tekhnosnab'].reg}) "
            "2026/0733.",
            "Prosím o urgenciu.",
        ],
        "sk",
        quirks=["internal mail whose body lists customers and IČO"],
    )
    # Peter -> colleagues, and a short internal thread.
    for to, subj, paras in (
        (
            [ZUZANA],
            "Týždenný report – týždeň 38",
            ["Ahoj Zuzka,", "v prílohe report, najväčšia príležitosť je Dunaj Pharma.", "Peter"],
        ),
        (
            [ZUZANA],
            "Dovolenka 23. 12. – 2. 1.",
            ["Ahoj,", "prosím o schválenie dovolenky od 23. 12. do 2. 1.", "Vďaka, Peter"],
        ),
        (
            [TOMAS],
            "Moravská elektro – zľava",
            ["Ahoj Tomáš,", "môžeme ísť na 12 % zľavu, viac nie.", "Peter"],
        ),
        (
            [ZUZANA, TOMAS],
            "Stocznia – príprava workshopu",
            ["Ahojte,", "workshop v Gdansku pripravím ja, Tomáš pomôže s demom.", "Peter"],
        ),
    ):
        internal(d.key("internal-peter"), PETER, to, subj, paras, "sk")
    a = internal(
        "internal-thread-1",
        ZUZANA,
        [PETER],
        "Plán na Q1 2027",
        ["Ahoj Peter,", "pošli mi prosím do piatku plán na Q1 2027.", "Z."],
        "sk",
    )
    b = internal(
        "internal-thread-2",
        PETER,
        [ZUZANA],
        "Re: Plán na Q1 2027",
        ["Ahoj,", "posielam, hlavné sú Dunaj Pharma a BigCorp.", "P."],
        "sk",
        when=d.later(a.date or NOW, 2, 20),
        quote=a,
    )
    internal(
        "internal-thread-3",
        ZUZANA,
        [PETER],
        "Re: Plán na Q1 2027",
        ["Super, ďakujem!", "Z."],
        "sk",
        when=d.later(b.date or NOW, 1, 6),
        quote=b,
    )
    for m in (a,):
        m.thread = "internal-thread"
    # A cron mail from an internal server: no Message-ID at all.
    _robot(
        d,
        "internal-cron-no-msgid",
        ("Cron Daemon", "root@crm-01.tatrasoft.sk"),
        "Cron <root@crm-01> /opt/crm/bin/backup.sh",
        "backup: 1843 MB written to s3://tatrasoft-backup/crm/\nOK\n",
        d.day(),
        headers=[("X-Cron-Env", "<SHELL=/bin/sh>"), ("X-Cron-Env", "<HOME=/root>")],
        category="internal",
        msgid=False,
        quirks=["no Message-ID (cron)"],
    )
    _ = rng


def build_malformed(d: Demo) -> None:
    rng = random.Random(SEED + 1)
    header_only = (
        "Subject: "
        + mg.encode_header_text("Test – bez adresy", "utf-8", "q")
        + "\nDate: "
        + mg.rfc5322_date(datetime(2026, 10, 2, 7, 3, tzinfo=UTC))
        + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    ).encode("ascii")
    no_header = (
        "Dobrý deň,\n\nposielam podklady k stretnutiu, ako sme sa dohodli.\n\nJán Novák\n"
    ).encode()
    utf16_src = next(m for m in d.mails if m.frm[1] == CT["novak"].addr and m.thread)
    utf16 = build(utf16_src, "utf16").decode("ascii", "surrogateescape")
    utf16_bytes = (
        "\ufeff" + utf16.encode("ascii", "surrogateescape").decode("latin-1").replace("\n", "\r\n")
    ).encode("utf-16-le")
    garbage = b"\x00\x01PK\x03\x04" + rng.randbytes(2042)
    for key, raw, when, note in (
        ("malformed-empty", b"", datetime(2026, 8, 19, 6, 1, tzinfo=UTC), "empty file (0 bytes)"),
        (
            "malformed-binary",
            garbage,
            datetime(2026, 9, 9, 11, 22, tzinfo=UTC),
            "binary garbage (NUL bytes, zip-like)",
        ),
        (
            "malformed-no-headers",
            no_header,
            datetime(2026, 9, 24, 13, 5, tzinfo=UTC),
            "plain text without a header block",
        ),
        (
            "malformed-header-only",
            header_only,
            datetime(2026, 10, 2, 7, 3, tzinfo=UTC),
            "header block only, no From/To/Cc at all, no body",
        ),
        (
            "malformed-utf16",
            utf16_bytes,
            datetime(2026, 10, 21, 8, 44, tzinfo=UTC),
            "whole file UTF-16LE with BOM (saved by a Windows tool)",
        ),
    ):
        d.add(
            Mail(
                key=key,
                category="malformed",
                frm=(None, ""),
                to=[],
                subject="",
                date=when,
                profile="robot",
                lang="sk",
                text="",
                raw=raw,
                quirks=[note],
            )
        )


# ---------------------------------------------------------------------------
# Maildir writer
# ---------------------------------------------------------------------------


def post_process(m: Mail, raw: bytes) -> bytes:
    if "raw-utf8-headers" in m.post:
        head, _, body = raw.partition(b"\n\n")
        lines = head.decode("ascii").split("\n")
        out, skip = [], False
        for ln in lines:
            if skip and ln[:1] in (" ", "\t"):
                continue
            skip = False
            if ln.startswith("Subject: "):
                out.append("Subject: " + m.subject)
                skip = True
            elif ln.startswith("From: "):
                out.append(f"From: {m.frm[0]} <{m.frm[1]}>")
                skip = True
            elif ln.startswith("To: "):
                out.append("To: " + ", ".join(f"{n} <{a}>" for n, a in m.to))
                skip = True
            else:
                out.append(ln)
        raw = "\n".join(out).encode("utf-8") + b"\n\n" + body
    if "mbox-from" in m.post:
        when = m.date or NOW
        raw = f"From {m.frm[1]} {when:%a %b %e %H:%M:%S %Y}\n".encode("ascii") + raw
    if "crlf" in m.post:
        raw = raw.replace(b"\n", b"\r\n")
    return raw


def write_maildir(d: Demo, root: Path) -> None:
    rng = random.Random(SEED + 2)
    for sub in ("", ".Sent"):
        for leaf in ("cur", "new", "tmp"):
            (root / sub / leaf).mkdir(parents=True, exist_ok=True)
    (root / ".Sent" / "maildirfolder").write_bytes(b"")
    # Git keeps no empty directories; Maildir readers skip dot-files.
    for empty in ("tmp", ".Sent/new", ".Sent/tmp"):
        (root / empty / ".gitkeep").write_bytes(b"")

    # The newest inbound customer mail is still unread: new/ without an info suffix.
    inbound = sorted(
        (
            m
            for m in d.mails
            if not m.outbound
            and m.category in ("customer", "unknown_at_customer_domain", "unknown_freemail")
            and m.raw is None
            and m.flags == "S"
        ),
        key=lambda m: (m.date or NOW, m.key),
    )
    for m in inbound[-10:]:
        m.subdir, m.flags = "new", ""
    # Some read-but-unflagged (":2,") and flagged (":2,FS") mail in cur/.
    rest = [m for m in inbound[:-10] if m.flags == "S"]
    for m in rest[5:8]:
        m.flags = ""
    for m in rest[20:24]:
        m.flags = "FS"

    for seq, m in enumerate(sorted(d.mails, key=lambda m: (m.date or NOW, m.key)), 1):
        raw = build(m, f"{SEED:x}_{seq:03d}")
        base_time = m.date or NOW
        m.delivered = base_time if m.outbound else base_time + timedelta(seconds=rng.randint(2, 40))
        if not m.outbound and m.raw is None:
            raw = transport_headers(m, m.delivered, rng) + raw
        raw = post_process(m, raw)
        targets = [(m.folder, raw)]
        for folder, with_transport in m.copies:
            copy = (
                transport_headers(m, m.delivered + timedelta(seconds=3), rng) + raw
                if with_transport
                else raw
            )
            targets.append((folder, copy))
        for n, (folder, data) in enumerate(targets):
            name = (
                f"{int(m.delivered.timestamp()) + n}.M{(seq * 7919 + n) % 1000000:06d}"
                f"P{4242 + n}.{HOST}"
            )
            sub = m.subdir if n == 0 else "cur"
            if sub == "cur":
                name += ":2," + (m.flags if n == 0 else "S")
            rel = Path(".Sent" if folder == ".Sent" else "") / sub / name
            (root / rel).write_bytes(data)
            m.files.append(rel.as_posix())


# ---------------------------------------------------------------------------
# Expectations (what a correct matcher should link)
# ---------------------------------------------------------------------------

CONTACT_BY_EMAIL = {e.lower(): c for c in CONTACTS for e in c.emails}
COMPANY_BY_DOMAIN = {dom: c for c in COMPANIES for dom in c.domains}


def classify(addr: str) -> tuple[str, Contact | None, Company | None]:
    """(how, contact, company) for one address, by the rules documented in the README.

    1. internal (tatrasoft.sk / tatrasoft.cz and their subdomains) -> ignored;
    2. exact, case-insensitive match of a contact's e-mail -> that contact (+ its company);
    3. freemail domain -> nothing;
    4. longest registered domain that equals the address domain or is a parent of it on a
       label boundary -> that company.
    """
    a = addr.lower()
    if not a:
        return "none", None, None
    if is_internal(a):
        return "internal", None, None
    c = CONTACT_BY_EMAIL.get(a)
    if c is not None:
        return "contact", c, CO[c.company] if c.company else None
    dom = a.rsplit("@", 1)[1]
    if dom in FREEMAIL:
        return "freemail", None, None
    labels = dom.split(".")
    for i in range(len(labels) - 1):
        co = COMPANY_BY_DOMAIN.get(".".join(labels[i:]))
        if co is not None:
            return "domain", None, co
    return "unknown", None, None


def mail_participants(m: Mail) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for role, items in (
        ("from", [m.frm]),
        ("sender", [m.sender] if m.sender else []),
        ("reply_to", [m.reply_to] if m.reply_to else []),
        ("to", m.to),
        ("cc", m.cc),
        ("bcc", m.bcc),
    ):
        out += [(role, a[1].lower()) for a in items if a and a[1]]
    return out


# Local parts of automated senders (dropped as participants), as in the matcher's list.
ROBOT_LOCAL = (
    "noreply",
    "no-reply",
    "donotreply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "newsletter",
    "notification",
    "neodpovedat",
)


def is_robot_addr(addr: str) -> bool:
    return addr.rsplit("@", 1)[0].lower().startswith(ROBOT_LOCAL)


def bulk_reason(headers: dict[str, str]) -> str | None:
    """RFC 2919 List-Id, RFC 2076 Precedence, RFC 3834 Auto-Submitted (matcher's order)."""
    if headers.get("List-Id"):
        return "bulk mail (List-Id)"
    prec = headers.get("Precedence", "").strip().lower()
    if prec in ("bulk", "list", "junk"):
        return f"bulk mail (Precedence: {prec})"
    auto = headers.get("Auto-Submitted", "").strip().lower()
    if auto and auto != "no":
        return f"automated mail (Auto-Submitted: {auto})"
    return None


def link_expectation(addrs: Iterable[str], bulk: str | None, quarantine: bool) -> dict[str, object]:
    """Links and loggability under the default policy (drop_bulk, drop_robots, no
    internal-only logging) with ``auto_create = "contacts"`` as in config/demo/syncd.toml."""
    companies: list[str] = []
    contacts: list[str] = []
    auto_contacts: list[str] = []
    how: dict[str, str] = {}
    valid = internal = external = 0
    for addr in addrs:
        kind, c, co = classify(addr)
        if kind == "none":
            continue
        valid += 1
        if kind == "internal":
            internal += 1
            how[addr] = kind
            continue
        if is_robot_addr(addr):
            how[addr] = "robot"
            continue
        external += 1
        how[addr] = kind
        if c is not None and c.name not in contacts:
            contacts.append(c.name)
        if co is not None and co.reg not in companies:
            companies.append(co.reg)
        if kind == "domain" and addr not in auto_contacts:
            auto_contacts.append(addr)
    if quarantine:
        reason: str | None = "quarantine"
    elif bulk:
        reason = bulk
    elif valid and internal == valid:
        reason = "all participants internal"
    elif not external:
        reason = "no external participant left"
    elif not companies and not contacts:
        reason = "no participant matches a CRM contact or company"
    else:
        reason = None
    return {
        "quarantine": quarantine,
        "logged": reason is None,
        "not_logged_reason": reason,
        "companies": companies,
        "contacts": contacts,
        "auto_created_contacts": auto_contacts if reason is None else [],
        "match": how,
    }


def mail_expectation(m: Mail) -> dict[str, Any]:
    quarantine = m.category == "malformed"
    heads = dict(m.extra_headers)
    if m.raw is not None and m.category == "robot":  # the DSN sets its header itself
        heads.setdefault("Auto-Submitted", "auto-replied")
    addrs = [] if quarantine else [a for _r, a in mail_participants(m)]
    exp = link_expectation(addrs, bulk_reason(heads), quarantine)
    exp["bulk_or_automated"] = bulk_reason(heads) is not None
    exp.update(m.expect)
    return exp


# ---------------------------------------------------------------------------
# Calendars
# ---------------------------------------------------------------------------

DTSTAMP = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BA = "Europe/Bratislava"
KYIV = "Europe/Kyiv"
WIN_CET = "Central Europe Standard Time"


def vtimezone(
    tzid: str, std: int, dst: int, names: tuple[str, str] | None, outlook: bool = False
) -> Any:
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    tz = Timezone()
    tz.add("tzid", tzid)
    st, dl = TimezoneStandard(), TimezoneDaylight()
    st.add("dtstart", datetime(1601, 1, 1, 3, 0) if outlook else datetime(1996, 10, 27, 3, 0))
    st.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    st.add("tzoffsetfrom", timedelta(hours=dst))
    st.add("tzoffsetto", timedelta(hours=std))
    dl.add("dtstart", datetime(1601, 1, 1, 2, 0) if outlook else datetime(1981, 3, 29, 2, 0))
    dl.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    dl.add("tzoffsetfrom", timedelta(hours=std))
    dl.add("tzoffsetto", timedelta(hours=dst))
    if names:
        st.add("tzname", names[0])
        dl.add("tzname", names[1])
    tz.add_component(st)
    tz.add_component(dl)
    return tz


@dataclass
class Ev:
    uid: str
    summary: str
    start: datetime | date | None  # naive local (with tzid), aware UTC, date, or floating
    end: datetime | date | None = None
    tzid: str | None = BA
    organizer: Addr | None = PETER
    attendees: list[tuple[str | None, str, str, dict[str, str]]] = field(default_factory=list)
    location: str | None = None
    description: str | None = None
    status: str | None = "CONFIRMED"
    klass: str | None = None
    sequence: int = 0
    rrule: dict[str, Any] | None = None
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None
    duration: timedelta | None = None
    transp: str | None = None
    extra: list[tuple[str, str]] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)
    key: str = ""


def att(
    c: Contact | Addr, partstat: str = "ACCEPTED", **params: str
) -> tuple[str | None, str, str, dict[str, str]]:
    name, addr = (c.name, c.addr) if isinstance(c, Contact) else c
    return (name, addr, partstat, params)


def _dt(value: datetime | date, tzid: str | None) -> tuple[datetime | date, dict[str, str]]:
    if isinstance(value, datetime) and value.tzinfo is None and tzid:
        return value, {"TZID": tzid}
    return value, {}


def to_vevent(e: Ev) -> Any:
    from icalendar import Event, vCalAddress, vText

    v = Event()
    v.add("uid", e.uid)
    v.add("dtstamp", DTSTAMP)
    if e.recurrence_id is not None:
        val, params = _dt(e.recurrence_id, e.tzid)
        v.add("recurrence-id", val, parameters=params)
    v.add("summary", e.summary)
    if e.start is not None:
        val, params = _dt(e.start, e.tzid)
        v.add("dtstart", val, parameters=params)
    if e.end is not None:
        val, params = _dt(e.end, e.tzid)
        v.add("dtend", val, parameters=params)
    if e.duration is not None:
        v.add("duration", e.duration)
    if e.rrule:
        v.add("rrule", e.rrule)
    if e.exdates:
        val_list = list(e.exdates)
        v.add("exdate", val_list, parameters={"TZID": e.tzid} if e.tzid else {})
    if e.location:
        v.add("location", e.location)
    if e.description:
        v.add("description", e.description)
    if e.organizer:
        o = vCalAddress(f"mailto:{e.organizer[1]}")
        if e.organizer[0]:
            o.params["CN"] = vText(e.organizer[0])
        v.add("organizer", o)
    for name, addr, partstat, params0 in e.attendees:
        params = dict(params0)
        a = vCalAddress(params.pop("MAILTO", "mailto:") + addr)
        if name:
            a.params["CN"] = vText(name)
        a.params.setdefault("ROLE", params.pop("ROLE", "REQ-PARTICIPANT"))
        a.params["PARTSTAT"] = partstat
        for k, pval in params.items():
            a.params[k] = pval
        v.add("attendee", a)
    if e.status:
        v.add("status", e.status)
    if e.klass:
        v.add("class", e.klass)
    v.add("sequence", e.sequence)
    if e.transp:
        v.add("transp", e.transp)
    for k, xval in e.extra:
        v.add(k, xval)
    return v


def ksh_event() -> Ev:
    kn, mj = CT["knowak"], CT["jablonski"]
    return Ev(
        uid="3hq7c2v1m0k9l8j7h6g5f4d3s2@google.com",
        key="cal-ksh-biweekly",
        summary="KSH x Tatra Soft – partner sync",
        start=datetime(2026, 9, 2, 12, 0, tzinfo=UTC),
        end=datetime(2026, 9, 2, 12, 45, tzinfo=UTC),
        tzid=None,
        organizer=(kn.name, kn.addr),
        attendees=[att(kn), att(mj, "ACCEPTED"), att(PETER, "ACCEPTED", RSVP="TRUE")],
        location="https://meet.google.com/ksh-tats-oft",
        description="Partner sync every second Wednesday.\n\nJoin: https://meet.google.com/"
        "ksh-tats-oft",
        rrule={"freq": "weekly", "interval": 2, "count": 8},
        quirks=[
            "recurring (every 2 weeks, COUNT=8), UTC times (Google Calendar style)",
            "also sent as an e-mail invitation (special-invitation)",
        ],
    )


def ksh_invite_ics() -> bytes:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")
    cal.add_component(to_vevent(ksh_event()))
    return cal.to_ical()


def peter_events() -> list[Ev]:
    c = CT
    ev: list[Ev] = []

    def single(
        key: str, summary: str, start: datetime, minutes: int, attendees: list, **kw: Any
    ) -> Ev:
        e = Ev(
            uid=f"{key}-{SEED}@tatrasoft.sk",
            key=key,
            summary=summary,
            start=start,
            end=start + timedelta(minutes=minutes),
            attendees=attendees,
            **kw,
        )
        ev.append(e)
        return e

    # Weekly internal meeting with EXDATEs and one moved occurrence.
    weekly_uid = f"sales-weekly-{SEED}@tatrasoft.sk"
    ev.append(
        Ev(
            uid=weekly_uid,
            key="cal-weekly",
            summary="Sales weekly – Tatra Soft",
            start=datetime(2026, 8, 3, 9, 0),
            end=datetime(2026, 8, 3, 10, 0),
            organizer=ZUZANA,
            attendees=[
                att(ZUZANA),
                att(PETER),
                att(TOMAS, "TENTATIVE"),
                att(
                    ("Zasadačka Tatry (3. posch.)", "zasadacka.tatry@tatrasoft.sk"),
                    "ACCEPTED",
                    CUTYPE="ROOM",
                    ROLE="NON-PARTICIPANT",
                ),
            ],
            location="Zasadačka Tatry, 3. poschodie",
            rrule={
                "freq": "weekly",
                "byday": "mo",
                "until": datetime(2027, 1, 25, 8, 0, tzinfo=UTC),
            },
            exdates=[datetime(2026, 8, 24, 9, 0), datetime(2026, 12, 28, 9, 0)],
            quirks=[
                "weekly RRULE with UNTIL, two EXDATEs (2026-08-24, 2026-12-28)",
                "room resource attendee (CUTYPE=ROOM)",
            ],
        )
    )
    ev.append(
        Ev(
            uid=weekly_uid,
            key="cal-weekly-override",
            summary="Sales weekly (presunuté na utorok)",
            recurrence_id=datetime(2026, 10, 12, 9, 0),
            start=datetime(2026, 10, 13, 10, 30),
            end=datetime(2026, 10, 13, 11, 30),
            organizer=ZUZANA,
            attendees=[att(ZUZANA), att(PETER), att(TOMAS)],
            sequence=1,
            location="Zasadačka Tatry, 3. poschodie",
            quirks=["overridden occurrence (RECURRENCE-ID 2026-10-12 09:00 moved to Tue 10:30)"],
        )
    )
    ev.append(ksh_event())

    single(
        "cal-horizont-intro",
        "Úvodné stretnutie – Horizont Logistics",
        datetime(2026, 8, 11, 10, 0),
        90,
        [att(c["novak"]), att(c["novakova"]), att(ZUZANA)],
        location="Horizont Logistics, Galvaniho 7, Bratislava",
    )
    single(
        "cal-agro-demo",
        "Demo CRM – Agro Liptov",
        datetime(2026, 8, 19, 13, 0),
        60,
        [att(c["hrusovsky"]), att(c["kralova"], "TENTATIVE")],
        location="Microsoft Teams",
    )
    single(
        "cal-kovac",
        "Rokovanie o cenách – Stavebniny Kováč",
        datetime(2026, 8, 26, 9, 30),
        60,
        [att(c["kovac"])],
        location="Stavebniny Kováč, Priemyselná 4, Trnava",
    )
    single(
        "cal-moravska",
        "Telefonát – Moravská elektro",
        datetime(2026, 9, 3, 14, 0),
        60,
        [att(c["jdvorak"]), att(TOMAS)],
    )
    single(
        "cal-dunaj-workshop",
        "Workshop požiadaviek – Dunaj Pharma",
        datetime(2026, 9, 8, 10, 0),
        120,
        [
            att(c["baranova"]),
            att(c["szabo"], "DECLINED"),
            att(c["liskova"], "NEEDS-ACTION", RSVP="TRUE", ROLE="OPT-PARTICIPANT"),
        ],
        location="Dunaj Pharma, Einsteinova 21, Bratislava",
        quirks=["PARTSTAT mix: ACCEPTED / DECLINED / NEEDS-ACTION (optional)"],
    )
    single(
        "cal-prazska",
        "Prezentácia – Pražská datová",
        datetime(2026, 9, 10, 11, 0),
        60,
        [att(c["cerny"]), att(c["vesela"])],
        location="Microsoft Teams",
    )
    single(
        "cal-kat",
        "Zoom: Київ Агро Трейд – презентація CRM",
        datetime(2026, 9, 16, 16, 0),
        60,
        [att(c["shevchenko"]), att(c["kovalenko"])],
        tzid=KYIV,
        location="https://zoom.us/j/81234567890",
        quirks=["TZID Europe/Kyiv with its own VTIMEZONE"],
    )
    single(
        "cal-zofia",
        "Kaviareň u Žofie – káva a ukážka",
        datetime(2026, 9, 17, 10, 0),
        60,
        [att(c["bielikova"])],
        location="Kaviareň u Žofie, Panská 12, Bratislava",
        quirks=["attendee is a contact's Gmail address (company has no domain)"],
    )
    single(
        "cal-povazie",
        "Technická konzultácia – Strojárne Považie",
        datetime(2026, 9, 22, 9, 0),
        60,
        [att(c["ondrus"]), att(("IT oddelenie", "it@strojarne-povazie.sk"), "NEEDS-ACTION")],
        location="Microsoft Teams",
        quirks=["unknown attendee at a customer domain (it@strojarne-povazie.sk)"],
    )
    single(
        "cal-lzt",
        "Spotkanie – Łódzkie Zakłady Tekstylne",
        datetime(2026, 9, 24, 13, 30),
        90,
        [att(c["wojcik"]), att(c["zielinski"]), att(c["dabrowski"], "TENTATIVE")],
        location="ŁZT, ul. Piotrkowska 220, Łódź",
    )
    single(
        "cal-veter",
        "Переговоры по продлению поддержки – ООО «Северный ветер»",
        datetime(2026, 9, 29, 10, 0),
        60,
        [att(c["ivanov"]), att(c["smirnova"], "NEEDS-ACTION")],
        location="Zoom",
    )
    single(
        "cal-simkova",
        "Ročná uzávierka – Účtovníctvo Šimková",
        datetime(2026, 10, 6, 9, 0),
        60,
        [att(c["simkova"])],
        location="Telefonicky",
    )
    single(
        "cal-bigcorp",
        "BigCorp – koordinácia EU/UK",
        datetime(2026, 10, 8, 10, 0),
        90,
        [att(c["whitmore"]), att(c["krajci"]), att(c["collins"], "TENTATIVE")],
        location="Microsoft Teams",
        quirks=["attendees from two companies (bigcorp-holding.com vs eu.bigcorp-holding.com)"],
    )
    single(
        "cal-ocel-cancelled",
        "Prezentácia CRM – Ostravská ocel",
        datetime(2026, 10, 14, 14, 0),
        60,
        [att(c["rehor"], "DECLINED"), att(c["sebestova"], "NEEDS-ACTION")],
        status="CANCELLED",
        sequence=2,
        location="Ostravská ocel, Vítkovická 3, Ostrava",
        quirks=["STATUS:CANCELLED, SEQUENCE:2"],
    )
    single(
        "cal-dunaj-private",
        "Rokovanie o akvizícii – Dunaj Pharma",
        datetime(2026, 10, 20, 11, 0),
        90,
        [att(c["baranova"])],
        klass="PRIVATE",
        description="Dôverné: návrh na odkúpenie licencií materskou spoločnosťou, cena "
        "a podmienky NDA.",
        location="Hotel Devín, Bratislava",
        quirks=["CLASS:PRIVATE: keep metadata only, no summary/description/location"],
    )
    ev.append(
        Ev(
            uid=f"cal-sklarny-{SEED}@tatrasoft.sk",
            key="cal-sklarny",
            summary="Demo pre Žďárske sklárny",
            start=datetime(2026, 10, 22, 10, 0),
            duration=timedelta(hours=1, minutes=30),
            attendees=[att(c["ruzicka"]), att(c["markova"]), att(TOMAS)],
            location="Žďárské sklárny, Žďár nad Sázavou",
            quirks=["DURATION instead of DTEND"],
        )
    )
    single(
        "cal-stocznia-call",
        "Spotkanie – Stocznia Jachtowa (online)",
        datetime(2026, 10, 27, 9, 30),
        60,
        [att(c["kaminska"])],
        location="Microsoft Teams",
    )
    single(
        "cal-alpenblick",
        "Schulung – Alpenblick Maschinenbau",
        datetime(2026, 11, 4, 13, 0),
        60,
        [att(c["gruber"]), att(c["huber"]), att(c["leitner"])],
        location="Alpenblick Maschinenbau, Linz",
    )
    single(
        "cal-thames",
        "Call – Thames Analytics",
        datetime(2026, 11, 5, 15, 0),
        60,
        [att(c["bennett"]), att(c["hughes"])],
        location="Microsoft Teams",
    )
    single(
        "cal-wisniewski",
        "Umowa – Wiśniewski i Wspólnicy",
        datetime(2026, 11, 10, 10, 0),
        60,
        [att(c["wisniewski"]), att(c["lewandowska"])],
        location="Microsoft Teams",
    )
    single(
        "cal-odesa",
        "Online: Одеса Логістик – інтеграція",
        datetime(2026, 11, 12, 14, 0),
        60,
        [att(c["kravchenko"]), att(c["oliinyk"])],
        location="Zoom",
    )
    single(
        "cal-pekaren",
        "Nitrianska pekáreň – ponuka",
        datetime(2026, 11, 18, 10, 0),
        60,
        [att(c["balaz"]), att(c["vargova"])],
        location="Nitrianska pekáreň, Nitra",
    )
    single(
        "cal-horizont-kickoff",
        "Kick-off implementácie – Horizont Logistics",
        datetime(2026, 11, 24, 9, 0),
        60,
        [
            att((c["novak"].name, c["novak"].emails[0].upper()), MAILTO="MAILTO:"),
            att(c["durica"]),
            att(
                ("Zasadačka Tatry (3. posch.)", "zasadacka.tatry@tatrasoft.sk"),
                "ACCEPTED",
                CUTYPE="ROOM",
                ROLE="NON-PARTICIPANT",
            ),
        ],
        location="Zasadačka Tatry, Tatra Soft",
        quirks=["attendee written as MAILTO:JAN.NOVAK@HORIZONT-LOGISTICS.SK"],
    )
    ev.append(
        Ev(
            uid=f"cal-fair-{SEED}@tatrasoft.sk",
            key="cal-fair-allday",
            summary="Veľtrh Digitálna ekonomika 2026",
            start=date(2026, 11, 25),
            end=date(2026, 11, 27),
            tzid=None,
            organizer=None,
            location="Incheba Expo, Bratislava",
            quirks=["all-day, two days (DTEND exclusive), no attendees"],
        )
    )
    single(
        "cal-dniprosoft",
        "Dniprosoft – API integrácia",
        datetime(2026, 12, 2, 13, 0),
        60,
        [att(c["lysenko"]), att(c["savchenko"])],
        location="Zoom",
    )
    ev.append(
        Ev(
            uid=f"cal-floating-{SEED}@tatrasoft.sk",
            key="cal-floating",
            summary="Telefonát – Michal Ferenc (EuroGrant)",
            start=datetime(2026, 12, 3, 15, 0),
            end=datetime(2026, 12, 3, 15, 30),
            tzid=None,
            attendees=[att(c["ferenc"])],
            quirks=["floating time (no TZID, no Z)"],
        )
    )
    single(
        "cal-agro-renewal",
        "Predĺženie podpory 2027 – Agro Liptov",
        datetime(2026, 12, 8, 10, 0),
        60,
        [att(c["hrusovsky"])],
        location="Liptovský Mikuláš",
    )
    single(
        "cal-tekhnosnab",
        "ТехноСнаб – оплата и продление",
        datetime(2026, 12, 10, 14, 0),
        60,
        [att(c["popov"]), att(c["vasilyeva"])],
        location="Zoom",
    )
    single(
        "cal-dunaj-review",
        "Ročné hodnotenie – Dunaj Pharma",
        datetime(2026, 12, 15, 10, 0),
        90,
        [att(c["baranova"]), att(c["liskova"])],
        location="Dunaj Pharma, Bratislava",
    )
    ev.append(
        Ev(
            uid=f"cal-vacation-{SEED}@tatrasoft.sk",
            key="cal-vacation-allday",
            summary="Dovolenka",
            start=date(2026, 12, 23),
            end=date(2027, 1, 3),
            tzid=None,
            organizer=None,
            transp="TRANSPARENT",
            quirks=["all-day, multi-day, TRANSP:TRANSPARENT, no attendees"],
        )
    )
    single(
        "cal-prazska-plan",
        "Plánovanie 2027 – Pražská datová",
        datetime(2027, 1, 12, 10, 0),
        60,
        [att(c["kucera"]), att(c["cerny"])],
        location="Microsoft Teams",
    )
    single(
        "cal-wiener",
        "Wiener Büromöbel – Erstgespräch",
        datetime(2027, 1, 19, 13, 0),
        60,
        [att(c["wagner"]), att(c["pichler"], "TENTATIVE")],
        location="Wien, Mariahilfer Straße 45",
        quirks=["company with meetings but no e-mail"],
    )
    single(
        "cal-remeslnik",
        "Český řemeslník – úvodní schůzka",
        datetime(2027, 1, 21, 9, 0),
        60,
        [att(c["kratochvil"])],
        location="Microsoft Teams",
        quirks=["company with meetings but no e-mail"],
    )

    # Outlook export: Windows time zone name, Outlook UID and X- properties.
    hm = c["mueller"]
    ev.append(
        Ev(
            uid="040000008200E00074C5B7101A82E00800000000D0A3C6F4E1F6DC01000000000000000010000000"
            "8A5C1B2D3E4F40A1B2C3D4E5F6A7B8C9",
            key="cal-outlook-mueller",
            summary="Vertragsbesprechung – Müller & Söhne / Tatra Soft",
            start=datetime(2026, 10, 1, 14, 0),
            end=datetime(2026, 10, 1, 15, 30),
            tzid=WIN_CET,
            organizer=(hm.name, hm.addr),
            attendees=[
                att(c["weiss"], ROLE="REQ-PARTICIPANT", RSVP="TRUE"),
                att(PETER, "ACCEPTED", RSVP="TRUE"),
            ],
            location="Microsoft Teams-Besprechung",
            description="________________________________________________________________________\n"
            "Microsoft Teams-Besprechung\nNehmen Sie von Ihrem Computer oder der "
            "mobilen App teil\nHier klicken, um an der Besprechung teilzunehmen\n"
            "Besprechungs-ID: 312 456 789 012\nPasscode: aB3cD4\n",
            sequence=0,
            extra=[
                ("x-microsoft-cdo-busystatus", "BUSY"),
                ("x-microsoft-cdo-importance", "1"),
                ("x-microsoft-cdo-intendedstatus", "BUSY"),
                ("x-microsoft-disallow-counter", "FALSE"),
                ("x-ms-olk-conftype", "0"),
                ("x-ms-olk-autofillcontacts", "FALSE"),
            ],
            quirks=[
                "Outlook-style: TZID 'Central Europe Standard Time' (Windows name) with an "
                "Outlook VTIMEZONE, X-MICROSOFT-CDO-* properties, Outlook UID"
            ],
        )
    )

    # Shared with zuzana.ics: same UID, one timeline item with two sources.
    ev.append(shared_workshop(PETER))

    # Broken: no DTSTART at all.
    ev.append(
        Ev(
            uid=f"cal-broken-{SEED}@tatrasoft.sk",
            key="cal-broken-no-dtstart",
            summary="Obed s klientom – Horizont (export bez začiatku)",
            start=None,
            attendees=[att(c["novak"])],
            location="Reštaurácia Flagship, Bratislava",
            quirks=["broken VEVENT: no DTSTART -> quarantine"],
        )
    )
    return ev


def shared_workshop(owner: Addr) -> Ev:
    c = CT
    return Ev(
        uid=f"workshop-stocznia-{SEED}@tatrasoft.sk",
        key="cal-shared-workshop",
        summary="Workshop – Gdańska Stocznia Jachtowa: nasadenie CRM",
        start=datetime(2026, 11, 19, 9, 0),
        end=datetime(2026, 11, 19, 13, 0),
        organizer=ZUZANA,
        attendees=[
            att(ZUZANA),
            att(PETER, "ACCEPTED"),
            att(c["szymanski"]),
            att(c["kowalczyk"]),
            att(c["kaminska"], "TENTATIVE"),
        ],
        location="Gdańska Stocznia Jachtowa, ul. Przemysłowa 8, Gdańsk",
        sequence=1,
        quirks=["same UID in peter.ics and zuzana.ics: one meeting, two sources"],
    )


def zuzana_events() -> list[Ev]:
    c = CT
    ev = [shared_workshop(ZUZANA)]

    def single(
        key: str,
        summary: str,
        start: datetime | date,
        end: datetime | date,
        attendees: list,
        **kw: Any,
    ) -> None:
        ev.append(
            Ev(
                uid=f"{key}-{SEED}@tatrasoft.sk",
                key=key,
                summary=summary,
                start=start,
                end=end,
                organizer=ZUZANA,
                attendees=attendees,
                **kw,
            )
        )

    single(
        "zcal-horizont",
        "Horizont Logistics – obchodné rokovanie",
        datetime(2026, 9, 2, 10, 0),
        datetime(2026, 9, 2, 11, 0),
        [att(c["novakova"])],
        location="Horizont Logistics, Bratislava",
    )
    single(
        "zcal-dunaj",
        "Dunaj Pharma – zmluva",
        datetime(2026, 10, 7, 14, 0),
        datetime(2026, 10, 7, 15, 0),
        [att(c["baranova"]), att(c["liskova"])],
    )
    single(
        "zcal-1on1",
        "1:1 Zuzana – Tomáš",
        datetime(2026, 9, 3, 16, 0),
        datetime(2026, 9, 3, 16, 30),
        [att(TOMAS)],
        rrule={"freq": "weekly", "byday": "th", "count": 10},
        quirks=["recurring internal meeting (COUNT=10)"],
    )
    single(
        "zcal-lzt",
        "ŁZT – negocjacje",
        datetime(2026, 10, 15, 11, 0),
        datetime(2026, 10, 15, 12, 0),
        [att(c["wojcik"])],
        location="Microsoft Teams",
    )
    single(
        "zcal-bigcorp-eu",
        "BigCorp Europe – quarterly review",
        datetime(2026, 12, 9, 13, 0),
        datetime(2026, 12, 9, 14, 0),
        [att(c["krajci"]), att(c["hudecova"])],
    )
    single(
        "zcal-training",
        "Školenie predajcov",
        date(2026, 10, 29),
        date(2026, 10, 30),
        [],
        tzid=None,
        quirks=["all-day"],
    )
    single(
        "zcal-thames",
        "Thames Analytics – renewal",
        datetime(2027, 1, 14, 10, 0, tzinfo=UTC),
        datetime(2027, 1, 14, 11, 0, tzinfo=UTC),
        [att(c["bennett"])],
        tzid=None,
    )
    return ev


def write_calendar(path: Path, owner: Addr, events: list[Ev]) -> None:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Tatra Soft//syncd demo//SK")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{owner[0]} – kalendár")
    cal.add("x-wr-timezone", BA)
    zones = {e.tzid for e in events if e.tzid}
    if BA in zones:
        cal.add_component(vtimezone(BA, 1, 2, ("CET", "CEST")))
    if KYIV in zones:
        cal.add_component(vtimezone(KYIV, 2, 3, ("EET", "EEST")))
    if WIN_CET in zones:
        cal.add_component(vtimezone(WIN_CET, 1, 2, None, outlook=True))
    for e in events:
        cal.add_component(to_vevent(e))
    path.write_bytes(cal.to_ical())


def occurrences(e: Ev) -> int:
    """Number of instances of a master VEVENT (weekly rules only, as used here)."""
    if e.start is None or e.recurrence_id is not None:
        return 0
    if not e.rrule:
        return 1
    r = e.rrule
    assert r["freq"] == "weekly"
    step = timedelta(weeks=int(r.get("interval", 1)))
    start = e.start
    assert isinstance(start, datetime)
    n, t, count = 0, start, r.get("count")
    until = r.get("until")
    while True:
        if count is not None and n >= count:
            break
        if until is not None:
            t_utc = (
                t if t.tzinfo else t - mg.local_offset(t.replace(tzinfo=UTC), "CET").utcoffset(None)
            )
            if t_utc.replace(tzinfo=UTC) > until:
                break
        n += 1
        t += step
    excluded = sum(1 for x in e.exdates)
    return n - excluded


def event_expectation(e: Ev) -> dict[str, Any]:
    addrs = ([e.organizer[1]] if e.organizer else []) + [
        a[1] for a in e.attendees if a[3].get("CUTYPE") != "ROOM"
    ]
    exp = link_expectation([a.lower() for a in addrs], None, e.start is None)
    exp.update({"private": e.klass == "PRIVATE", "cancelled": e.status == "CANCELLED"})
    return exp


# ---------------------------------------------------------------------------
# Manifest and README
# ---------------------------------------------------------------------------

RULES = [
    "Participants of a message: From, Sender, Reply-To, To, Cc, Bcc; of a meeting: ORGANIZER "
    "and ATTENDEEs except CUTYPE=ROOM. Addresses are compared lower-cased.",
    "Addresses at tatrasoft.sk / tatrasoft.cz (and subdomains) are internal and link nothing.",
    "An address registered on a contact (contacts.csv, any of its ';'-separated e-mails) links "
    "that contact and the contact's company, even at a freemail domain.",
    "Other freemail addresses (gmail.com, seznam.cz, azet.sk, wp.pl, mail.ru, ukr.net) link "
    "nothing and never create a company.",
    "Any other address links the company owning the longest registered domain equal to the "
    "address domain or a parent of it on a label boundary (mail.eu.bigcorp-holding.com -> "
    "eu.bigcorp-holding.com -> BigCorp Europe s.r.o.; us.bigcorp-holding.com -> "
    "bigcorp-holding.com -> BigCorp Holding plc; ebigcorp-holding.com -> nothing).",
    "Display names and bodies never link anything.",
    "A message present in several files (same Message-ID and content) is one item with several "
    "sources; two different messages sharing a Message-ID are two items.",
    "Malformed files are quarantined, not dropped; so is the VEVENT without DTSTART.",
    "Robot local parts (noreply, mailer-daemon, newsletter, ...) are dropped as participants.",
    "Bulk or automated mail (List-Id; Precedence bulk/list/junk; Auto-Submitted other than "
    "'no', so out-of-office replies too) is not logged; neither is internal-only mail, mail "
    "with no external participant, nor mail matching no contact or company (unknown "
    "freemail senders). 'expected.logged' / 'not_logged_reason' give the verdict per item.",
    'With auto_create = "contacts" an unknown address under a company domain becomes a new '
    "contact of that company ('expected.auto_created_contacts').",
]


def build_manifest(d: Demo, peter: list[Ev], zuzana: list[Ev]) -> dict[str, Any]:
    messages = []
    per_co: dict[str, dict[str, Any]] = {
        c.reg: {
            "name": c.name,
            "domains": list(c.domains),
            "emails": 0,
            "emails_dropped_bulk_or_auto": 0,
            "meetings": 0,
            "meeting_occurrences": 0,
        }
        for c in COMPANIES
    }
    entry: dict[str, Any]
    for m in sorted(d.mails, key=lambda m: m.files[0]):
        exp = mail_expectation(m)
        entry = {
            "key": m.key,
            "category": m.category,
            "files": m.files,
            "folder": "INBOX" if m.folder == "INBOX" else ".Sent",
            "message_id": m.msgid,
            "date": None
            if (
                m.date is None
                or "no-date" in m.post
                or m.raw is not None
                and m.category == "malformed"
            )
            else m.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "delivered": (m.delivered or NOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from": m.frm[1].lower() or None,
            "subject": m.subject or None,
            "lang": m.lang,
            "charset": None if m.raw is not None else (m.charset or PROFILES[m.profile].charset),
            "shape": None if m.raw is not None else (m.shape or PROFILES[m.profile].shape),
            "attachments": [a.filename for a in m.attachments if a.style != "inline"],
            "thread": m.thread,
            "in_reply_to": m.in_reply_to,
            "expected": exp,
            "quirks": m.quirks,
        }
        messages.append(entry)
        if exp["quarantine"]:
            continue
        for reg in exp["companies"]:
            if exp["logged"]:
                per_co[reg]["emails"] += 1
            elif exp["bulk_or_automated"]:
                per_co[reg]["emails_dropped_bulk_or_auto"] += 1

    meetings = []
    seen_uids: dict[str, dict[str, Any]] = {}
    for fname, events in (("calendar/peter.ics", peter), ("calendar/zuzana.ics", zuzana)):
        for e in events:
            exp = event_expectation(e)
            entry = {
                "key": e.key,
                "file": fname,
                "uid": e.uid,
                "recurrence_id": e.recurrence_id.isoformat() if e.recurrence_id else None,
                "summary": e.summary,
                "tzid": e.tzid,
                "status": e.status,
                "class": e.klass,
                "occurrences": occurrences(e),
                "expected": exp,
                "quirks": e.quirks,
            }
            meetings.append(entry)
            if e.recurrence_id is None and exp["logged"] and e.uid not in seen_uids:
                seen_uids[e.uid] = entry
    for entry in seen_uids.values():
        for reg in entry["expected"]["companies"]:
            per_co[reg]["meetings"] += 1
            per_co[reg]["meeting_occurrences"] += entry["occurrences"]

    files = [f for m in d.mails for f in m.files]
    cats = Counter(m.category for m in d.mails)
    charsets = Counter(e["charset"] for e in messages if e["charset"])
    special = {
        m.key: {
            "files": m.files,
            "message_id": m.msgid,
            "quirks": m.quirks,
            "companies": mail_expectation(m)["companies"],
        }
        for m in sorted(d.mails, key=lambda m: m.key)
        if m.key.startswith(
            (
                "special-",
                "malformed-",
                "robot-ooo",
                "robot-bounce",
                "robot-einvoice",
                "unknown-domain-eu",
                "unknown-domain-us",
                "unknown-freemail-namesake",
                "newsletter-customer",
                "internal-fwd",
                "internal-cron",
            )
        )
        or any("dedupe" in q for q in m.quirks)
    }
    return {
        "generated_by": "bench/gen_demo.py",
        "seed": SEED,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mailbox_owner": PETER[1],
        "internal_domains": list(INTERNAL_DOMAINS),
        "freemail_domains": sorted(FREEMAIL),
        "rules": RULES,
        "counts": {
            "companies": len(COMPANIES),
            "contacts": len(CONTACTS),
            "mail_files": len(files),
            "mail_files_inbox_cur": sum(1 for f in files if f.startswith("cur/")),
            "mail_files_inbox_new": sum(1 for f in files if f.startswith("new/")),
            "mail_files_sent": sum(1 for f in files if f.startswith(".Sent/")),
            "mail_items": len(d.mails),
            "mail_items_quarantined": cats["malformed"],
            "mail_items_by_category": dict(sorted(cats.items())),
            "mail_items_by_charset": dict(sorted(charsets.items())),
            "threads": len({m.thread for m in d.mails if m.thread}),
            "messages_without_message_id": sum(
                1 for m in d.mails if m.msgid is None and m.raw is None
            ),
            "vevents_peter": len(peter),
            "vevents_zuzana": len(zuzana),
            "meeting_uids": len({e.uid for e in peter + zuzana}),
        },
        "companies": per_co,
        "special": special,
        "messages": messages,
        "meetings": meetings,
    }


def render_readme(man: dict[str, Any]) -> str:
    counts = man["counts"]
    assert isinstance(counts, dict)
    cos = man["companies"]
    assert isinstance(cos, dict)
    special = man["special"]
    assert isinstance(special, dict)
    cat = counts["mail_items_by_category"]
    lines = [
        "# syncd demo data: Tatra Soft s.r.o.",
        "",
        "Generated by `bench/gen_demo.py` (deterministic: seed "
        f'{SEED}, "now" = 2026-11-20); do not edit by hand, re-run the script instead:',
        "",
        "    . .venv/bin/activate && python bench/gen_demo.py",
        "",
        "The demo organisation is **Tatra Soft s.r.o.** (internal domains `tatrasoft.sk`, "
        "`tatrasoft.cz`) with the sales users Peter Horváth, Zuzana Kováčová and Tomáš Dvořák.",
        "",
        "| Path | What |",
        "|---|---|",
        f"| `companies.csv` | {counts['companies']} companies (SK, CZ, PL, UA, RU, AT/DE, UK); "
        "`domains` is `;`-separated; registration numbers carry valid check digits (IČO, NIP, "
        "EDRPOU, INN, FN, HRB, UK company no. with a leading zero) |",
        f"| `contacts.csv` | {counts['contacts']} contacts; `email` may hold several addresses "
        "(`;`), `company` is the company's `registration_no` (empty for 4 contacts) |",
        f"| `mail/` | Peter's Maildir: {counts['mail_files']} files = INBOX "
        f"{counts['mail_files_inbox_cur']} in `cur/` + {counts['mail_files_inbox_new']} unread "
        f"in `new/`, and {counts['mail_files_sent']} in the Maildir++ folder `.Sent` |",
        f"| `calendar/peter.ics` | {counts['vevents_peter']} VEVENTs (Europe/Bratislava with "
        "VTIMEZONE, one Europe/Kyiv, one Outlook export) |",
        f"| `calendar/zuzana.ics` | {counts['vevents_zuzana']} VEVENTs; one UID shared with "
        "peter.ics |",
        "| `expected.json` | every message and meeting with the companies/contacts a correct "
        "matcher links, per-company totals, the list of special items |",
        "",
        "Empty Maildir directories hold a `.gitkeep` (Maildir readers skip dot-files). Keep the "
        "files byte-exact: `.gitattributes` marks them `-text`.",
        "",
        "## Mail by category",
        "",
        "| Category | Items |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in cat.items()],
        "",
        "Body charsets: "
        + ", ".join(f"{k} ({v})" for k, v in counts["mail_items_by_charset"].items())
        + ". Headers use "
        "RFC 2047 B and Q words in those charsets; bodies are 8bit, quoted-printable or base64; "
        "plain, HTML-only and multipart/alternative; threads use In-Reply-To/References with "
        "localised prefixes (Re:, RE:, AW:, ODP:, Fwd:, FW:).",
        "",
        "## Matching rules assumed by expected.json",
        "",
        *[f"- {r}" for r in RULES],
        "",
        "## Special messages",
        "",
        "| Key | File(s) | Message-ID | Shows |",
        "|---|---|---|---|",
    ]
    for key, v in special.items():
        files = "<br>".join(f"`{f}`" for f in v["files"])
        mid = f"`{v['message_id']}`" if v["message_id"] else "(none)"
        lines.append(f"| {key} | {files} | {mid} | {'; '.join(v['quirks'])} |")
    lines += [
        "",
        "## Special meetings",
        "",
        "| Key | File | UID | Shows |",
        "|---|---|---|---|",
    ]
    for e in man["meetings"]:
        if e["quirks"]:
            lines.append(
                f"| {e['key']} | `{e['file']}` | `{e['uid'][:40]}"
                f"{'…' if len(e['uid']) > 40 else ''}` | {'; '.join(e['quirks'])} |"
            )
    lines += [
        "",
        "## Linked items per company",
        "",
        'Counted under the default policy with `auto_create = "contacts"` (as in '
        "`syncd.toml`): e-mails = logged items linked to the company (a message in INBOX and "
        ".Sent counts once); dropped = linked by address but not logged because bulk/automated; "
        "meetings = logged UIDs across both calendars, occurrences = their expanded instances.",
        "",
        "| Company | registration_no | e-mails | dropped bulk/auto | meetings | occurrences |",
        "|---|---|---|---|---|---|",
    ]
    for reg, v in cos.items():
        lines.append(
            f"| {v['name']} | {reg} | {v['emails']} | "
            f"{v['emails_dropped_bulk_or_auto']} | {v['meetings']} | "
            f"{v['meeting_occurrences']} |"
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def write_csvs(out: Path) -> None:
    with (out / "companies.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "registration_no", "website", "domains"])
        for c in COMPANIES:
            w.writerow([c.name, c.reg, c.website, ";".join(c.domains)])
    with (out / "contacts.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "email", "position", "phone", "company"])
        for ct in CONTACTS:
            w.writerow(
                [
                    ct.name,
                    ";".join(ct.emails),
                    ct.position,
                    ct.phone,
                    CO[ct.company].reg if ct.company else "",
                ]
            )


# ---------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------


def check(out: Path) -> list[str]:
    import email
    import email.policy

    problems: list[str] = []
    man = json.loads((out / "expected.json").read_text("utf-8"))

    # CSVs
    with (out / "companies.csv").open(encoding="utf-8", newline="") as f:
        companies = list(csv.DictReader(f))
    with (out / "contacts.csv").open(encoding="utf-8", newline="") as f:
        contacts = list(csv.DictReader(f))
    regs = {c["registration_no"] for c in companies}
    doms = [d for c in companies for d in c["domains"].split(";") if d]
    if len(doms) != len(set(doms)):
        problems.append("duplicate company domain")
    emails = [e.lower() for c in contacts for e in c["email"].split(";")]
    if len(emails) != len(set(emails)):
        problems.append("duplicate contact e-mail")
    for c in contacts:
        if c["company"] and c["company"] not in regs:
            problems.append(f"contact {c['name']}: unknown company {c['company']}")

    # Mail
    n_ok = 0
    for entry in man["messages"]:
        for rel in entry["files"]:
            raw = (out / "mail" / rel).read_bytes()
            if entry["expected"]["quarantine"]:
                try:
                    msg = email.message_from_bytes(raw, policy=email.policy.default)
                    if msg.get("from") or msg.get("to"):
                        problems.append(f"{rel}: malformed file has addresses")
                except Exception:  # noqa: BLE001 - unparsable is the point
                    pass
                continue
            try:
                info = mg.decode_check(raw)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{rel}: does not parse/decode: {exc!r}")
                continue
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            subj = str(msg.get("subject", ""))
            if "raw UTF-8" in " ".join(entry["quirks"]):
                # stdlib keeps undeclared 8-bit as surrogates: re-decode like syncd must
                subj = subj.encode("utf-8", "surrogateescape").decode("utf-8")
            if subj != entry["subject"]:
                problems.append(f"{rel}: subject {subj!r} != {entry['subject']!r}")
            frm = msg["from"].addresses[0].addr_spec.lower() if msg.get("from") else ""
            if frm != entry["from"]:
                problems.append(f"{rel}: from {frm!r} != {entry['from']!r}")
            if (msg.get("message-id") or None) != entry["message_id"]:
                problems.append(f"{rel}: message-id {msg.get('message-id')!r}")
            if (msg.get("date") is None) != (entry["date"] is None):
                problems.append(f"{rel}: Date presence differs")
            names = [n for n in info["attachments"] if n != "image001.png"]  # type: ignore[attr-defined]
            if entry["attachments"] and names != entry["attachments"]:
                problems.append(f"{rel}: attachments {names} != {entry['attachments']}")
            if not info["texts"] and entry["category"] != "malformed":
                problems.append(f"{rel}: no text part")
            n_ok += 1

    # Calendars
    import recurring_ical_events
    from icalendar import Calendar

    for fname in ("peter.ics", "zuzana.ics"):
        cal = Calendar.from_ical((out / "calendar" / fname).read_bytes())
        vevents = list(cal.walk("VEVENT"))
        exp = [m for m in man["meetings"] if m["file"] == f"calendar/{fname}"]
        if len(vevents) != len(exp):
            problems.append(f"{fname}: {len(vevents)} VEVENTs, expected {len(exp)}")
        good = Calendar.from_ical((out / "calendar" / fname).read_bytes())
        for comp in list(good.subcomponents):
            if comp.name == "VEVENT" and "DTSTART" not in comp:
                good.subcomponents.remove(comp)
        occ = Counter(
            str(o["UID"])
            for o in recurring_ical_events.of(good).between(
                datetime(2026, 7, 1), datetime(2027, 3, 1)
            )
        )
        for m in exp:
            if m["recurrence_id"] or m["expected"]["quarantine"]:
                continue
            if occ[m["uid"]] != m["occurrences"]:
                problems.append(
                    f"{fname}: {m['key']} expands to {occ[m['uid']]}, expected {m['occurrences']}"
                )
        for v in vevents:
            if "DTSTART" in v and str(v.get("UID", "")).startswith("0400000082"):
                dt = v.decoded("DTSTART")
                if dt.utcoffset() != timedelta(hours=2):
                    problems.append(f"{fname}: Outlook event offset {dt.utcoffset()}")

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if size >= 2_000_000:
        problems.append(f"config/demo is {size} bytes (>= 2 MB)")
    print(
        f"check: {n_ok} message files parsed, {len(man['meetings'])} VEVENTs, "
        f"config/demo = {size / 1024:.0f} KiB, {len(problems)} problem(s)"
    )
    return problems


# ---------------------------------------------------------------------------


def generate(out: Path) -> None:
    for name in ("mail", "calendar"):
        if (out / name).exists():
            shutil.rmtree(out / name)
    out.mkdir(parents=True, exist_ok=True)
    (out / "calendar").mkdir()
    write_csvs(out)
    d = Demo()
    build_mailbox(d)
    write_maildir(d, out / "mail")
    peter, zuzana = peter_events(), zuzana_events()
    write_calendar(out / "calendar" / "peter.ics", PETER, peter)
    write_calendar(out / "calendar" / "zuzana.ics", ZUZANA, zuzana)
    man = build_manifest(d, peter, zuzana)
    (out / "expected.json").write_text(
        json.dumps(man, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    (out / "README.md").write_text(render_readme(man), "utf-8")
    (out / ".gitattributes").write_text(
        "# Demo mail and calendars must stay byte-exact (8-bit bodies, CRLF samples).\n"
        "mail/** -text\ncalendar/** -text\n",
        "utf-8",
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check", action="store_true", help="only check the existing files")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.check:
        generate(args.out)
    problems = check(args.out)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
