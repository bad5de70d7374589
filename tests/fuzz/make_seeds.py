#!/usr/bin/python3
"""Writes the seed corpora under tests/fuzz/corpus/ (run once; the files are
committed, and crashes found later are added next to them)."""
import os
import struct

import dnslib

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin-1"))


def chunks(data, size):
    """reply_parser_fuzz input: each piece is preceded by its length - 1."""
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += bytes([len(piece) - 1]) + piece
    return out


replies = {
    "greeting": b"220 mx.example.com ESMTP\r\n",
    "ehlo": b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
            b"250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-CHUNKING\r\n250-BINARYMIME\r\n"
            b"250 AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256\r\n",
    "multiline_5xx": b"550-5.1.1 The email account that you tried to reach does not exist.\r\n"
                     b"550 5.1.1 https://support.example/?p=NoSuchUser\r\n",
    "bare_lf": b"250 ok\n354 go\n",
    "bad_continuation": b"250-first\r\n251 second\r\n",
    "long_line": b"250 " + b"x" * 3000 + b"\r\n",
    "nul": b"250 o\x00k\r\n",
    "garbage": b"hello there\r\n",
    "no_crlf": b"250 ok",
}
for name, data in replies.items():
    put("reply_parser_fuzz", name, chunks(data, 7))


def session(mode, replies):
    out = bytes([mode])
    for r in replies:
        for i in range(0, len(r), 100):
            piece = r[i:i + 100]
            out += bytes([4, len(piece) - 1]) + piece
    return out


ehlo_pipe = b"250-mx\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 DSN\r\n"
put("session_fuzz", "pipelined_ok", session(0, [b"220 mx ESMTP\r\n", ehlo_pipe, b"250 ok\r\n250 ok\r\n250 ok\r\n",
                                                b"354 go\r\n", b"250 2.0.0 queued\r\n"]))
put("session_fuzz", "lockstep_one_rejected", session(1, [b"220 mx\r\n", b"250 mx\r\n", b"250 ok\r\n",
                                                         b"550 5.1.1 no\r\n", b"250 ok\r\n", b"354 go\r\n",
                                                         b"250 ok\r\n"]))
put("session_fuzz", "bdat", session(8, [b"220 mx\r\n", b"250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
                                        b"250 ok\r\n250 ok\r\n250 ok\r\n", b"250 ok\r\n"]))
put("session_fuzz", "starttls", session(0x20, [b"220 mx\r\n", b"250-mx\r\n250 STARTTLS\r\n",
                                               b"220 go\r\n250 injected\r\n"]) + bytes([2, 1, 1]) +
    session(0, [b"250-mx\r\n250 AUTH PLAIN\r\n"])[1:])
put("session_fuzz", "auth", session(0x80, [b"220 mx\r\n", b"250-mx\r\n250 AUTH LOGIN CRAM-MD5\r\n",
                                           b"334 PDEyMzQ1QG14Pg==\r\n", b"235 ok\r\n", b"250 ok\r\n"]))
put("session_fuzz", "timeouts", bytes([4]) + bytes([0, 200, 0, 200]) + session(0, [b"220 mx\r\n"])[1:])

for name, text in {"domain": "example.com", "host_port": "[mx.example.com]:587", "ipv6": "[ipv6:2001:db8::1]:25",
                   "ipv4": "[192.0.2.1]:smtp", "idn": "b\xc3\xbccher.example", "bad": "[mx..example]:99999"}.items():
    put("nexthop_fuzz", name, text)

put("config_fuzz", "main_cf", "# comment\nmyhostname = mx.example.com\nsmtp_helo_name = $myhostname\n"
                             "relayhost =\n  [relay.example]:587\nsmtp_tls_security_level = may\n")
put("config_fuzz", "policy", "example.com secure match=.example.com:nexthop\n.example.org verify\n"
                            "[mx.example.net]:587 encrypt protocols=>=TLSv1.3 ciphers=high exclude=aNULL\n")
put("config_fuzz", "protocols", "!SSLv2, !SSLv3, >=TLSv1.2, <=TLSv1.3")
put("config_fuzz", "override", "smtp_tls_security_level=encrypt")

for name, text in {"plain": "\x00user@example.com", "utf8": "\x01j\xc3\xb6rg@b\xc3\xbccher.example",
                   "quoted": "\x00\"john smith\"@example.com", "literal": "\x00postmaster@[192.0.2.1]",
                   "ipv6_literal": "\x00a@[IPv6:2001:db8::1]", "null": "\x00", "ctrl": "\x00a\rb@example.com"}.items():
    put("address_fuzz", name, text)

put("data_encoder_fuzz", "smuggling", b"\x10\x05line\r\n.\r\nbare\n.\nlf\r.\rcr\x00nul\r\n..dots\r\n")
put("data_encoder_fuzz", "long", b"\x20\x40" + b"y" * 500 + b"\r\n")


def dns(qtype, answers=(), rcode=0):
    q = dnslib.DNSRecord.question("example.com", qtype)
    r = q.reply()
    r.header.rcode = rcode
    for a in answers:
        r.add_answer(a)
    return r.pack()


RR, QTYPE = dnslib.RR, dnslib.QTYPE
put("dns_answer_fuzz", "mx", b"\x00" + dns("MX", [RR("example.com", QTYPE.MX, rdata=dnslib.MX("mx1.example.com", 10),
                                                      ttl=300),
                                                   RR("example.com", QTYPE.MX, rdata=dnslib.MX("mx2.example.com", 20),
                                                      ttl=300)]))
put("dns_answer_fuzz", "null_mx", b"\x00" + dns("MX", [RR("example.com", QTYPE.MX, rdata=dnslib.MX(".", 0))]))
put("dns_answer_fuzz", "a", b"\x01" + dns("A", [RR("example.com", QTYPE.A, rdata=dnslib.A("192.0.2.1"), ttl=60)]))
put("dns_answer_fuzz", "aaaa", b"\x02" + dns("AAAA", [RR("example.com", QTYPE.AAAA, rdata=dnslib.AAAA("2001:db8::1"))]))
put("dns_answer_fuzz", "cname", b"\x01" + dns("A", [RR("example.com", QTYPE.CNAME, rdata=dnslib.CNAME("x.other"))]))
put("dns_answer_fuzz", "nxdomain", b"\x00" + dns("MX", rcode=3))

mime_dir = os.path.join(HERE, "..", "integration", "mime_corpus")
for name in sorted(os.listdir(mime_dir)):
    with open(os.path.join(mime_dir, name), "rb") as f:
        put("mime_fuzz", name, b"\x05\x20\x07" + f.read())
