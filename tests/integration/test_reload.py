"""SIGHUP: delivery-svc reads main.cf and its lookup tables again, inside
its sandbox, through the helper that alone can still open files. New calls
get the new settings, a call in progress keeps going, a configuration that
does not load is refused (naming the line) and the old one stays, and the
log says what changed."""
import os
import signal
import threading
import time
import unittest

from delivery_harness import DeliverySvc, FaultServer, Processes, confined_status, tempdir
from mxd.v1 import delivery_pb2

DELIVERED, DEFERRED = delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED
# The ThreadSanitizer run checks the reload's threads (signal, reader,
# event loop, gRPC) without the seccomp filter: TSan's runtime opens files
# the filter refuses. Every other run checks the reload inside the sandbox.
UNDER_TSAN = "TSAN_OPTIONS" in os.environ
MESSAGE = b"From: a@mxd.test\r\nSubject: reload\r\n\r\nbody\r\n"


def sighup(svc, event):
    """Sends SIGHUP and returns the service's next `event` log line."""
    before = len([l for l in svc.log_lines() if l["event"] == event])
    svc.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 15
    while time.time() < deadline:
        lines = [l for l in svc.log_lines() if l["event"] == event]
        if len(lines) > before:
            return lines[-1]
        time.sleep(0.05)
    raise AssertionError("no %s line after SIGHUP: %s" % (event, svc.log_lines()[-5:]))


class Reload(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.cf = os.path.join(self.dir, "main.cf")
        self.policy = os.path.join(self.dir, "tls_policy")
        self.write_policy("# nothing yet\n")
        self.write_cf("one.example")

    def write_cf(self, helo, extra=""):
        # The harness gives -o smtp_helo_name; main.cf says the rest.
        with open(self.cf, "w") as f:
            f.write("myhostname = %s\nsmtp_tls_policy_maps = texthash:%s\n%s" % (helo, self.policy, extra))

    def write_policy(self, text):
        with open(self.policy, "w") as f:
            f.write(text)

    def test_sighup_applies_main_cf_and_tables_inside_the_sandbox(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_connection_cache_on_demand=no"],
                          extra_args=["--config", self.cf], confined=not UNDER_TSAN)
        if not UNDER_TSAN:
            self.assertEqual(confined_status(svc.proc.pid)["Seccomp"], "2")  # the filter is on
        server = FaultServer(self.procs, self.dir, {"DOT": {"delay": 2}})
        port = server.port
        self.assertEqual(svc.deliver(MESSAGE, ["a@mxd.test"], port).outcomes[0].action, DELIVERED)

        # A call in progress when the signal comes goes on as it was.
        slow = {}
        t = threading.Thread(target=lambda: slow.update(resp=svc.deliver(MESSAGE, ["slow@mxd.test"], port)))
        t.start()
        time.sleep(0.5)
        # The policy table now requires TLS of this next hop, and main.cf
        # changes myhostname.
        self.write_policy("[127.0.0.1]:%d encrypt\n" % port)
        self.write_cf("two.example")
        line = sighup(svc, "reload")
        self.assertIn("myhostname = two.example", line["changed"])
        self.assertIn("table %s changed" % self.policy, line["changed"])
        t.join(30)
        self.assertEqual(slow["resp"].outcomes[0].action, DELIVERED)
        # New calls get the new table: TLS is required and not offered.
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], port)
        self.assertEqual(resp.outcomes[0].action, DEFERRED)
        self.assertIn("TLS is required, but was not offered", resp.outcomes[0].reason)
        self.assertEqual(svc.proc.poll(), None)

        # A configuration that does not load is refused, and the old one stays.
        self.write_cf("three.example", "smtp_helo_nmae = typo\n")
        line = sighup(svc, "reload_refused")
        self.assertIn("%s line 3: unknown parameter 'smtp_helo_nmae'" % self.cf, line["error"])
        resp = svc.deliver(MESSAGE, ["a@mxd.test"], port)
        self.assertIn("TLS is required", resp.outcomes[0].reason)  # still the table in force
        # And a missing table too.
        self.write_cf("three.example", "smtp_pix_workaround_maps = texthash:/no/such/table\n")
        line = sighup(svc, "reload_refused")
        self.assertIn("smtp_pix_workaround_maps", line["error"])
        self.assertEqual(svc.proc.poll(), None)


if __name__ == "__main__":
    unittest.main()


class ResolverReload(unittest.TestCase):
    def test_sighup_applies_relayhost_and_refuses_a_bad_file(self):
        from resolver_harness import ResolverSvc
        from delivery_harness import free_port
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        svc = ResolverSvc(procs, workdir, free_port(), config_text="relayhost = [192.0.2.1]:2525\n")
        cf = [a for a in svc.proc.args if a.endswith(".cf")][0]

        def routes():
            return [(r.host, r.port) for r in svc.resolve("example.com").routes]

        self.assertEqual(routes(), [("192.0.2.1", 2525)])
        with open(cf, "w") as f:
            f.write("relayhost = [192.0.2.2]:2526\nproxy_interfaces = 192.0.2.77\n")
        line = sighup(svc, "reload")
        self.assertIn("relayhost = [192.0.2.2]:2526", line["changed"])
        self.assertIn("proxy_interfaces = 192.0.2.77", line["needs_restart"])
        self.assertEqual(routes(), [("192.0.2.2", 2526)])
        with open(cf, "w") as f:
            f.write("relayhost = [192.0.2.3]:2527\nrelayhost_typo = x\n")
        line = sighup(svc, "reload_refused")
        self.assertIn("line 2: unknown parameter 'relayhost_typo'", line["error"])
        self.assertEqual(routes(), [("192.0.2.2", 2526)])
        self.assertIsNone(svc.proc.poll())
