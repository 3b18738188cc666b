"""Realistic synthetic e-mail for syncd benchmarks and the bundled demo.

Two layers live here:

* Shared building blocks (vocabulary in Slovak, Czech, Polish, Ukrainian,
  Russian, German and English; RFC 2047 encoded words; RFC 5322 dates with
  fixed, tzdata-independent offsets; name transliteration). ``bench/gen_demo.py``
  uses them to script the demo mailbox message by message.

* A fast bulk generator, :func:`generate_messages`, for benchmarks that need
  tens of thousands of varied messages (``>= 5,000 msg/s``). It pre-encodes
  every text fragment once per charset and assembles messages from byte
  chunks; the result is checked against :mod:`email` by ``--check``.

Everything is deterministic for a given ``seed``.

Usage::

    from mailgen import generate_messages, write_maildir
    n = write_maildir("/tmp/md", generate_messages(20_000, seed=1))

    python bench/mailgen.py /tmp/md -n 20000 --seed 1   # writes INBOX + .Sent
    python bench/mailgen.py --check -n 2000              # parse-validate a sample
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import os
import random
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

__all__ = [
    "FREEMAIL_DOMAINS",
    "LANGS",
    "Lang",
    "decode_check",
    "encode_header_text",
    "encode_words",
    "fit_charset",
    "format_address",
    "generate_maildir",
    "generate_messages",
    "header_tokens",
    "local_offset",
    "rfc5322_date",
    "translit",
    "write_maildir",
]

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lang:
    """Everything needed to write a plausible business e-mail in one language."""

    code: str
    charsets: tuple[str, ...]  # body charsets seen in the wild, most common first
    re: str  # reply prefix as localised mail clients write it
    fwd: str
    subjects: tuple[str, ...]  # ending with "č." / "nr" etc. means a number follows
    greetings: tuple[str, ...]
    paragraphs: tuple[str, ...]
    replies: tuple[str, ...]  # short answers that open a reply
    closings: tuple[str, ...]
    attribution: str  # "{date}", "{time}", "{name}"
    attachment_names: tuple[str, ...]
    zone: str = "CET"


SK = Lang(
    code="sk",
    charsets=("utf-8", "windows-1250", "iso-8859-2"),
    re="Re:",
    fwd="Fwd:",
    subjects=(
        "Cenová ponuka – licencie CRM",
        "Objednávka č.",
        "Faktúra č.",
        "Stretnutie budúci týždeň",
        "Pripomienky k zmluve o dielo",
        "Prístup do testovacieho prostredia",
        "Školenie používateľov – termín",
        "Predĺženie podpory na rok 2027",
        "Podklady na štvrtkové rokovanie",
        "Problém s importom kontaktov",
        "Dopyt: integrácia s účtovným systémom",
        "Upomienka – neuhradená faktúra č.",
        "Návrh harmonogramu nasadenia",
        "Ďakujeme za prezentáciu",
        "Zmena kontaktnej osoby",
    ),
    greetings=("Dobrý deň,", "Dobrý deň prajem,", "Ahoj {first},", "Pekný deň,"),
    paragraphs=(
        "Ďakujeme za zaslanie cenovej ponuky. Prešli sme ju s kolegami z obchodného oddelenia "
        "a v princípe s ňou súhlasíme, radi by sme však ešte upresnili počet licencií "
        "a podmienky podpory.",
        "V prílohe Vám posielam podpísanú objednávku. Prosím o potvrdenie prijatia "
        "a predpokladaný termín dodania.",
        "Mohli by sme sa stretnúť budúci týždeň v utorok alebo v stredu popoludní? Najlepšie "
        "u nás v kancelárii, prípadne cez Teams.",
        "Pri importe kontaktov z Excelu sa nám niektoré mená zobrazujú s nesprávnou "
        "diakritikou, napr. „Kováč“ ako „KovĂˇÄŤ“. Viete nám s tým pomôcť?",
        "Faktúra č. 2026/0412 je po splatnosti už 14 dní. Prosím o kontrolu a úhradu, "
        "prípadne mi dajte vedieť, ak je s ňou nejaký problém.",
        "Posielam návrh harmonogramu nasadenia. Prvá fáza (migrácia dát) by trvala približne "
        "tri týždne, školenie používateľov by sme naplánovali na koniec mesiaca.",
        "Od 1. decembra preberá agendu po kolegyni Márii kolega Ľubomír Ďurica. Prosím, aby "
        "ste odteraz komunikovali priamo s ním.",
        "Zmluvu sme prešli s naším právnikom. Pripomienky nájdete v priloženom dokumente "
        "v režime sledovania zmien, najpodstatnejšia je úprava článku 7 o zodpovednosti "
        "za škodu.",
        "Ďakujeme za včerajšiu prezentáciu, bola veľmi užitočná. Kolegovia z účtovníctva by "
        "ešte radi videli, ako funguje export do Pohody.",
        "Potrebovali by sme predĺžiť podporu aj na rok 2027. Mohli by ste nám poslať "
        "aktualizovanú cenovú ponuku vrátane 23 % DPH?",
        "Prístupové údaje do testovacieho prostredia Vám pošlem v samostatnom e-maile. Heslo "
        "si prosím po prvom prihlásení zmeňte.",
        "Náš sklad v Žiline bude od pondelka zatvorený kvôli inventúre, tovar preto môžeme "
        "prijať najskôr vo štvrtok.",
    ),
    replies=(
        "Ďakujem, potvrdzujem prijatie.",
        "Výborne, tak sa vidíme v utorok o 10:00.",
        "Posielam aktualizovanú ponuku v prílohe.",
        "Rozumiem, preveríme to s kolegami a ozvem sa najneskôr v piatok.",
        "Ďakujem za informáciu, beriem na vedomie.",
    ),
    closings=("S pozdravom", "S pozdravom a prianím pekného dňa", "Ďakujem a prajem pekný deň"),
    attribution="Dňa {date} o {time} {name} napísal(a):",
    attachment_names=(
        "Cenová ponuka č. 2026-117.pdf",
        "Objednávka_október.pdf",
        "Zmluva o dielo – pripomienky.pdf",
        "Harmonogram nasadenia.pdf",
        "Faktúra 2026-0412.pdf",
    ),
)

CS = Lang(
    code="cs",
    charsets=("windows-1250", "utf-8", "iso-8859-2"),
    re="RE:",
    fwd="FW:",
    subjects=(
        "Poptávka – CRM pro 25 uživatelů",
        "Objednávka č.",
        "Faktura č.",
        "Schůzka příští týden",
        "Připomínky ke smlouvě",
        "Přístup do testovacího prostředí",
        "Školení uživatelů – termín",
        "Prodloužení podpory na rok 2027",
        "Podklady k jednání",
        "Problém s importem kontaktů",
        "Integrace s účetním systémem",
        "Upomínka – neuhrazená faktura č.",
        "Návrh harmonogramu",
        "Děkujeme za prezentaci",
        "Změna kontaktní osoby",
    ),
    greetings=("Dobrý den,", "Dobrý den, vážení,", "Ahoj,", "Zdravím,"),
    paragraphs=(
        "Děkujeme za zaslání cenové nabídky. Prošli jsme ji s kolegy z obchodního oddělení "
        "a v zásadě s ní souhlasíme, rádi bychom však ještě upřesnili počet licencí "
        "a podmínky podpory.",
        "V příloze Vám zasílám podepsanou objednávku. Prosím o potvrzení přijetí "
        "a předpokládaný termín dodání.",
        "Mohli bychom se sejít příští týden v úterý nebo ve středu odpoledne? Nejlépe u nás "
        "v kanceláři v Brně, případně přes Teams.",
        "Při importu kontaktů z Excelu se nám některá jména zobrazují se špatnou diakritikou, "
        "např. „Řehoř“ jako „ĹehoĹ™“. Můžete se na to podívat?",
        "Faktura č. 2026/0388 je po splatnosti již 10 dní. Prosím o kontrolu a úhradu, "
        "případně mi dejte vědět, pokud je s ní nějaký problém.",
        "Posílám návrh harmonogramu nasazení. První fáze (migrace dat) by trvala přibližně tři "
        "týdny, školení uživatelů bychom naplánovali na konec měsíce.",
        "Od 1. prosince přebírá agendu po kolegyni Janě kolega Jiří Šťastný. Prosím, abyste "
        "od této chvíle komunikovali přímo s ním.",
        "Smlouvu jsme prošli s naším právníkem. Připomínky najdete v přiloženém dokumentu "
        "v režimu sledování změn, nejpodstatnější je úprava článku 7 o odpovědnosti za škodu.",
        "Děkujeme za včerejší prezentaci, byla velmi užitečná. Kolegové z účetního oddělení by "
        "ještě rádi viděli, jak funguje export do Money S3.",
        "Potřebovali bychom prodloužit podporu i na rok 2027. Mohli byste nám poslat "
        "aktualizovanou nabídku včetně 21 % DPH?",
        "Naše výroba v Žďáru bude od pondělí odstavena kvůli údržbě pecí, zboží proto můžeme "
        "převzít nejdříve ve čtvrtek.",
        "Přeposílám Vám dotaz našeho ředitele ohledně reportingu – zajímá ho hlavně přehled "
        "obchodních příležitostí podle regionů.",
    ),
    replies=(
        "Děkuji, potvrzuji přijetí.",
        "Výborně, tak se vidíme v úterý v 10:00.",
        "V příloze posílám aktualizovanou nabídku.",
        "Rozumím, prověříme to s kolegy a ozvu se nejpozději v pátek.",
    ),
    closings=("S pozdravem", "Děkuji a přeji hezký den", "S přátelským pozdravem"),
    attribution="Dne {date} v {time} {name} napsal(a):",
    attachment_names=(
        "Objednávka č. 4471.pdf",
        "Smlouva – připomínky.pdf",
        "Nabídka_podpora_2027.pdf",
        "Přehled obchodních příležitostí.pdf",
    ),
)

PL = Lang(
    code="pl",
    charsets=("iso-8859-2", "utf-8", "windows-1250"),
    re="Odp:",
    fwd="PD:",
    subjects=(
        "Zapytanie ofertowe – system CRM",
        "Zamówienie nr",
        "Faktura VAT nr",
        "Spotkanie w przyszłym tygodniu",
        "Uwagi do umowy",
        "Dostęp do środowiska testowego",
        "Szkolenie użytkowników – termin",
        "Przedłużenie wsparcia na 2027 rok",
        "Materiały na spotkanie",
        "Problem z importem kontaktów",
        "Integracja z systemem księgowym",
        "Przypomnienie o płatności – faktura nr",
        "Harmonogram wdrożenia",
        "Dziękujemy za prezentację",
        "Zmiana osoby kontaktowej",
    ),
    greetings=("Dzień dobry,", "Witam,", "Szanowni Państwo,", "Cześć {first},"),
    paragraphs=(
        "Dziękujemy za przesłanie oferty. Przeanalizowaliśmy ją z zespołem sprzedaży i co do "
        "zasady się zgadzamy, chcielibyśmy jednak doprecyzować liczbę licencji oraz warunki "
        "wsparcia technicznego.",
        "W załączniku przesyłam podpisane zamówienie. Proszę o potwierdzenie otrzymania "
        "i przewidywany termin realizacji.",
        "Czy moglibyśmy spotkać się w przyszłym tygodniu, we wtorek lub w środę po południu? "
        "Najlepiej u nas w biurze w Łodzi albo przez Teams.",
        "Podczas importu kontaktów z Excela część nazwisk wyświetla się z błędnymi polskimi "
        "znakami, np. „Wiśniewski” jako „WiĹ›niewski”. Czy mogą Państwo to sprawdzić?",
        "Faktura nr 2026/1107 jest przeterminowana o 14 dni. Uprzejmie prosimy o weryfikację "
        "i uregulowanie należności.",
        "Przesyłam propozycję harmonogramu wdrożenia. Pierwszy etap (migracja danych) potrwa "
        "około trzech tygodni, szkolenie użytkowników zaplanujemy na koniec miesiąca.",
        "Od 1 grudnia moje obowiązki przejmuje kolega Grzegorz Żółkiewski. Proszę o kontakt "
        "bezpośrednio z nim.",
        "Umowę przejrzał nasz dział prawny. Uwagi znajdą Państwo w załączonym dokumencie "
        "w trybie śledzenia zmian, najważniejsza dotyczy paragrafu 7 (odpowiedzialność).",
        "Dziękujemy za wczorajszą prezentację, była bardzo pomocna. Księgowość chciałaby "
        "jeszcze zobaczyć eksport do Symfonii.",
        "Chcielibyśmy przedłużyć wsparcie również na 2027 rok. Czy mogą Państwo przesłać "
        "zaktualizowaną ofertę z 23% VAT?",
        "Nasz magazyn w Gdańsku będzie zamknięty w poniedziałek z powodu inwentaryzacji, "
        "dostawę możemy przyjąć najwcześniej we wtorek.",
    ),
    replies=(
        "Dziękuję, potwierdzam otrzymanie.",
        "Świetnie, w takim razie do zobaczenia we wtorek o 10:00.",
        "W załączniku przesyłam zaktualizowaną ofertę.",
        "Rozumiem, sprawdzimy to z zespołem i odezwę się najpóźniej w piątek.",
    ),
    closings=("Pozdrawiam serdecznie", "Z poważaniem", "Pozdrawiam"),
    attribution="W dniu {date} o {time}, {name} pisze:",
    attachment_names=(
        "Zamówienie nr 2026-118.pdf",
        "Umowa – uwagi działu prawnego.pdf",
        "Oferta_wsparcie_2027.pdf",
    ),
)

UK = Lang(
    code="uk",
    charsets=("windows-1251", "koi8-u", "utf-8"),
    re="RE:",
    fwd="FW:",
    subjects=(
        "Комерційна пропозиція – CRM-система",
        "Замовлення №",
        "Рахунок-фактура №",
        "Зустріч наступного тижня",
        "Зауваження до договору",
        "Доступ до тестового середовища",
        "Навчання користувачів – дата",
        "Продовження підтримки на 2027 рік",
        "Матеріали до переговорів",
        "Проблема з імпортом контактів",
        "Інтеграція з бухгалтерською системою",
        "Нагадування про оплату рахунку №",
        "Графік впровадження",
        "Дякуємо за презентацію",
        "Зміна контактної особи",
    ),
    greetings=("Добрий день!", "Вітаю!", "Доброго дня, колеги!"),
    paragraphs=(
        "Дякуємо за надіслану комерційну пропозицію. Ми переглянули її разом із відділом "
        "продажів і загалом погоджуємося, але хотіли б уточнити кількість ліцензій та умови "
        "технічної підтримки.",
        "У вкладенні надсилаю підписане замовлення. Прошу підтвердити отримання та "
        "орієнтовний термін постачання.",
        "Чи могли б ми зустрітися наступного тижня, у вівторок або в середу після обіду? "
        "Найкраще онлайн через Zoom.",
        "Під час імпорту контактів з Excel частина прізвищ відображається знаками питання "
        "замість літер ї, є та ґ. Чи можете допомогти?",
        "Рахунок № 2026/0915 прострочено на 12 днів. Просимо перевірити та сплатити, або "
        "повідомте, якщо є якісь питання.",
        "Надсилаю проєкт графіка впровадження. Перший етап (міграція даних) триватиме "
        "приблизно три тижні, навчання користувачів заплануємо на кінець місяця.",
        "З 1 грудня мої обов'язки переходять до колеги Ігоря Ґудзя. Прошу надалі звертатися "
        "безпосередньо до нього.",
        "Договір переглянув наш юрист. Зауваження ви знайдете у вкладеному документі в режимі "
        "рецензування, найважливіше стосується пункту 7 щодо відповідальності сторін.",
        "Дякуємо за вчорашню презентацію, вона була дуже корисною. Бухгалтерія хотіла б ще "
        "побачити експорт до M.E.Doc.",
        "Ми хотіли б продовжити підтримку також на 2027 рік. Чи можете надіслати оновлену "
        "пропозицію в євро?",
        "Через відключення електроенергії наш офіс у Львові може бути недоступний після 16:00, "
        "тому краще телефонуйте зранку.",
    ),
    replies=(
        "Дякую, отримання підтверджую.",
        "Чудово, тоді до зустрічі у вівторок о 10:00.",
        "У вкладенні надсилаю оновлену пропозицію.",
        "Зрозуміло, перевіримо з колегами і я відпишу не пізніше п'ятниці.",
    ),
    closings=("З повагою", "Гарного дня", "З найкращими побажаннями"),
    attribution="{date} о {time} {name} пише:",
    attachment_names=("Договір_зауваження.pdf", "Замовлення №118.pdf", "Графік впровадження.pdf"),
    zone="EET",
)

RU = Lang(
    code="ru",
    charsets=("koi8-r", "windows-1251", "utf-8"),
    re="Re:",
    fwd="Fwd:",
    subjects=(
        "Коммерческое предложение – CRM-система",
        "Заказ №",
        "Счёт №",
        "Встреча на следующей неделе",
        "Замечания к договору",
        "Доступ к тестовой среде",
        "Обучение пользователей",
        "Продление поддержки на 2027 год",
        "Материалы к переговорам",
        "Проблема с импортом контактов",
        "Интеграция с 1С",
        "Напоминание об оплате счёта №",
        "График внедрения",
        "Спасибо за презентацию",
        "Смена контактного лица",
    ),
    greetings=("Добрый день!", "Здравствуйте, {first}!", "Добрый день, коллеги!"),
    paragraphs=(
        "Спасибо за коммерческое предложение. Мы обсудили его с отделом продаж и в целом "
        "согласны, но хотели бы уточнить количество лицензий и условия технической поддержки.",
        "Во вложении направляю подписанный заказ. Прошу подтвердить получение и "
        "ориентировочный срок поставки.",
        "Могли бы мы созвониться на следующей неделе, во вторник или в среду после обеда? "
        "Удобнее всего по Zoom.",
        "При импорте контактов из Excel часть фамилий отображается в виде «кракозябр». "
        "Не могли бы вы посмотреть?",
        "Счёт № 2026/0733 просрочен на 10 дней. Просим проверить и оплатить либо сообщить, "
        "если есть вопросы.",
        "Направляю проект графика внедрения. Первый этап (миграция данных) займёт около трёх "
        "недель, обучение пользователей запланируем на конец месяца.",
        "С 1 декабря мои обязанности переходят к коллеге Сергею Соколову. Прошу в дальнейшем "
        "обращаться напрямую к нему.",
        "Договор посмотрел наш юрист. Замечания вы найдёте в приложенном документе в режиме "
        "рецензирования, главное касается пункта 7 об ответственности сторон.",
        "Спасибо за вчерашнюю презентацию, было очень полезно. Бухгалтерия хотела бы ещё "
        "увидеть выгрузку в 1С.",
        "Мы хотели бы продлить поддержку и на 2027 год. Пришлите, пожалуйста, обновлённое "
        "предложение в евро.",
        "Оплату в евро мы можем провести только через банк-корреспондент, поэтому просим "
        "учесть срок зачисления до 10 рабочих дней.",
    ),
    replies=(
        "Спасибо, получение подтверждаю.",
        "Отлично, тогда до встречи во вторник в 10:00.",
        "Во вложении направляю обновлённое предложение.",
        "Понял, проверим с коллегами, отвечу не позднее пятницы.",
    ),
    closings=("С уважением", "Хорошего дня", "С наилучшими пожеланиями"),
    attribution="{date} в {time}, {name} пишет:",
    attachment_names=("Договор_замечания.pdf", "Счёт №733.pdf", "Коммерческое предложение.pdf"),
    zone="MSK",
)

DE = Lang(
    code="de",
    charsets=("iso-8859-1", "utf-8"),
    re="AW:",
    fwd="WG:",
    subjects=(
        "Angebot – CRM-Lizenzen",
        "Bestellung Nr.",
        "Rechnung Nr.",
        "Termin nächste Woche",
        "Anmerkungen zum Vertrag",
        "Zugang zur Testumgebung",
        "Schulung der Benutzer",
        "Verlängerung des Supports für 2027",
        "Unterlagen für die Besprechung",
        "Problem beim Kontaktimport",
        "Anbindung an DATEV",
        "Zahlungserinnerung – Rechnung Nr.",
        "Zeitplan der Einführung",
        "Vielen Dank für die Präsentation",
        "Änderung des Ansprechpartners",
    ),
    greetings=("Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo {first},", "Servus,"),
    paragraphs=(
        "Vielen Dank für Ihr Angebot. Wir haben es mit dem Vertrieb besprochen und sind "
        "grundsätzlich einverstanden, möchten aber noch die Anzahl der Lizenzen und die "
        "Supportbedingungen klären.",
        "Anbei erhalten Sie die unterschriebene Bestellung. Bitte bestätigen Sie den Eingang "
        "und den voraussichtlichen Liefertermin.",
        "Könnten wir uns nächste Woche am Dienstag oder Mittwoch Nachmittag treffen? Gerne "
        "bei uns in Linz oder per Teams.",
        "Beim Import der Kontakte aus Excel werden Umlaute falsch dargestellt, z. B. „Müller“ "
        "als „MÃ¼ller“. Können Sie sich das bitte ansehen?",
        "Die Rechnung Nr. 2026-4471 ist seit 14 Tagen überfällig. Wir bitten um Prüfung und "
        "Ausgleich.",
        "Anbei der Entwurf des Zeitplans. Die erste Phase (Datenmigration) dauert etwa drei "
        "Wochen, die Schulung planen wir für Ende des Monats.",
        "Ab dem 1. Dezember übernimmt mein Kollege Jürgen Weiß meine Aufgaben. Bitte wenden "
        "Sie sich künftig direkt an ihn.",
        "Unsere Rechtsabteilung hat den Vertrag geprüft. Die Anmerkungen finden Sie im "
        "angehängten Dokument im Änderungsmodus, wichtig ist vor allem § 7 (Haftung).",
        "Vielen Dank für die gestrige Präsentation. Unsere Buchhaltung würde gerne noch den "
        "Export nach DATEV sehen.",
    ),
    replies=(
        "Vielen Dank, ich bestätige den Eingang.",
        "Prima, dann sehen wir uns am Dienstag um 10:00 Uhr.",
        "Anbei das aktualisierte Angebot.",
    ),
    closings=("Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße"),
    attribution="Am {date} um {time} schrieb {name}:",
    attachment_names=("Angebot_Änderungen.pdf", "Bestellung Nr. 2026-118.pdf"),
)

EN = Lang(
    code="en",
    charsets=("us-ascii", "utf-8"),
    re="RE:",
    fwd="FW:",
    subjects=(
        "Quotation – CRM licences",
        "Purchase order no.",
        "Invoice no.",
        "Meeting next week",
        "Comments on the contract",
        "Access to the test environment",
        "User training – date",
        "Support renewal for 2027",
        "Documents for Thursday's meeting",
        "Problem importing contacts",
        "Integration with Sage",
        "Payment reminder – invoice no.",
        "Rollout timeline",
        "Thanks for the presentation",
        "Change of contact person",
    ),
    greetings=("Hello,", "Dear {first},", "Hi {first},", "Good morning,"),
    paragraphs=(
        "Thank you for sending the quotation. We went through it with our sales team and are "
        "broadly happy with it, but we would like to clarify the number of licences and the "
        "support terms.",
        "Please find the signed purchase order attached. Could you confirm receipt and the "
        "expected delivery date?",
        "Could we meet next week, on Tuesday or Wednesday afternoon? Ideally at our office, "
        "otherwise on Teams.",
        "When importing contacts from Excel some names lose their accents, e.g. "
        "'Horvath' instead of 'Horváth'. Could you have a look?",
        "Invoice 2026-0915 is now 12 days overdue. Please check and arrange payment, or let me "
        "know if there is a problem with it.",
        "Attached is the draft rollout plan. Phase one (data migration) takes about three "
        "weeks; we would schedule user training for the end of the month.",
        "From 1 December my colleague Charlotte Hughes takes over my accounts. Please contact "
        "her directly from now on.",
        "Our legal team has reviewed the contract. You will find their comments in the "
        "attached document in track-changes mode; the main point concerns clause 7 (liability).",
    ),
    replies=(
        "Thanks, received.",
        "Great, see you on Tuesday at 10:00.",
        "Please find the updated quotation attached.",
    ),
    closings=("Best regards", "Kind regards", "Many thanks"),
    attribution="On {date} at {time}, {name} wrote:",
    attachment_names=("Quotation_2026-117.pdf", "Contract comments.pdf"),
    zone="UK",
)

LANGS: dict[str, Lang] = {x.code: x for x in (SK, CS, PL, UK, RU, DE, EN)}

TLD_LANG = {
    "sk": "sk",
    "cz": "cs",
    "pl": "pl",
    "ua": "uk",
    "ru": "ru",
    "de": "de",
    "at": "de",
    "uk": "en",
    "com": "en",
    "eu": "sk",
}

FREEMAIL_DOMAINS = ("gmail.com", "seznam.cz", "azet.sk", "wp.pl", "mail.ru", "ukr.net")
FREEMAIL_LANG = {
    "gmail.com": "sk",
    "seznam.cz": "cs",
    "azet.sk": "sk",
    "wp.pl": "pl",
    "mail.ru": "ru",
    "ukr.net": "uk",
}

FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sk": (
        (
            "Ján",
            "Peter",
            "Martin",
            "Michal",
            "Jozef",
            "Marek",
            "Juraj",
            "Ľubomír",
            "Dušan",
            "Štefan",
            "Miroslav",
            "Róbert",
            "Igor",
            "Pavol",
        ),
        (
            "Jana",
            "Mária",
            "Zuzana",
            "Katarína",
            "Lucia",
            "Eva",
            "Andrea",
            "Veronika",
            "Simona",
            "Alžbeta",
            "Ľudmila",
            "Monika",
            "Dominika",
        ),
    ),
    "cs": (
        (
            "Jiří",
            "Jan",
            "Petr",
            "Josef",
            "Pavel",
            "Jaroslav",
            "Zdeněk",
            "Ondřej",
            "Lukáš",
            "Radek",
            "Vojtěch",
        ),
        (
            "Marie",
            "Hana",
            "Lenka",
            "Kateřina",
            "Věra",
            "Lucie",
            "Petra",
            "Tereza",
            "Martina",
            "Barbora",
        ),
    ),
    "pl": (
        (
            "Łukasz",
            "Piotr",
            "Krzysztof",
            "Tomasz",
            "Paweł",
            "Michał",
            "Marcin",
            "Grzegorz",
            "Wojciech",
            "Jakub",
        ),
        (
            "Agnieszka",
            "Katarzyna",
            "Małgorzata",
            "Anna",
            "Magdalena",
            "Joanna",
            "Ewa",
            "Aleksandra",
            "Żaneta",
        ),
    ),
    "uk": (
        ("Андрій", "Олександр", "Тарас", "Богдан", "Віктор", "Сергій", "Ігор", "Дмитро", "Юрій"),
        ("Олена", "Ірина", "Оксана", "Наталія", "Юлія", "Марія", "Тетяна", "Світлана"),
    ),
    "ru": (
        ("Дмитрий", "Алексей", "Сергей", "Андрей", "Иван", "Михаил", "Николай", "Артём"),
        ("Елена", "Ольга", "Наталья", "Татьяна", "Анна", "Екатерина", "Ирина"),
    ),
    "de": (
        ("Hans", "Jürgen", "Thomas", "Michael", "Stefan", "Andreas", "Florian", "Günther"),
        ("Sabine", "Claudia", "Elisabeth", "Julia", "Katharina", "Ursula", "Bärbel"),
    ),
    "en": (
        ("Oliver", "James", "Harry", "George", "William", "Daniel"),
        ("Charlotte", "Sarah", "Emily", "Olivia", "Sophie", "Siobhan"),
    ),
}

# (male form, female form)
SURNAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "sk": (
        ("Novák", "Nováková"),
        ("Horváth", "Horváthová"),
        ("Kováč", "Kováčová"),
        ("Varga", "Vargová"),
        ("Tóth", "Tóthová"),
        ("Baláž", "Balážová"),
        ("Lukáč", "Lukáčová"),
        ("Hudák", "Hudáková"),
        ("Mráz", "Mrázová"),
        ("Šimko", "Šimková"),
        ("Ďurica", "Ďuricová"),
        ("Čierny", "Čierna"),
    ),
    "cs": (
        ("Svoboda", "Svobodová"),
        ("Novotný", "Novotná"),
        ("Dvořák", "Dvořáková"),
        ("Černý", "Černá"),
        ("Procházka", "Procházková"),
        ("Kučera", "Kučerová"),
        ("Veselý", "Veselá"),
        ("Němec", "Němcová"),
        ("Růžička", "Růžičková"),
        ("Řezníček", "Řezníčková"),
        ("Šťastný", "Šťastná"),
    ),
    "pl": (
        ("Nowak", "Nowak"),
        ("Kowalski", "Kowalska"),
        ("Wiśniewski", "Wiśniewska"),
        ("Wójcik", "Wójcik"),
        ("Kamiński", "Kamińska"),
        ("Zieliński", "Zielińska"),
        ("Woźniak", "Woźniak"),
        ("Dąbrowski", "Dąbrowska"),
        ("Żółkiewski", "Żółkiewska"),
    ),
    "uk": (
        ("Шевченко", "Шевченко"),
        ("Коваленко", "Коваленко"),
        ("Бондаренко", "Бондаренко"),
        ("Олійник", "Олійник"),
        ("Мельник", "Мельник"),
        ("Поліщук", "Поліщук"),
        ("Гнатюк", "Гнатюк"),
        ("Ґудзь", "Ґудзь"),
    ),
    "ru": (
        ("Иванов", "Иванова"),
        ("Смирнов", "Смирнова"),
        ("Кузнецов", "Кузнецова"),
        ("Попов", "Попова"),
        ("Соколов", "Соколова"),
        ("Фёдоров", "Фёдорова"),
        ("Морозов", "Морозова"),
    ),
    "de": (
        ("Müller", "Müller"),
        ("Schmidt", "Schmidt"),
        ("Weiß", "Weiß"),
        ("Schröder", "Schröder"),
        ("Gruber", "Gruber"),
        ("Huber", "Huber"),
        ("Köhler", "Köhler"),
        ("Pichler", "Pichler"),
    ),
    "en": (
        ("Bennett", "Bennett"),
        ("Hughes", "Hughes"),
        ("Collins", "Collins"),
        ("O'Brien", "O'Brien"),
        ("Whitmore", "Whitmore"),
        ("Wright", "Wright"),
    ),
}

# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

_CYR = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъё",
        [
            "a",
            "b",
            "v",
            "h",
            "g",
            "d",
            "e",
            "ie",
            "zh",
            "z",
            "y",
            "i",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "iu",
            "ia",
            "y",
            "e",
            "",
            "e",
        ],
        strict=True,
    )
)
_SPECIAL_LATIN = {"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "đ": "d"}


def translit(text: str) -> str:
    """Lower-case ASCII form of a name, for building e-mail local parts."""
    out = []
    for ch in text.lower():
        if ch in _CYR:
            out.append(_CYR[ch])
        elif ch in _SPECIAL_LATIN:
            out.append(_SPECIAL_LATIN[ch])
        else:
            out.append(ch)
    s = unicodedata.normalize("NFKD", "".join(out))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9.'-]", "", s.replace(" ", "."))


_FALLBACK = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "«": '"',
        "»": '"',
        "€": "EUR",
        "\u00a0": " ",
        "№": "N",
        "§": "par.",
    }
)


def fit_charset(text: str, charset: str, *, lossy: bool = False) -> str:
    """Replace typographic punctuation the charset cannot hold.

    Letters that still do not fit raise ``UnicodeEncodeError`` (choosing a charset that
    cannot hold the language is a bug), unless ``lossy``: then they lose their accents
    ("Horváth" in koi8-r becomes "Horvath"), the way old mailers degrade foreign names.
    """
    try:
        text.encode(charset)
        return text
    except UnicodeEncodeError:
        fitted = text.translate(_FALLBACK)
        if lossy:
            fitted = "".join(ch if _encodable(ch, charset) else _strip_accents(ch) for ch in fitted)
        fitted.encode(charset)
        return fitted


def _strip_accents(ch: str) -> str:
    base = "".join(
        c
        for c in unicodedata.normalize("NFKD", _SPECIAL_LATIN.get(ch, ch))
        if not unicodedata.combining(c)
    )
    return base if base.isascii() and base else "?"


_Q_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def _q(data: bytes) -> str:
    return "".join(chr(b) if b in _Q_SAFE else ("_" if b == 0x20 else f"={b:02X}") for b in data)


def encode_words(
    text: str, charset: str = "utf-8", enc: str = "b", *, upper: bool = False, maxlen: int = 75
) -> list[str]:
    """RFC 2047 encoded words for ``text``, each <= ``maxlen``, never splitting a character.

    ``enc`` is "b" or "q"; ``upper`` writes the charset and the B/Q letter in upper case,
    the way Outlook does (``=?UTF-8?B?``), otherwise lower case like Thunderbird.
    """
    cs = charset.upper() if upper else charset
    tag = enc.upper() if upper else enc.lower()
    prefix, suffix = f"=?{cs}?{tag}?", "?="
    room = maxlen - len(prefix) - len(suffix)

    def encode(chunk: str) -> str:
        raw = chunk.encode(charset)
        return base64.b64encode(raw).decode("ascii") if enc.lower() == "b" else _q(raw)

    words: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(encode(chunk + ch)) > room:
            words.append(prefix + encode(chunk) + suffix)
            chunk = ch
        else:
            chunk += ch
    if chunk:
        words.append(prefix + encode(chunk) + suffix)
    return words


def fold(tokens: Sequence[str], first_line_used: int, width: int = 76) -> str:
    """Join header tokens with spaces, folding (CRLF-less, '\\n ') at ``width``."""
    out: list[str] = []
    used = first_line_used
    for tok in tokens:
        if not out:
            out.append(tok)
            used += len(tok)
        elif used + 1 + len(tok) > width:
            out.append("\n " + tok)
            used = 1 + len(tok)
        else:
            out.append(" " + tok)
            used += 1 + len(tok)
    return "".join(out)


def header_tokens(
    text: str,
    charset: str = "utf-8",
    enc: str = "b",
    *,
    upper: bool = False,
    cache: dict[tuple[str, str, str, bool], list[str]] | None = None,
) -> list[str]:
    """Tokens of an unstructured header value, ready for :func:`fold`.

    Leading and trailing ASCII words (``Re:``, ``Fwd:``, an order number) stay readable the
    way mail clients leave them; the non-ASCII core becomes RFC 2047 encoded words (the
    spaces inside the core are encoded too, since decoders drop blanks between encoded words).
    """
    if charset.lower() != "utf-8":
        text = fit_charset(text, charset)
    words = text.split(" ")
    if text.isascii():
        return words
    lo, hi = 0, len(words)
    while lo < hi and words[lo].isascii() and words[lo]:
        lo += 1
    while hi > lo and words[hi - 1].isascii() and words[hi - 1]:
        hi -= 1
    core = " ".join(words[lo:hi])
    key = (core, charset, enc, upper)
    ews = cache.get(key) if cache is not None else None
    if ews is None:
        ews = encode_words(core, charset, enc, upper=upper)
        if cache is not None:
            cache[key] = ews
    return words[:lo] + ews + words[hi:]


def encode_header_text(
    text: str,
    charset: str = "utf-8",
    enc: str = "b",
    *,
    header: str = "Subject",
    upper: bool = False,
) -> str:
    """Unstructured header value (e.g. a Subject) with RFC 2047 words, folded at 76."""
    return fold(header_tokens(text, charset, enc, upper=upper), len(header) + 2)


_ATOM_OK = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")


def format_address(
    name: str | None, addr: str, charset: str = "utf-8", enc: str = "b", *, upper: bool = False
) -> str:
    """``Name <addr>`` with the display name quoted or RFC 2047 encoded as needed."""
    if not name:
        return addr
    if name.isascii():
        if _ATOM_OK.match(name):
            return f"{name} <{addr}>"
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{addr}>'
    charset = charset if _encodable(name, charset) else "utf-8"
    return " ".join(encode_words(name, charset, enc, upper=upper)) + f" <{addr}>"


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
        return True
    except UnicodeEncodeError:
        return False


def format_address_list(
    items: Sequence[tuple[str | None, str]],
    header: str,
    charset: str,
    enc: str,
    *,
    upper: bool = False,
) -> str:
    parts = [format_address(n, a, charset, enc, upper=upper) for n, a in items]
    tokens: list[str] = []
    for i, p in enumerate(parts):
        tokens.extend((p + ("," if i < len(parts) - 1 else "")).split(" "))
    return fold(tokens, len(header) + 2)


# ---------------------------------------------------------------------------
# Dates: fixed rules so output never depends on the installed tzdata
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _last_sunday(year: int, month: int) -> datetime:
    d = datetime(year, month + 1, 1, 1, 0, tzinfo=UTC) - timedelta(days=1)
    while d.weekday() != 6:
        d -= timedelta(days=1)
    return d.replace(hour=1)


def local_offset(when: datetime, zone: str) -> timezone:
    """UTC offset of ``zone`` ("CET", "EET", "MSK", "UK", "UTC") at ``when`` (aware, UTC).

    EU summer time: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    """
    if zone == "MSK":
        return timezone(timedelta(hours=3))
    if zone == "UTC":
        return UTC
    base = {"CET": 1, "EET": 2, "UK": 0}[zone]
    summer = _last_sunday(when.year, 3) <= when < _last_sunday(when.year, 10)
    return timezone(timedelta(hours=base + (1 if summer else 0)))


def rfc5322_date(when: datetime, zone: str = "CET", *, comment: bool = False) -> str:
    """RFC 5322 date of the UTC instant ``when`` as a mailer in ``zone`` would write it."""
    local = when.astimezone(local_offset(when, zone))
    s = format_datetime(local)
    if comment:
        names = {
            ("CET", 1): "CET",
            ("CET", 2): "CEST",
            ("EET", 2): "EET",
            ("EET", 3): "EEST",
            ("UK", 0): "GMT",
            ("UK", 1): "BST",
            ("MSK", 3): "MSK",
        }
        hours = int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
        s += f" ({names.get((zone, hours), 'UTC')})"
    return s


# ---------------------------------------------------------------------------
# Validation helper (used by --check and by gen_demo)
# ---------------------------------------------------------------------------


def decode_check(raw: bytes) -> dict[str, object]:
    """Parse ``raw`` with the stdlib (policy.default) and return decoded essentials.

    Raises if a text part cannot be decoded with its declared charset.
    """
    import email
    import email.policy

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out: dict[str, object] = {
        "subject": str(msg.get("subject", "")),
        "from": [(a.display_name, a.addr_spec) for a in msg["from"].addresses]
        if msg.get("from")
        else [],
        "message_id": msg.get("message-id"),
        "defects": [type(d).__name__ for d in msg.defects],
    }
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            cs = part.get_content_charset() or "us-ascii"
            payload = part.get_payload(decode=True) or b""
            assert isinstance(payload, bytes)
            texts.append(payload.decode(cs))  # strict: a wrong declaration must fail
    out["texts"] = texts
    out["attachments"] = [p.get_filename() for p in msg.iter_attachments()]
    return out


# ---------------------------------------------------------------------------
# Fast bulk generator
# ---------------------------------------------------------------------------

OWNER = ("Peter Horváth", "peter.horvath@tatrasoft.sk")
COLLEAGUES = (
    ("Zuzana Kováčová", "zuzana.kovacova@tatrasoft.sk"),
    ("Tomáš Dvořák", "tomas.dvorak@tatrasoft.cz"),
    ("Jana Malá", "jana.mala@tatrasoft.sk"),
)

_STEMS = (
    "tatra",
    "dunaj",
    "vah",
    "hron",
    "javor",
    "sokol",
    "karpat",
    "morava",
    "vltava",
    "odra",
    "wisla",
    "dnipro",
    "volga",
    "alpen",
    "donau",
    "beskyd",
    "fatra",
    "orava",
    "polonyna",
    "krkonose",
    "mazury",
    "podil",
    "sever",
    "zapad",
    "stred",
    "vychod",
)
_SUFFIXES = (
    "tech",
    "stav",
    "trans",
    "agro",
    "soft",
    "servis",
    "logistik",
    "plast",
    "metal",
    "data",
    "energo",
    "pharm",
    "trade",
    "invest",
    "bau",
    "textil",
)
_TLDS = (
    "sk",
    "sk",
    "cz",
    "cz",
    "pl",
    "com.pl",
    "com.ua",
    "ua",
    "ru",
    "de",
    "at",
    "eu",
    "com",
    "co.uk",
)

_NEWSLETTERS = (
    (
        "CRM Insider",
        "news@crminsider.eu",
        "weekly.crminsider.eu",
        "en",
        "CRM Insider Weekly: 7 trends in sales automation",
    ),
    (
        "Podnikateľ News",
        "newsletter@podnikatel-news.sk",
        "ranny-brifing.podnikatel-news.sk",
        "sk",
        "Ranný brífing: zmeny DPH od januára",
    ),
    (
        "Biznes Tygodnik",
        "newsletter@biznes-tygodnik.pl",
        "tygodnik.biznes-tygodnik.pl",
        "pl",
        "Tygodnik: KSeF – co musisz wiedzieć przed lutym",
    ),
    (
        "GDPR Akademie",
        "webinare@gdpr-akademie.cz",
        "webinare.gdpr-akademie.cz",
        "cs",
        "Pozvánka na webinář: GDPR v praxi obchodníka",
    ),
)

_HTML_HEAD = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
    "<style>p{{margin:0 0 8pt 0;font-family:Calibri,Arial,sans-serif;font-size:11pt}}"
    '</style></head>\n<body lang="{lang}">\n<div class="WordSection1">\n'
)
_HTML_TAIL = "</div>\n</body></html>\n"

_OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
    'office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft'
    '.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
    '<meta http-equiv="Content-Type" content="text/html; charset={cs}">\n'
    '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
    '<style><!--\n/* Font Definitions */\n@font-face\n\t{{font-family:"Cambria Math";\n'
    "\tpanose-1:2 4 5 3 5 4 6 3 2 4;}}\n@font-face\n\t{{font-family:Calibri;\n"
    "\tpanose-1:2 15 5 2 2 2 4 3 2 4;}}\n@font-face\n\t{{font-family:Aptos;}}\n"
    "/* Style Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{{margin:0cm;\n"
    '\tfont-size:11.0pt;\n\tfont-family:"Calibri",sans-serif;\n\tmso-ligatures:'
    "standardcontextual;\n\tmso-fareast-language:EN-US;}}\na:link, span.MsoHyperlink\n"
    "\t{{mso-style-priority:99;\n\tcolor:#0563C1;\n\ttext-decoration:underline;}}\n"
    'span.EmailStyle17\n\t{{mso-style-type:personal-compose;\n\tfont-family:"Calibri",'
    "sans-serif;\n\tcolor:windowtext;}}\n.MsoChpDefault\n\t{{mso-style-type:export-only;\n"
    "\tfont-size:10.0pt;\n\tmso-ligatures:none;}}\n@page WordSection1\n\t{{size:612.0pt "
    "792.0pt;\n\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}}\ndiv.WordSection1\n\t{{page:"
    'WordSection1;}}\n--></style><!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" '
    'spidmax="1026" />\n</xml><![endif]--><!--[if gte mso 9]><xml>\n<o:shapelayout '
    'v:ext="edit">\n<o:idmap v:ext="edit" data="1" />\n</o:shapelayout></xml>'
    '<![endif]-->\n</head>\n<body lang="{lang}" link="#0563C1" vlink="#954F72" '
    'style="word-wrap:break-word">\n<div class="WordSection1">\n'
)

_INTERNAL_SUFFIXES = ("@tatrasoft.sk", "@tatrasoft.cz")

_DKIM_B = "\tb={b64}"

_EXCHANGE_HEADERS = (
    "X-MS-Exchange-Organization-SCL: 1\n"
    "X-MS-TNEF-Correlator:\n"
    "X-MS-Has-Attach:\n"
    "X-MS-Exchange-Organization-AuthAs: Anonymous\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: {a:016x}-8f3e-4c2b-{n}a1d-08de1c2b9f4e\n"
    "X-MS-Exchange-CrossTenant-id: {tid:032x}\n"
    "X-MS-Exchange-CrossTenant-AuthSource: VI1PR0{n}MB7215.eurprd0{n}.prod.outlook.com\n"
    "X-MS-Exchange-CrossTenant-AuthAs: Internal\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: AS8PR0{n}MB9134\n"
    "X-Microsoft-Antispam: BCL:0;ARA:13230040|1800799024|366016|376014|38070700018;\n"
    "X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;LANG:sk;SCL:1;SRV:;IPV:NLI;SFV:NSPM;"
    "H:VI1PR0{n}MB7215.eurprd0{n}.prod.outlook.com;PTR:;CAT:NONE;\n"
    "\tSFS:(13230040)(1800799024)(366016)(376014)(38070700018);DIR:OUT;SFP:1102"
)

DISCLAIMERS = {
    "sk": "Táto správa a jej prílohy sú dôverné a určené výhradne adresátovi. Ak ste ju "
    "dostali omylom, informujte, prosím, odosielateľa a správu vymažte. Akékoľvek "
    "kopírovanie alebo šírenie obsahu bez súhlasu odosielateľa je zakázané. Informácie "
    "o spracúvaní osobných údajov nájdete na našej webovej stránke v časti GDPR.",
    "cs": "Tato zpráva a její přílohy jsou důvěrné a určené výhradně adresátovi. Pokud jste ji "
    "obdrželi omylem, informujte prosím odesílatele a zprávu smažte. Jakékoli kopírování "
    "nebo šíření obsahu bez souhlasu odesílatele je zakázáno. Informace o zpracování "
    "osobních údajů naleznete na našem webu v sekci GDPR.",
    "pl": "Treść tej wiadomości i jej załączniki są poufne i przeznaczone wyłącznie dla "
    "adresata. Jeżeli otrzymali Państwo tę wiadomość omyłkowo, prosimy o powiadomienie "
    "nadawcy i jej usunięcie. Administratorem danych osobowych jest nadawca; szczegóły "
    "w polityce prywatności na naszej stronie internetowej (RODO).",
    "uk": "Це повідомлення та вкладення до нього є конфіденційними і призначені виключно для "
    "адресата. Якщо ви отримали його помилково, будь ласка, повідомте відправника та "
    "видаліть повідомлення. Будь-яке копіювання чи поширення змісту без згоди "
    "відправника заборонено.",
    "ru": "Настоящее сообщение и вложения к нему являются конфиденциальными и предназначены "
    "исключительно для адресата. Если вы получили его по ошибке, пожалуйста, сообщите "
    "отправителю и удалите сообщение. Любое копирование или распространение содержания "
    "без согласия отправителя запрещено.",
    "de": "Diese E-Mail und ihre Anhänge sind vertraulich und ausschließlich für den "
    "Adressaten bestimmt. Wenn Sie diese Nachricht irrtümlich erhalten haben, "
    "benachrichtigen Sie bitte den Absender und löschen Sie die Nachricht. Das "
    "unerlaubte Kopieren oder Weitergeben ist nicht gestattet.",
    "en": "This e-mail and any attachments are confidential and intended solely for the "
    "addressee. If you have received it in error, please notify the sender and delete "
    "it. Any copying or distribution of its contents without the sender's consent is "
    "prohibited. Registered in England and Wales.",
}


@dataclass
class _Person:
    name: str
    addr: str
    lang: str
    charset: str
    mailer: int


@dataclass
class _Pools:
    """Per-(lang, charset) pre-encoded fragments."""

    paragraphs: list[bytes] = field(default_factory=list)
    html_paragraphs: list[bytes] = field(default_factory=list)
    quoted: list[bytes] = field(default_factory=list)
    html_quoted: list[bytes] = field(default_factory=list)
    greetings: list[bytes] = field(default_factory=list)
    closings: list[bytes] = field(default_factory=list)
    replies: list[bytes] = field(default_factory=list)
    disclaimer: bytes = b""
    html_disclaimer: bytes = b""
    outlook_head: bytes = b""
    html_head: bytes = b""


_MAILERS = (
    # (header line, header encoding, upper-case encoded words)
    ("User-Agent: Mozilla Thunderbird", "q", False),
    ("X-Mailer: Microsoft Outlook 16.0", "q", True),
    ("X-Mailer: Apple Mail (2.3774.300.61.1.2)", "q", False),
    ("User-Agent: Roundcube Webmail/1.6.9", "b", False),
    ("X-Mailer: The Bat! (v11.2.1) Professional", "b", True),
    ("", "b", True),  # Gmail web: no mailer header
)


def _name_for(rng: random.Random, lang: str) -> str:
    female = rng.random() < 0.45
    first = rng.choice(FIRST_NAMES[lang][1 if female else 0])
    last = rng.choice(SURNAMES[lang])[1 if female else 0]
    return f"{first} {last}"


def _local_part(rng: random.Random, name: str) -> str:
    first, _, last = name.partition(" ")
    f, la = translit(first), translit(last).replace("'", "")
    return rng.choice((f"{f}.{la}", f"{f[:1]}.{la}", f"{f[:1]}{la}", f, f"{la}.{f}"))


def _split_domains(value: object) -> list[str]:
    if isinstance(value, str):
        return [d.strip().lower() for d in value.split(";") if d.strip()]
    if isinstance(value, Iterable):
        return [str(d).strip().lower() for d in value if str(d).strip()]
    return []


def _lang_for_domain(domain: str) -> str:
    if domain in FREEMAIL_LANG:
        return FREEMAIL_LANG[domain]
    return TLD_LANG.get(domain.rsplit(".", 1)[-1], "en")


class _Generator:
    def __init__(
        self,
        seed: int,
        owner: tuple[str, str],
        domains: Sequence[str] | None,
        companies: Sequence[Mapping[str, object]] | None,
        contacts: Sequence[Mapping[str, object]] | None,
        start: datetime,
        end: datetime,
        quirks: bool,
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.owner = owner
        self.start, self.end = start, end
        self.quirks = quirks
        self.pools: dict[tuple[str, str], _Pools] = {}
        self.ew_cache: dict[tuple[str, str, str, bool], str] = {}
        self.tok_cache: dict[tuple[str, str, str, bool], list[str]] = {}
        self.people = self._people(domains, companies, contacts)
        self.freemail_people = [p for p in self.people if p.addr.split("@")[1] in FREEMAIL_LANG]
        self.attachments = self._attachments()
        self.recent: deque[tuple[str, str, str, str, _Person, bool]] = deque(maxlen=400)
        self.owner_sig = (
            f"-- \n{owner[0]}\nKey Account Manager\nTatra Soft s.r.o. | Mlynské nivy 12, "
            "821 09 Bratislava\nTel.: +421 2 3300 4410\nhttps://www.tatrasoft.sk\n"
        )

    # -- people ------------------------------------------------------------
    def _person(self, name: str, addr: str, lang: str | None = None) -> _Person:
        rng = self.rng
        lang = lang or _lang_for_domain(addr.rsplit("@", 1)[-1])
        L = LANGS[lang]
        charset = L.charsets[0] if rng.random() < 0.55 else rng.choice(L.charsets)
        if not _encodable(name, charset):
            charset = "utf-8"
        return _Person(name, addr, lang, charset, rng.randrange(len(_MAILERS)))

    def _people(
        self,
        domains: Sequence[str] | None,
        companies: Sequence[Mapping[str, object]] | None,
        contacts: Sequence[Mapping[str, object]] | None,
    ) -> list[_Person]:
        rng = self.rng
        people: list[_Person] = []
        seen: set[str] = set()

        def add(name: str, addr: str, lang: str | None = None) -> None:
            addr = addr.strip().lower()
            if addr and addr not in seen:
                seen.add(addr)
                people.append(self._person(name, addr, lang))

        for c in contacts or ():
            for a in _split_domains(c.get("email", "")):
                add(str(c.get("name") or ""), a)
        all_domains: list[str] = list(domains or ())
        for co in companies or ():
            all_domains.extend(_split_domains(co.get("domains", "")))
        if not all_domains and not contacts:
            made: set[str] = set()
            while len(made) < 300:
                made.add(f"{rng.choice(_STEMS)}{rng.choice(_SUFFIXES)}.{rng.choice(_TLDS)}")
            all_domains = sorted(made)
        for dom in all_domains:
            lang = _lang_for_domain(dom)
            for _ in range(rng.randint(1, 4)):
                name = _name_for(rng, lang)
                add(name, f"{_local_part(rng, name)}@{dom}", lang)
        for dom in FREEMAIL_DOMAINS:
            lang = FREEMAIL_LANG[dom]
            for _ in range(max(2, len(people) // 40)):
                name = _name_for(rng, lang)
                add(name, f"{_local_part(rng, name)}{rng.randint(1, 99)}@{dom}", lang)
        return people

    # -- fragments ---------------------------------------------------------
    def pool(self, lang: str, charset: str) -> _Pools:
        key = (lang, charset)
        p = self.pools.get(key)
        if p is None:
            L = LANGS[lang]
            p = _Pools()

            def enc(s: str) -> bytes:
                return fit_charset(s, charset).encode(charset)

            for para in L.paragraphs:
                try:
                    fit_charset(para, charset)
                except UnicodeEncodeError:
                    continue  # e.g. a mojibake example that only exists in windows-125x
                wrapped = _wrap(para)
                p.paragraphs.append(enc(wrapped + "\n\n"))
                p.html_paragraphs.append(
                    enc('<p class="MsoNormal">' + html.escape(para, quote=False) + "</p>\n")
                )
                p.quoted.append(
                    enc("".join("> " + ln + "\n" for ln in wrapped.split("\n")) + ">\n")
                )
                p.html_quoted.append(
                    enc(
                        '<blockquote style="border:none;border-left:solid #B5C4DF 1.5pt;'
                        'padding:0 0 0 4pt"><p class="MsoNormal">'
                        + html.escape(para, quote=False)
                        + "</p></blockquote>\n"
                    )
                )
            p.greetings = [enc(g + "\n\n") for g in L.greetings]
            p.closings = [enc(c + "\n\n") for c in L.closings]
            p.replies = [enc(r + "\n\n") for r in L.replies]
            disc = fit_charset(DISCLAIMERS[lang], charset, lossy=True)
            p.disclaimer = ("\n" + _wrap(disc, 78) + "\n").encode(charset)
            p.html_disclaimer = (
                '<p style="font-size:7.5pt;color:gray">' + html.escape(disc) + "</p>\n"
            ).encode(charset)
            p.outlook_head = _OUTLOOK_HEAD.format(cs=charset, lang=lang).encode("ascii")
            p.html_head = _HTML_HEAD.format(cs=charset, lang=lang).encode("ascii")
            self.pools[key] = p
        return p

    def ew(self, text: str, charset: str, enc: str, upper: bool, header: str = "Subject") -> str:
        toks = header_tokens(text, charset, enc, upper=upper, cache=self.tok_cache)
        return fold(toks, len(header) + 2)

    def addr(self, p: _Person, charset: str, enc: str, upper: bool) -> str:
        key = (p.name + "\x00" + p.addr, charset, enc, upper)
        v = self.ew_cache.get(key)
        if v is None:
            v = format_address(p.name, p.addr, charset, enc, upper=upper)
            self.ew_cache[key] = v
        return v

    def _attachments(self) -> list[tuple[bytes, int]]:
        rng = random.Random(self.seed ^ 0x5EED)
        blobs = []
        for size in (2_500, 6_000, 11_000, 18_000, 26_000, 60_000):
            body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(size) + b"\n%%EOF\n"
            blobs.append((base64.encodebytes(body), len(body)))
        return blobs

    # -- one message -------------------------------------------------------
    def message(self, i: int, when: datetime) -> tuple[str, bytes]:
        rng = self.rng
        r = rng.random()
        if r < 0.06:
            return "INBOX", self.newsletter(i, when)

        # Thread: a reply goes the other way than the message it answers.
        reply_to = None
        if self.recent and rng.random() < 0.35:
            reply_to = self.recent[rng.randrange(len(self.recent))]
            other = reply_to[4]
            outbound = not reply_to[5]
        elif r < 0.10:
            other = _Person(*rng.choice(COLLEAGUES), "sk", "utf-8", 0)
            outbound = rng.random() < 0.5
        else:
            if rng.random() < 0.08 and self.freemail_people:
                other = rng.choice(self.freemail_people)
            else:
                other = rng.choice(self.people)
            outbound = r < 0.36
        internal = other.addr.endswith(_INTERNAL_SUFFIXES)
        lang = other.lang
        L = LANGS[lang]
        if outbound:
            charset, mailer_idx = "utf-8", 0
        else:
            charset, mailer_idx = other.charset, other.mailer
        mailer, henc, upper = _MAILERS[mailer_idx]
        outlook = mailer_idx == 1
        domain = other.addr.rsplit("@", 1)[1]
        disclaimer = outbound or (
            not internal and domain not in FREEMAIL_LANG and (other.mailer % 2 == 1)
        )

        # subject + threading
        if reply_to is not None:
            base_subject, parent_id, parent_refs = reply_to[1], reply_to[0], reply_to[2]
            subject_text = f"{L.re} {base_subject}"
            refs = (parent_refs + " " + parent_id).strip()
            if len(refs) > 900:  # keep the tail, the way mailers trim References
                refs = " ".join(refs.split(" ")[-8:])
        else:
            s = rng.choice(L.subjects)
            if s.endswith(("č.", "nr", "№", "Nr.", "no.")):
                s = f"{s} 2026/{rng.randint(1, 9999):04d}"
            base_subject, parent_id, refs = s, "", ""
            subject_text = s
        sender = self.owner if outbound else (other.name, other.addr)
        msgid_domain = self.owner[1].rsplit("@", 1)[1] if outbound else domain
        if outlook:
            msgid = (
                f"<{rng.getrandbits(48):012x}${rng.getrandbits(32):08x}"
                f"${rng.getrandbits(32):08x}@{msgid_domain}>"
            )
        else:
            msgid = f"<{rng.getrandbits(64):016x}.{i}@{msgid_domain}>"

        # body text
        pool = self.pool(lang, charset)
        chunks: list[bytes] = []
        gi = rng.randrange(len(L.greetings))
        if "{first}" in L.greetings[gi]:
            addressee = (other.name if outbound else self.owner[0]).split(" ")[0]
            greeting = L.greetings[gi].format(first=addressee) + "\n\n"
            chunks.append(fit_charset(greeting, charset, lossy=True).encode(charset))
        else:
            chunks.append(pool.greetings[gi])
        if reply_to is not None:
            chunks.append(pool.replies[rng.randrange(len(pool.replies))])
        n_par = min(len(pool.paragraphs), 3 + int(rng.expovariate(0.35)))
        picked = rng.sample(range(len(pool.paragraphs)), n_par)
        chunks.extend(pool.paragraphs[k] for k in picked)
        quoted: list[int] = []
        chunks.append(pool.closings[rng.randrange(len(pool.closings))])
        sig = self.owner_sig if outbound else f"-- \n{other.name}\n"
        chunks.append(fit_charset(sig, charset, lossy=True).encode(charset))
        if disclaimer:
            chunks.append(pool.disclaimer)
        if reply_to is not None:
            earlier = when - timedelta(hours=rng.randint(2, 70), minutes=rng.randint(0, 59))
            attr = L.attribution.format(
                date=earlier.strftime("%d.%m.%Y"),
                time=earlier.strftime("%H:%M"),
                name=(other.name if outbound else self.owner[0]),
            )
            chunks.append(b"\n" + fit_charset(attr, charset, lossy=True).encode(charset) + b"\n")
            depth = 1 + refs.count("<")
            quoted = rng.sample(range(len(pool.quoted)), min(len(pool.quoted), 1 + depth * 2))
            chunks.extend(pool.quoted[k] for k in quoted)
        text = b"".join(chunks)

        # MIME structure
        mode = rng.random()
        tag = f"{self.seed:x}_{i:x}"
        if mode < 0.3:
            part = _text_part("plain", charset, text, rng, flowed=mailer_idx == 0)
        elif mode < 0.87:
            html_body = self._html(pool, picked, quoted, outlook, disclaimer)
            part = _multipart(
                "alternative",
                f"----=_NextPart_{tag}_alt",
                [
                    _text_part("plain", charset, text, rng),
                    _text_part("html", charset, html_body, rng),
                ],
            )
        else:
            html_body = self._html(pool, picked, quoted, outlook, disclaimer)
            part = _text_part("html", charset, html_body, rng)
        if rng.random() < 0.15:
            blob = self.attachments[min(5, int(rng.expovariate(0.6)))][0]
            fname = rng.choice(L.attachment_names)
            if rng.random() < 0.7:
                fn_param = "filename*=utf-8''" + _pct(fname)  # RFC 2231
            else:  # Outlook-style RFC 2047 inside a quoted parameter
                fn_param = 'filename="' + " ".join(encode_words(fname, "utf-8", "b")) + '"'
            att_head = (
                f'Content-Type: application/pdf; name="{translit(fname.rsplit(".", 1)[0])}.pdf"\n'
                f"Content-Transfer-Encoding: base64\nContent-Disposition: attachment;\n"
                f" {fn_param}\n"
            ).encode("ascii")
            part = _multipart("mixed", f"----=_Part_{tag}_mix", [part, (att_head, blob)])

        # headers
        h: list[str] = []
        if not outbound:
            h.append(f"Return-Path: <{sender[1]}>")
            h.append(f"Delivered-To: {self.owner[1]}")
            h.append(
                f"Received: from mail.{domain} (mail.{domain} [{_ip(rng)}])\n\tby mx1.tatrasoft.sk"
                f" (Postfix) with ESMTPS id {rng.getrandbits(40):010X}\n\tfor <{self.owner[1]}>; "
                f"{rfc5322_date(when, 'CET')}"
            )
            if not internal:
                h.append(
                    f"Authentication-Results: mx1.tatrasoft.sk;\n\tdkim=pass header.d={domain}"
                    f" header.s=s1 header.b={rng.getrandbits(48):012x};\n\tspf=pass "
                    f"smtp.mailfrom={sender[1]};\n\tdmarc=pass (p=none) header.from={domain}"
                )
                h.append(
                    f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\n"
                    f"\tt={int(when.timestamp())}; h=from:to:subject:date:message-id;\n"
                    f"\tbh={base64.b64encode(rng.randbytes(32)).decode()};\n"
                    + _DKIM_B.format(b64=base64.b64encode(rng.randbytes(256)).decode())
                )
            if outlook:
                h.append(
                    _EXCHANGE_HEADERS.format(
                        tid=rng.getrandbits(128), a=rng.getrandbits(64), n=rng.randint(1, 9)
                    )
                )
        zone = L.zone if not outbound else "CET"
        if not (self.quirks and rng.random() < 0.001):
            h.append("Date: " + rfc5322_date(when - timedelta(seconds=rng.randint(3, 90)), zone))
        from_p = _Person(sender[0], sender[1], lang, charset, 0)
        h.append("From: " + self.addr(from_p, charset, henc, upper))
        to_p = other if outbound else _Person(self.owner[0], self.owner[1], "sk", "", 0)
        h.append("To: " + self.addr(to_p, charset, henc, upper))
        if rng.random() < 0.2:
            cc = (
                rng.choice(self.people)
                if rng.random() < 0.5
                else _Person(*rng.choice(COLLEAGUES), "sk", "utf-8", 0)
            )
            h.append("Cc: " + self.addr(cc, charset, henc, upper))
        h.append("Subject: " + self.ew(subject_text, charset, henc, upper))
        if not (self.quirks and rng.random() < 0.005):
            h.append("Message-ID: " + msgid)
        if parent_id:
            h.append("In-Reply-To: " + parent_id)
            h.append("References: " + fold(refs.split(" "), 12))
        if outlook:
            h.append(f"Thread-Topic: {self.ew(base_subject, charset, henc, upper, 'Thread-Topic')}")
            h.append(
                "Content-Language: "
                + {
                    "sk": "sk-SK",
                    "cs": "cs-CZ",
                    "pl": "pl-PL",
                    "uk": "uk-UA",
                    "ru": "ru-RU",
                    "de": "de-AT",
                    "en": "en-GB",
                }[lang]
            )
        h.append("MIME-Version: 1.0")
        if mailer:
            h.append(mailer)
        head = "\n".join(h) + "\n"
        if self.quirks and rng.random() < 0.005:
            # RFC 6532 style: raw UTF-8 in a header instead of encoded words
            head = head.replace(
                "Subject: " + self.ew(subject_text, charset, henc, upper),
                "Subject: " + subject_text,
            )
            head_b = head.encode("utf-8")
        else:
            head_b = head.encode("ascii")
        raw = head_b + part[0] + b"\n" + part[1]
        self.recent.append((msgid, base_subject, refs, lang, other, outbound))
        return (".Sent" if outbound else "INBOX"), raw

    @staticmethod
    def _html(
        pool: _Pools, picked: Sequence[int], quoted: Sequence[int], outlook: bool, disclaimer: bool
    ) -> bytes:
        return b"".join(
            (
                pool.outlook_head if outlook else pool.html_head,
                *(pool.html_paragraphs[k] for k in picked),
                pool.html_disclaimer if disclaimer else b"",
                b'<hr style="border:none;border-top:solid #E1E1E1 1.0pt">\n' if quoted else b"",
                *(pool.html_quoted[k] for k in quoted),
                _HTML_TAIL.encode("ascii"),
            )
        )

    def newsletter(self, i: int, when: datetime) -> bytes:
        rng = self.rng
        name, addr, list_id, lang, subject = _NEWSLETTERS[rng.randrange(len(_NEWSLETTERS))]
        pool = self.pool(lang, "utf-8")
        paras = rng.sample(pool.html_paragraphs, min(len(pool.html_paragraphs), 6))
        body_html = (
            _HTML_HEAD.format(cs="utf-8", lang=lang).encode()
            + b"".join(paras) * 3
            + b'<p><a href="https://'
            + list_id.encode()
            + b'/u">Unsubscribe</a></p>'
            + _HTML_TAIL.encode()
        )
        ct, body = _text_part("html", "utf-8", body_html, rng, cte="quoted-printable")
        ct += b"\n"
        h = [
            f"Return-Path: <bounce-{rng.getrandbits(32):08x}@{addr.split('@')[1]}>",
            "Date: " + rfc5322_date(when, "UTC"),
            "From: " + format_address(name, addr, "utf-8", "q"),
            f"To: {self.owner[1]}",
            "Subject: " + self.ew(subject, "utf-8", "q", False),
            f"Message-ID: <nl.{i}.{rng.getrandbits(48):012x}@{addr.split('@')[1]}>",
            f"List-Id: {name.encode('ascii', 'ignore').decode()} <{list_id}>",
            f"List-Unsubscribe: <https://{list_id}/u?{i}>, <mailto:unsubscribe@{list_id}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Precedence: bulk",
            "MIME-Version: 1.0",
        ]
        return ("\n".join(h) + "\n").encode("ascii") + ct + body

    def run(self, n: int) -> Iterator[tuple[str, bytes]]:
        """Spread ``n`` messages over working days, 07:00-19:00 Central European time."""
        days = []
        d = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        while d < self.end:
            if d.weekday() < 5:
                days.append(d)
            d += timedelta(days=1)
        rng = self.rng
        per_day = n / len(days)
        for i in range(n):
            day = days[min(len(days) - 1, int(i / per_day))]
            frac = (i % per_day) / per_day if per_day >= 1 else rng.random()
            secs = int((frac * 0.85 + rng.random() * 0.15) * 12 * 3600)
            when = day + timedelta(hours=5, seconds=secs)  # 05:00 UTC = 07:00 CEST
            yield self.message(i, when)


def _wrap(text: str, width: int = 74) -> str:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _pct(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8"), safe="")


def _ip(rng: random.Random) -> str:
    a, b, c, d = rng.randint(5, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
    return f"{a}.{b}.{c}.{d}"


def _text_part(
    subtype: str,
    charset: str,
    data: bytes,
    rng: random.Random,
    *,
    flowed: bool = False,
    cte: str | None = None,
) -> tuple[bytes, bytes]:
    """A MIME text part: (Content-* header lines, encoded body)."""
    if cte is None:
        if charset == "us-ascii":
            cte = "7bit"
        else:
            r = rng.random()
            cte = "8bit" if r < 0.45 else ("quoted-printable" if r < 0.85 else "base64")
    if cte == "base64":
        body = base64.encodebytes(data)
    elif cte == "quoted-printable":
        body = binascii.b2a_qp(data, istext=True)
        if not body.endswith(b"\n"):
            body += b"\n"
    else:
        body = data
    fl = "; format=flowed" if flowed and subtype == "plain" else ""
    head = (
        f"Content-Type: text/{subtype}; charset={charset}{fl}\nContent-Transfer-Encoding: {cte}\n"
    )
    return head.encode("ascii"), body


def _multipart(
    subtype: str, boundary: str, parts: Sequence[tuple[bytes, bytes]]
) -> tuple[bytes, bytes]:
    """A multipart container around ``parts`` (each as returned by :func:`_text_part`)."""
    b = boundary.encode("ascii")
    out = [b"This is a multi-part message in MIME format.\n"]
    for head, body in parts:
        out += [b"\n--", b, b"\n", head, b"\n", body]
    out += [b"\n--", b, b"--\n"]
    head = f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"\n'.encode("ascii")
    return head, b"".join(out)


def generate_maildir_items(
    n: int,
    *,
    seed: int,
    owner: tuple[str, str] = OWNER,
    domains: Sequence[str] | None = None,
    companies: Sequence[Mapping[str, object]] | None = None,
    contacts: Sequence[Mapping[str, object]] | None = None,
    start: datetime = datetime(2026, 7, 23, tzinfo=UTC),
    end: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    quirks: bool = True,
) -> Iterator[tuple[str, bytes]]:
    """Like :func:`generate_messages` but yields ``(folder, raw)``; folder is INBOX or .Sent."""
    gen = _Generator(seed, owner, domains, companies, contacts, start, end, quirks)
    return gen.run(n)


def generate_messages(
    n: int,
    *,
    seed: int,
    owner: tuple[str, str] = OWNER,
    domains: Sequence[str] | None = None,
    companies: Sequence[Mapping[str, object]] | None = None,
    contacts: Sequence[Mapping[str, object]] | None = None,
    start: datetime = datetime(2026, 7, 23, tzinfo=UTC),
    end: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    quirks: bool = True,
) -> Iterator[bytes]:
    """Yield ``n`` realistic RFC 5322 messages (``\\n`` line ends) as bytes.

    * ``domains`` / ``companies`` (mappings with a ``domains`` key, ``;``-separated or a
      list) / ``contacts`` (mappings with ``name`` and ``email``) seed the correspondents;
      without them ~300 synthetic CE/EE companies plus freemail users are invented.
    * Mix: ~64 % inbound, ~26 % outbound by ``owner``, ~4 % internal, ~6 % newsletters;
      ~35 % replies with In-Reply-To/References; plain / multipart/alternative / HTML-only;
      utf-8, windows-1250, iso-8859-2, koi8-r, koi8-u, windows-1251, iso-8859-1 bodies in
      8bit, quoted-printable or base64; RFC 2047 B and Q headers; ~14 % with a PDF-like
      attachment (RFC 2231 or RFC 2047 filename). Typical size 2-30 KB.
    * ``quirks``: ~0.5 % without Message-ID, ~0.1 % without Date, ~0.5 % raw UTF-8 headers.
    """
    for _folder, raw in generate_maildir_items(
        n,
        seed=seed,
        owner=owner,
        domains=domains,
        companies=companies,
        contacts=contacts,
        start=start,
        end=end,
        quirks=quirks,
    ):
        yield raw


def _ensure_maildir(path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)


def write_maildir(
    path: str | os.PathLike[str],
    messages: Iterable[bytes],
    *,
    subdir: str = "cur",
    flags: str = "S",
    start_time: int = 1784764800,
    host: str = "bench",
    folder: str | None = None,
    pid: int = 4242,
) -> int:
    """Write ``messages`` into a Maildir at ``path`` (created if needed); return the count.

    ``folder`` (e.g. ``".Sent"``) writes into a Maildir++ subfolder instead. Files go to
    ``cur/`` with ``:2,<flags>`` or, with ``subdir="new"``, to ``new/`` without info.
    Names are ``<time>.M<n>P<pid>.<host>``: deterministic for the same arguments. A name
    that already exists raises ``FileExistsError`` (pass another ``pid`` or ``host`` to
    add a second batch to the same folder) rather than silently overwriting.
    """
    root = Path(path)
    _ensure_maildir(root)
    if folder:
        root = root / folder
        _ensure_maildir(root)
        (root / "maildirfolder").touch()
    target = os.fspath(root / subdir)
    info = f":2,{flags}" if subdir == "cur" else ""
    open_flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    count = 0
    for count, raw in enumerate(messages, 1):
        name = f"{target}/{start_time + count * 37}.M{count}P{pid}.{host}{info}"
        fd = os.open(name, open_flags, 0o644)
        try:
            os.write(fd, raw)
        finally:
            os.close(fd)
    return count


def generate_maildir(
    path: str | os.PathLike[str], n: int, *, seed: int, **kwargs: object
) -> dict[str, int]:
    """Generate ``n`` messages into a Maildir with INBOX and a ``.Sent`` subfolder."""
    inbox: list[bytes] = []
    sent: list[bytes] = []
    for folder, raw in generate_maildir_items(n, seed=seed, **kwargs):  # type: ignore[arg-type]
        (sent if folder == ".Sent" else inbox).append(raw)
    return {
        "INBOX": write_maildir(path, inbox),
        ".Sent": write_maildir(path, sent, folder=".Sent"),
    }


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import tempfile
    import time

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("path", nargs="?", help="Maildir to create (INBOX + .Sent)")
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="parse every message with email")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    items = list(generate_maildir_items(args.n, seed=args.seed))
    gen_s = time.perf_counter() - t0
    sizes = sorted(len(r) for _, r in items)
    print(
        f"generated {len(items)} messages in {gen_s:.2f}s ({len(items) / gen_s:,.0f} msg/s); "
        f"size p10={sizes[len(sizes) // 10]} p50={sizes[len(sizes) // 2]} "
        f"p90={sizes[len(sizes) * 9 // 10]} max={sizes[-1]} total={sum(sizes) / 1e6:.1f} MB"
    )
    if args.check:
        bad = 0
        for _, raw in items:
            try:
                info = decode_check(raw)
                if not info["from"] or not info["texts"]:
                    raise ValueError("no from/text")
            except Exception as exc:  # noqa: BLE001 - report and count
                bad += 1
                if bad <= 3:
                    print("BAD:", exc, raw[:400])
        print(f"checked {len(items)}: {bad} failures")
        if bad:
            return 1
    if args.path:
        t0 = time.perf_counter()
        inbox = [r for f, r in items if f == "INBOX"]
        sent = [r for f, r in items if f == ".Sent"]
        a = write_maildir(args.path, inbox)
        b = write_maildir(args.path, sent, folder=".Sent")
        print(f"wrote INBOX={a} .Sent={b} in {time.perf_counter() - t0:.2f}s to {args.path}")
    elif not args.check:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            write_maildir(d, (r for _, r in items))
            print(f"write_maildir: {len(items) / (time.perf_counter() - t0):,.0f} msg/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
