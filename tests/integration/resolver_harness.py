"""Test fixtures for resolver-svc: nsd serving test zones, the dnslib fault
server, and resolver-svc instances, on 127.0.0.1, stopped by PID."""
import json
import os
import socket
import subprocess
import time

import grpc

from delivery_harness import BIN, LOOPBACK_ZONES, HERE, PYTHON, free_port, start_service
from mxd.v1 import resolver_pb2, resolver_pb2_grpc

ZONES = {
    "example.test": """
@        IN SOA ns hostmaster 1 3600 900 604800 60
@        IN NS  ns
ns       IN A   127.0.0.1
@        IN MX  10 mx1
@        IN MX  10 mx2
@        IN MX  20 mx3
mx1      IN A   192.0.2.1
mx1      IN AAAA 2001:db8::1
mx2      IN A   192.0.2.2
mx3      IN A   192.0.2.3
nullmx   IN MX  0 .
nomx     IN A   192.0.2.9
nomx     IN AAAA 2001:db8::9
alias    IN CNAME example.test.
outside  IN CNAME target.other.test.
mxalias  IN MX  10 mxcname
mxcname  IN CNAME mx1
self     IN A   127.0.0.254
loop     IN MX  10 mx1
loop     IN MX  20 self
loop     IN MX  30 mx3
looponly IN MX  10 self
looponly IN MX  20 mx3
noaddr   IN MX  10 missing
halfaddr IN MX  10 missing
halfaddr IN MX  20 mx2
proxied  IN MX  10 mx2
proxied  IN MX  20 mx3
relay    IN A   192.0.2.99
backup   IN MX  10 missing
backup   IN MX  20 self
backup   IN MX  30 mx3
mapped   IN MX  10 selfmapped
selfmapped IN AAAA ::ffff:127.0.0.254
unspec   IN MX  10 zero
zero     IN A   0.0.0.0
implicitself IN A 127.0.0.254
xn--bcher-kva IN MX 10 mx2
""",
    "other.test": """
@        IN SOA ns hostmaster 1 3600 900 604800 60
@        IN NS  ns.example.test.
target   IN MX  5 mx.other.test.
mx       IN A   198.51.100.5
""",
}


class Nsd:
    def __init__(self, procs, workdir):
        self.port = free_port()
        zdir = os.path.join(workdir, "zones")
        os.makedirs(zdir)
        conf = ["server:", "  ip-address: 127.0.0.1", "  port: %d" % self.port, '  username: ""',
                '  chroot: ""', '  zonesdir: "%s"' % zdir, '  pidfile: "%s/nsd.pid"' % workdir,
                '  xfrdfile: "%s/xfrd.state"' % workdir, '  zonelistfile: "%s/zone.list"' % workdir,
                '  database: ""', '  logfile: "%s/nsd.log"' % workdir, "  server-count: 1",
                "  rrl-ratelimit: 0", "remote-control:", "  control-enable: no"]
        for zone, body in ZONES.items():
            with open(os.path.join(zdir, zone + ".zone"), "w") as f:
                f.write("$ORIGIN %s.\n$TTL 300\n%s" % (zone, body))
            conf += ["zone:", "  name: %s" % zone, "  zonefile: %s.zone" % zone]
        path = os.path.join(workdir, "nsd.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = procs.start(["nsd", "-d", "-c", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Ready when it answers a query over UDP.
        query = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x04test\x00\x00\x06\x00\x01"
        deadline = time.time() + 20
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while True:
                try:
                    s.sendto(query, ("127.0.0.1", self.port))
                    if s.recv(512)[3] & 0x0f == 0:
                        return
                except OSError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("nsd did not start")


class FaultDns:
    def __init__(self, procs, workdir):
        self.port = free_port()
        self.log = os.path.join(workdir, "fault-dns-%d.log" % self.port)
        open(self.log, "w").close()
        self.proc = procs.start([PYTHON, os.path.join(HERE, "fault_dns.py"), "--port", str(self.port),
                                 "--log", self.log])
        time.sleep(0.5)

    def queries(self, name=None):
        with open(self.log) as f:
            rows = [l.split() for l in f]
        return [r for r in rows if name is None or r[0] == name]


class ResolverSvc:
    count = 0

    def __init__(self, procs, workdir, dns_port, options=(), config_text=None, loopback_zones=True):
        ResolverSvc.count += 1
        n = ResolverSvc.count
        port_file = os.path.join(workdir, "resolver-%d.port" % n)
        self.log_path = os.path.join(workdir, "resolver-%d.log" % n)
        argv = [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file", port_file,
                "--dns-server", "127.0.0.1:%d" % dns_port, "-o", "inet_interfaces=127.0.0.254",
                "-o", "resolver_query_timeout=1s", "-o", "resolver_query_attempts=1"]
        if loopback_zones:  # else resolver_prohibited_networks keeps its default
            argv += ["-o", LOOPBACK_ZONES]
        if config_text is not None:
            cf = os.path.join(workdir, "resolver-%d.cf" % n)
            with open(cf, "w") as f:
                f.write(config_text)
            argv += ["--config", cf]
        for o in options:
            argv += ["-o", o]
        self.proc, port = start_service(procs, argv, port_file, self.log_path)
        self.target = "127.0.0.1:%d" % port
        self.stub = resolver_pb2_grpc.ResolverStub(grpc.insecure_channel(self.target))

    def resolve(self, nexthop, timeout=10):
        return self.stub.Resolve(resolver_pb2.ResolveRequest(nexthop=nexthop), timeout=timeout)

    def log_lines(self):
        with open(self.log_path) as f:
            return [json.loads(l) for l in f if l.startswith("{")]
