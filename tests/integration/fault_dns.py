#!/usr/bin/python3
"""A DNS server (python3-dnslib) for the faults real servers will not make.

    fault_dns.py --port PORT --log QUERIES.log

Answers by the first label of the name asked (zone fault.test):
  servfail.*   SERVFAIL          refused.*   REFUSED          drop.*  no answer
  slow.*       MX after 500 ms   tc.*        MX too big for UDP: TC=1 over UDP, the answer over TCP
  ttl.*        MX and A with TTL 2
  mxfail.*     SERVFAIL for MX, A 192.0.2.80 (for ignore_mx_lookup_error)
  relay.*      A 192.0.2.90      mx-*.*      A 192.0.2.(60..69)
  tcloop.*     like tc.*, but the MX hosts (lo-*.*) have A 127.0.0.1: mail can
               be delivered through a truncated answer without leaving loopback
  backup.*     MX 10 servfail.fault.test (no address now), MX 20 self.fault.test
  selfmx.*     MX 10 self.fault.test      self.*  A 127.0.0.254 (the services'
               inet_interfaces in the tests: this system)
  eightbit.*   MX 10 to a name with Latin-1, control and 0xFF octets (no address)
  prohibited.* MX 10 lo4, 20 mapped, 30 zero, 40 linklocal (.fault.test): hosts whose
               only address is 127.0.0.1, ::ffff:127.0.0.1, 0.0.0.0, 169.254.169.254
  mixed.*      MX 10 mixedhost.fault.test: A 127.0.0.1 and A 192.0.2.55
  manymx.*     1000 MX records (mx-D-N.fault.test, preference 10+N), over TCP
               (also *.manymx.*, for as many distinct domains as wanted)
  manyaddr.*   MX 10 bigaddr.fault.test, which has 2000 A records (198.18.0.0/15)
A UDP answer bigger than the client's EDNS buffer (else 512 octets) is sent
truncated (TC=1), as a server would.
  anything else: NXDOMAIN with an SOA (negative TTL 60)
Every query is appended to QUERIES.log as "name type transport".
"""
import argparse
import ipaddress
import socketserver
import struct
import threading
import time

from dnslib import A, AAAA, DNSLabel, DNSRecord, MX, QTYPE, RCODE, RR, SOA

ZONE_SOA = RR("fault.test.", QTYPE.SOA, ttl=60,
              rdata=SOA("ns.fault.test.", "hostmaster.fault.test.", (1, 3600, 600, 86400, 60)))
LOG_LOCK = threading.Lock()
# Hosts with addresses resolver_prohibited_networks refuses by default.
PROHIBITED_HOSTS = {"lo4": [("A", "127.0.0.1")], "mapped": [("AAAA", "::ffff:127.0.0.1")],
                    "zero": [("A", "0.0.0.0")], "linklocal": [("A", "169.254.169.254")],
                    "mixedhost": [("A", "127.0.0.1"), ("A", "192.0.2.55")]}


