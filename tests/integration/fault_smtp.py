#!/usr/bin/python3
"""A scriptable SMTP server for the failures real servers will not produce.

    fault_smtp.py --port PORT --script SCRIPT.json --record RECORD.jsonl

SCRIPT is a JSON object; every key is optional:
  "greeting":  reply line(s) for the banner (default "220 fault.test ESMTP")
  "ehlo":      list of EHLO reply lines (default: PIPELINING, 8BITMIME, SIZE)
  "<PHASE>":   how to answer a phase; PHASE is GREETING, EHLO, HELO, MAIL,
               RCPT, DATA, BODY (applied once the first part of the message
               content has arrived, while the client is still sending),
               DOT (end of data), RSET, QUIT, STARTTLS or AUTH
               (AUTH answers 235 to any AUTH command by default). The value is an
               object {"reply": "451 4.3.0 later", "delay": 2.5, "do": ACTION},
               or a list of such objects used in turn (the last one repeats).
  "lenient_data": true ends DATA at a bare "<LF>.<LF>" too, as a receiver
  open to SMTP smuggling would (what follows is recorded as "after_data").
  A DATA rule with "stall": true answers 354 and then never reads the content.
  "rcpt_by_address": {"substring": "550 5.1.1 reply"} answers the RCPT of any
  address containing the substring with that reply (before the RCPT rule).
  "tls": {"cert": PEM, "key": PEM} offers STARTTLS; a "STARTTLS" rule may
  add "inject": text sent in the clear right after the 220, in the same
  packet (the CVE-2011-0411 attack); the session goes on inside TLS. A
  "STARTTLS" rule with "handshake": ACTION answers 220 and then, instead of
  the TLS handshake, does ACTION ("close", "reset", "garbage", "hang").
  ACTION: "close" (hang up without a reply), "hang" (never answer),
          "garbage" (a line that is not SMTP), "split" (the reply one byte
          at a time, "delay" seconds apart), "endless" (a multi-line reply
          that never ends), "partial" (the first "bytes" octets of a
          multi-line reply, then nothing), "longline" (one reply line that never ends:
          octets trickle in without a line end), "reset" (hang up with a
          TCP RST instead of a FIN), "reply-close" (send the reply, then hang
          up: what a server shutting down does with 421).

BDAT chunks are read and recorded ({"event": "bdat", "raw": ..., "last": ...});
the reply to BDAT ... LAST follows the DOT rule.

RECORD gets one JSON object per line: {"event": "connect"}, {"event":
"command", "line": ...}, {"event": "data", "raw": base64 of the DATA content
as received (dot-stuffed, up to and excluding the final ".")}, {"event":
"disconnect"}. Every connection has an "conn" number; "t" is the time.
"""
import argparse
import asyncio
import base64
import json
import socket
import ssl
import struct
import time

DEFAULT_EHLO = ["250-fault.test", "250-PIPELINING", "250-8BITMIME", "250 SIZE 10000000"]


class Recorder:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def __call__(self, conn, **kw):
        kw.update(conn=conn, t=time.time())
        self.f.write(json.dumps(kw) + "\n")


