"""The Gmail-dialect test proxy rewrites protocol lines, never literal bytes; gm: ids."""

from __future__ import annotations

import socket
import threading

from connectors.imap.gmail_ids import gm_id, known_by_msgid, msgid_of, parse_gm_id
from tests.servers.gmail_dialect import GmailDialectProxy, _client_line, _server_line, msgid_for


def test_lines_are_rewritten_both_ways() -> None:
    caps = _server_line(b"* CAPABILITY IMAP4rev1 CONDSTORE QRESYNC IDLE\r\n")
    assert caps == b"* CAPABILITY IMAP4rev1 CONDSTORE IDLE X-GM-EXT-1\r\n"
    code = _server_line(b"a1 OK [CAPABILITY IMAP4rev1 QRESYNC] Logged in\r\n")
    assert code == b"a1 OK [CAPABILITY IMAP4rev1 X-GM-EXT-1] Logged in\r\n"
    fetch = _server_line(b"* 1 FETCH (UID 7 X-GUID 1795.M1P2.vm,S=3 RFC822.SIZE 3)\r\n")
    assert fetch == b"* 1 FETCH (UID 7 X-GM-MSGID %d RFC822.SIZE 3)\r\n" % msgid_for(
        b"1795.M1P2.vm,S=3"
    )
    assert _client_line(b"a2 UID FETCH 1:* (X-GM-MSGID)\r\n") == b"a2 UID FETCH 1:* (X-GUID)\r\n"
    assert _client_line(b"a3 SEARCH X-GM-MSGID\r\n") == b"a3 SEARCH X-GM-MSGID\r\n"


def test_literals_pass_through_untouched() -> None:
    upstream = socket.create_server(("127.0.0.1", 0))
    proxy = GmailDialectProxy(upstream.getsockname()[1])
    literal = b"X-GUID inside\r\n* CAPABILITY QRESYNC\r\n{5}\r\n"
    reply = (
        b"* 1 FETCH (X-GUID g1 BODY[] {%d}\r\n" % len(literal)
        + literal
        + b" UID 3)\r\na1 OK done\r\n"
    )
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        server, _ = upstream.accept()

        def answer() -> None:
            server.recv(1000)
            for i in range(0, len(reply), 7):  # in pieces that split lines and literals
                server.sendall(reply[i : i + 7])

        t = threading.Thread(target=answer)
        t.start()
        client.sendall(b"a1 UID FETCH 1 (X-GM-MSGID BODY.PEEK[])\r\n")
        got = b""
        while not got.endswith(b"a1 OK done\r\n"):
            got += client.recv(1000)
        t.join(5)
    finally:
        proxy.stop()
        upstream.close()
    expected = b"* 1 FETCH (X-GM-MSGID %d BODY[] {%d}\r\n" % (msgid_for(b"g1"), len(literal))
    assert got == expected + literal + b" UID 3)\r\na1 OK done\r\n"
    assert proxy.sent("X-GM-MSGID") == ["a1 UID FETCH 1 (X-GM-MSGID BODY.PEEK[])"]


def test_gm_ids() -> None:
    assert gm_id(1278455344230334865) == "gm:1278455344230334865"
    assert parse_gm_id("gm:1278455344230334865") == 1278455344230334865
    assert parse_gm_id("1795479110:4") is None and parse_gm_id("gm:x") is None
    assert known_by_msgid(["gm:5", "12:5", "gm:7"]) == {5: "gm:5", 7: "gm:7"}
    assert msgid_of({b"X-GM-MSGID": 42}) == 42 and msgid_of({b"UID": 1}) is None