def answer(request, transport, log_path):
    q = request.q
    name = str(q.qname).lower()
    qtype = QTYPE[q.qtype]
    with LOG_LOCK, open(log_path, "a") as f:
        f.write("%s %s %s\n" % (name, qtype, transport))
    labels = name.split(".")
    label = labels[0]
    if len(labels) > 1 and labels[1] in ("manymx", "manyaddr"):  # d0.manymx... for distinct names
        label = labels[1]
    reply = request.reply()
    if label == "drop":
        return None
    if label == "servfail" or (label == "mxfail" and qtype == "MX"):
        reply.header.rcode = RCODE.SERVFAIL
        return reply
    if label == "refused":
        reply.header.rcode = RCODE.REFUSED
        return reply
    if label == "slow":
        time.sleep(0.5)
    if qtype == "MX" and label in ("backup", "selfmx"):
        if label == "backup":
            reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX("servfail.fault.test.", 10)))
        reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX("self.fault.test.", 20)))
        return reply
    if qtype == "MX" and label == "eightbit":
        target = DNSLabel([b"caf\xe9\x01\xff", b"fault", b"test"])
        reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX(target, 10)))
        return reply
    if qtype == "MX" and label in ("prohibited", "mixed"):
        hosts = ["lo4", "mapped", "zero", "linklocal"] if label == "prohibited" else ["mixedhost"]
        for i, h in enumerate(hosts):
            reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX("%s.fault.test." % h, 10 * (i + 1))))
        return reply
    if qtype == "MX" and label == "manymx":
        for i in range(1000):
            reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX("mx-%d-%d.fault.test." % (i % 10, i), 10 + i)))
        return reply
    if qtype == "MX" and label == "manyaddr":
        reply.add_answer(RR(name, QTYPE.MX, ttl=300, rdata=MX("bigaddr.fault.test.", 10)))
        return reply
    if qtype == "A" and label == "bigaddr":
        for i in range(2000):
            reply.add_answer(RR(name, QTYPE.A, ttl=300, rdata=A("198.18.%d.%d" % (i // 250, i % 250 + 1))))
        return reply
    if label in PROHIBITED_HOSTS and qtype in ("A", "AAAA"):
        for rtype, addr in PROHIBITED_HOSTS[label]:
            if rtype == qtype:
                # dnslib cannot parse "::ffff:a.b.c.d": give AAAA its 16 octets.
                rdata = A(addr) if rtype == "A" else AAAA(list(ipaddress.IPv6Address(addr).packed))
                reply.add_answer(RR(name, getattr(QTYPE, rtype), ttl=300, rdata=rdata))
        if reply.rr:
            return reply
    if qtype == "A" and label == "self":
        reply.add_answer(RR(name, QTYPE.A, ttl=300, rdata=A("127.0.0.254")))
        return reply
    if qtype == "MX" and label in ("slow", "ttl", "tc", "tcloop"):
        ttl = 2 if label == "ttl" else 300
        truncate = label in ("tc", "tcloop")
        hosts = 40 if truncate else 1  # 40 MX records do not fit in 512 octets
        prefix = "lo" if label == "tcloop" else "mx"
        for i in range(hosts):
            reply.add_answer(RR(name, QTYPE.MX, ttl=ttl,
                                rdata=MX("%s-%d-%s.fault.test." % (prefix, i % 10, "x" * 40), 10)))
        if truncate and transport == "udp":
            truncated = request.reply()
            truncated.header.tc = 1
            return truncated
        return reply
    if qtype == "A" and (label in ("ttl", "mxfail", "relay") or label.startswith(("mx-", "lo-"))):
        addr = {"ttl": "192.0.2.70", "mxfail": "192.0.2.80", "relay": "192.0.2.90"}.get(label)
        if label.startswith("lo-"):
            addr = "127.0.0.1"
        elif addr is None:
            addr = "192.0.2.6%s" % label.split("-")[1]
        reply.add_answer(RR(name, QTYPE.A, ttl=2 if label == "ttl" else 300, rdata=A(addr)))
        return reply
    if label in ("slow", "ttl", "tc", "tcloop", "mxfail", "relay", "backup", "selfmx", "self", "eightbit",
                 "prohibited", "mixed", "manymx", "manyaddr", "bigaddr") or label in PROHIBITED_HOSTS or \
            label.startswith(("mx-", "lo-")):
        reply.add_auth(ZONE_SOA)  # NODATA
        return reply
    reply.header.rcode = RCODE.NXDOMAIN
    reply.add_auth(ZONE_SOA)
    return reply


class Udp(socketserver.ThreadingUDPServer):
    allow_reuse_address = True
    daemon_threads = True


class Tcp(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    class UdpHandler(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            request = DNSRecord.parse(data)
            reply = answer(request, "udp", args.log)
            if reply is not None:
                packed = reply.pack()
                # The client's EDNS buffer size, else 512 (RFC 6891).
                limit = max([rr.rclass for rr in request.ar if rr.rtype == QTYPE.OPT] or [512])
                if len(packed) > limit:  # too big for UDP: the client asks again over TCP
                    truncated = request.reply()
                    truncated.header.tc = 1
                    packed = truncated.pack()
                sock.sendto(packed, self.client_address)

    class TcpHandler(socketserver.BaseRequestHandler):
        def handle(self):
            head = self.request.recv(2)
            if len(head) < 2:
                return
            (length,) = struct.unpack("!H", head)
            data = b""
            while len(data) < length:
                chunk = self.request.recv(length - len(data))
                if not chunk:
                    return
                data += chunk
            reply = answer(DNSRecord.parse(data), "tcp", args.log)
            if reply is not None:
                packed = reply.pack()
                self.request.sendall(struct.pack("!H", len(packed)) + packed)

    udp = Udp(("127.0.0.1", args.port), UdpHandler)
    tcp = Tcp(("127.0.0.1", args.port), TcpHandler)
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    udp.serve_forever()


if __name__ == "__main__":
    main()