class Session:
    counter = 0

    def __init__(self, script, record, reader, writer):
        Session.counter += 1
        self.conn = Session.counter
        self.script, self.record = script, record
        self.reader, self.writer = reader, writer
        self.uses = {}

    def rule(self, phase, default):
        r = self.script.get(phase)
        if r is None:
            return {"reply": default}
        if isinstance(r, list):
            i = self.uses.get(phase, 0)
            self.uses[phase] = i + 1
            r = r[min(i, len(r) - 1)]
        out = {"reply": default}
        out.update(r)
        return out

    async def send(self, text):
        self.writer.write(text.encode("utf-8", "surrogateescape"))
        await self.writer.drain()

    async def answer(self, phase, default):
        """Returns False when the connection must end."""
        return await self.apply(self.rule(phase, default))

    async def apply(self, r):
        if r.get("delay") and r.get("do") != "split":
            await asyncio.sleep(r["delay"])
        action = r.get("do")
        reply = r["reply"]
        if not reply.endswith("\r\n"):
            reply += "\r\n"
        if action == "close":
            return False
        if action == "reply-close":
            await self.send(reply)
            return False
        if action == "reset":
            # SO_LINGER with a zero timeout: close() sends RST, not FIN.
            sock = self.writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.writer.transport.abort()
            return False
        if action == "longline":
            await self.send(reply[:4])
            while True:
                await self.send("x" * 64)
                await asyncio.sleep(0.001)
        if action == "hang":
            await asyncio.sleep(3600)
            return False
        if action == "garbage":
            await self.send("this is not an SMTP reply\r\n")
            return True
        if action == "partial":
            # The start of a long multi-line reply, "bytes" octets of it,
            # and then nothing: the reply is never finished.
            line = "250-" + "x" * 96 + "\r\n"
            await self.send(line * (r.get("bytes", 10000) // len(line)))
            await asyncio.sleep(3600)
            return False
        if action == "endless":
            while True:
                await self.send("250-" + "x" * 70 + "\r\n")
                await asyncio.sleep(0.001)
        if action == "split":
            for ch in reply:
                await self.send(ch)
                await asyncio.sleep(r.get("delay", 0.05))
            return True
        await self.send(reply)
        return True

    async def run(self):
        self.record(self.conn, event="connect")
        try:
            if not await self.answer("GREETING", self.script.get("greeting", "220 fault.test ESMTP")):
                return
            while True:
                line = await self.reader.readline()
                if not line:
                    return
                text = line.decode("utf-8", "surrogateescape").rstrip("\r\n")
                self.record(self.conn, event="command", line=text)
                verb = text.split(" ", 1)[0].split(":", 1)[0].upper()
                if verb == "EHLO":
                    ok = await self.answer("EHLO", "\r\n".join(self.script.get("ehlo", DEFAULT_EHLO)))
                elif verb == "STARTTLS" and self.script.get("tls"):
                    rule = self.rule("STARTTLS", "220 2.0.0 Ready to start TLS")
                    if rule.get("do") not in (None, "split") or not rule["reply"].startswith("220"):
                        ok = await self.apply(rule)  # a failure instead of the handshake
                        if not ok:
                            return
                        continue
                    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                    ctx.load_cert_chain(self.script["tls"]["cert"], self.script["tls"]["key"])
                    reply = rule["reply"] + "\r\n" + rule.get("inject", "")
                    if rule.get("do") == "split":
                        for ch in reply[:-1]:
                            await self.send(ch)
                            await asyncio.sleep(rule.get("delay", 0.05))
                        reply = reply[-1]
                    elif rule.get("delay"):
                        await asyncio.sleep(rule["delay"])
                    if rule.get("handshake"):
                        # The 220, then a fault instead of the TLS handshake.
                        self.writer.write(reply.encode("utf-8", "surrogateescape"))
                        if not await self.apply({"reply": "", "do": rule["handshake"]}):
                            return
                        await asyncio.sleep(3600)  # "garbage": then silence
                        return
                    # No await between the reply and start_tls: the client's
                    # ClientHello must not be read as plain text first.
                    self.writer.write(reply.encode("utf-8", "surrogateescape"))
                    await self.writer.start_tls(ctx)
                    self.record(self.conn, event="tls")
                    continue
                elif verb in ("HELO", "RSET"):
                    ok = await self.answer(verb, "250 fault.test")
                elif verb == "MAIL":
                    ok = await self.answer("MAIL", "250 2.1.0 Ok")
                elif verb == "RCPT":
                    special = [r for k, r in self.script.get("rcpt_by_address", {}).items() if k in text]
                    if special:
                        ok = await self.apply({"reply": special[0]})
                    else:
                        ok = await self.answer("RCPT", "250 2.1.5 Ok")
                elif verb == "DATA":
                    rule = self.rule("DATA", "354 End data with <CR><LF>.<CR><LF>")
                    ok = await self.apply(rule)
                    if ok and rule.get("stall"):
                        await asyncio.sleep(3600)
                    if ok and rule["reply"].startswith("354") and rule.get("do") in (None, "split"):
                        data = await self.read_data()
                        if data is None:
                            return
                        ok = await self.answer("DOT", "250 2.0.0 Ok: queued as FAULT%d" % self.conn)
                elif verb == "AUTH":
                    ok = await self.answer("AUTH", "235 2.7.0 Authentication successful")
                elif verb == "BDAT":
                    # RFC 3030: "BDAT size [LAST]", then exactly size octets.
                    words = text.split()
                    size = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
                    chunk = await self.reader.readexactly(size)
                    self.record(self.conn, event="bdat", raw=base64.b64encode(chunk).decode(),
                                last=len(words) > 2 and words[2].upper() == "LAST")
                    if len(words) > 2 and words[2].upper() == "LAST":
                        ok = await self.answer("DOT", "250 2.0.0 Ok: queued as FAULT%d" % self.conn)
                    else:
                        ok = await self.answer("BDAT", "250 2.0.0 Ok: %d octets" % size)
                elif verb == "QUIT":
                    await self.answer("QUIT", "221 2.0.0 Bye")
                    return
                else:
                    ok = await self.answer("OTHER", "502 5.5.2 Error: command not recognized")
                if not ok:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.record(self.conn, event="disconnect")
            self.writer.close()

    async def read_data(self):
        buf = b""
        body_rule = self.script.get("BODY")
        while True:
            chunk = await self.reader.read(65536)
            if not chunk:
                self.record(self.conn, event="data_incomplete", raw=base64.b64encode(buf).decode())
                return None
            buf += chunk
            if body_rule is not None:
                rule, body_rule = self.rule("BODY", ""), None
                self.record(self.conn, event="body_fault", received=len(buf))
                if not await self.apply(rule):
                    return None
            if self.script.get("lenient_data"):
                # A receiver that takes a bare LF as a line end (the SMTP
                # smuggling class): any "<LF>.<LF>" or "<LF>.<CR><LF>" ends it.
                for end in (b"\n.\n", b"\n.\r\n"):
                    at = buf.find(end)
                    if at >= 0 or buf.startswith(end[1:]):
                        at = max(at, 0)
                        content, rest = buf[:at], buf[at + len(end):]
                        self.record(self.conn, event="data", raw=base64.b64encode(content).decode())
                        if rest:
                            self.record(self.conn, event="after_data", raw=base64.b64encode(rest).decode())
                        return content
            if buf == b".\r\n" or buf.endswith(b"\r\n.\r\n"):
                content = buf[:-3]
                self.record(self.conn, event="data", raw=base64.b64encode(content).decode())
                return content


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--script", required=True)
    ap.add_argument("--record", required=True)
    args = ap.parse_args()
    with open(args.script) as f:
        script = json.load(f)
    record = Recorder(args.record)
    server = await asyncio.start_server(
        lambda r, w: Session(script, record, r, w).run(), args.host, args.port)
    record(0, event="listening")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
