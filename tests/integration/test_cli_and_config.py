"""What a Postfix user tries first: a real main.cf with Postfix's own
parameters, --version and -h/--help on every program, and mxctl --json
giving one object even when a call fails."""
import json
import os
import subprocess
import time
import unittest

from delivery_harness import (BIN, HERE, LOOPBACK_ZONES, DeliverySvc, FaultServer, Processes, free_port,
                              sanitizer_run_argv_env, start_service, tempdir)
from resolver_harness import Nsd

PROGRAMS = ["resolver-svc", "delivery-svc", "mxctl", "mxd-mime-convert", "mxd-seccomp-profile",
            "queue_manager_example"]
MAIN_CF = """\
# Postfix's main.cf, shared with mxd
myhostname = mail.example.com
mydomain = example.com
myorigin = $mydomain
queue_directory = /var/spool/postfix
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
smtp_helo_name = out.$mydomain
inet_interfaces = 127.0.0.254
"""


class Programs(unittest.TestCase):
    def test_version_and_help_everywhere(self):
        for p in PROGRAMS:
            for flag in ("-h", "--help"):
                with self.subTest(program=p, flag=flag):
                    r = subprocess.run([os.path.join(BIN, p), flag], capture_output=True, text=True, timeout=30)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertIn("usage:", r.stdout)
            with self.subTest(program=p, flag="--version"):
                r = subprocess.run([os.path.join(BIN, p), "--version"], capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.stdout, r"^%s \(mxd\) \d+\.\d+\.\d+\n$" % p)
        for sub in ("resolve", "deliver"):
            r = subprocess.run([os.path.join(BIN, "mxctl"), sub, "--help"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("usage: mxctl %s" % sub, r.stdout)


class RealMainCf(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.cf = os.path.join(self.dir, "main.cf")
        with open(self.cf, "w") as f:
            f.write(MAIN_CF)

    def test_both_services_start_and_warn_once_per_unused_parameter(self):
        svc = DeliverySvc(self.procs, self.dir, extra_args=["--config", self.cf])
        port_file = os.path.join(self.dir, "r.port")
        log = os.path.join(self.dir, "resolver.log")
        start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0", "--port-file",
                                   port_file, "--config", self.cf], port_file, log)
        with open(log) as f:
            resolver_lines = [json.loads(l) for l in f if l.startswith("{")]
        for lines in (svc.log_lines(), resolver_lines):
            warnings = sorted(l["warning"] for l in lines if l["event"] == "configuration")
            self.assertEqual(warnings, [
                "%s line 3: unused parameter: mydomain=example.com" % self.cf,
                "%s line 4: unused parameter: myorigin=$mydomain" % self.cf,
                "%s line 5: unused parameter: queue_directory=/var/spool/postfix" % self.cf,
                "%s line 6: unused parameter: smtpd_recipient_restrictions=permit_mynetworks, "
                "reject_unauth_destination" % self.cf])
        # And delivers with that configuration.
        f = FaultServer(self.procs, self.dir, {})
        resp = svc.deliver(b"Subject: x\r\n\r\nx\r\n", ["a@mxd.test"], f.port)
        self.assertEqual(resp.outcomes[0].action, 1, resp.outcomes[0].reason)

    def test_a_typo_is_still_refused(self):
        with open(self.cf, "a") as f:
            f.write("smtp_helo_nmae = x\n")
        r = subprocess.run([os.path.join(BIN, "delivery-svc"), "--config", self.cf, "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 78)
        self.assertIn("line 9: unknown parameter 'smtp_helo_nmae'", r.stderr)


class MxctlJson(unittest.TestCase):
    def mxctl(self, *args):
        return subprocess.run([os.path.join(BIN, "mxctl")] + list(args), capture_output=True, text=True, timeout=60,
                              input="Subject: x\r\n\r\nx\r\n")

    def test_failed_calls_still_print_one_object(self):
        down = "127.0.0.1:%d" % free_port()
        for args in (["resolve", "example.com", "--resolver", down, "--json"],
                     ["deliver", "--from", "a@mxd.test", "--to", "b@mxd.test", "--resolver", down, "--json"]):
            with self.subTest(command=args[0]):
                r = self.mxctl(*args)
                self.assertEqual(r.returncode, 75, r.stderr)
                out = json.loads(r.stdout)
                self.assertEqual(out["error"]["code"], "UNAVAILABLE")
                self.assertIn("resolver-svc", out["error"]["message"])

    def test_an_invalid_next_hop_is_65_from_resolve_and_deliver(self):
        procs = Processes()
        workdir = tempdir(self)
        self.addCleanup(procs.stop_all)
        port_file = os.path.join(workdir, "r.port")
        _, port = start_service(procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                        "--port-file", port_file], port_file, os.path.join(workdir, "r.log"))
        resolver = "127.0.0.1:%d" % port
        for args in (["resolve", "a..b", "--resolver", resolver, "--json"],
                     ["deliver", "--from", "a@mxd.test", "--to", "b@mxd.test", "--nexthop", "a..b",
                      "--resolver", resolver, "--json"]):
            with self.subTest(command=args[0]):
                r = self.mxctl(*args)
                self.assertEqual(r.returncode, 65, r.stderr)
                out = json.loads(r.stdout)
                self.assertEqual(out["error"]["code"], "INVALID_ARGUMENT")
                self.assertIn("a..b", out["error"]["message"])


class ScriptsRun(unittest.TestCase):
    """scripts/run, the README's first command, with the binaries this test
    run built (MXD_BIN_DIR) and its sockets in a private directory."""

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def children(self, pid):
        """{program name: argv} of the processes whose parent is `pid`."""
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if ppid == pid and argv:
                out[os.path.basename(argv[0])] = (int(entry), argv)
        return out

    def test_dns_server_goes_to_resolver_svc_only_and_both_serve(self):
        nsd = Nsd(self.procs, self.dir)
        sink = FaultServer(self.procs, self.dir, {})
        run_dir = os.path.join(self.dir, "run")
        spool = os.path.join(self.dir, "spool")
        os.makedirs(spool)
        os.chmod(spool, 0o1777)
        os.chmod(self.dir, 0o755)  # the services drop root; they read the route key in run_dir
        argv = [os.path.join(HERE, "..", "..", "scripts", "run"), "--dns-server", "127.0.0.1:%d" % nsd.port,
                "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES,
                "-o", "delivery_spool_directory=" + spool, "-o", "smtp_helo_name=client.mxd.test"]
        argv, env = sanitizer_run_argv_env(argv, False)
        env = dict(env or os.environ, MXD_BIN_DIR=BIN, MXD_RUN_DIR=run_dir)
        log_path = os.path.join(self.dir, "run.log")
        with open(log_path, "w") as log:
            run = self.procs.start(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        sockets = [os.path.join(run_dir, n) for n in ("resolver.sock", "delivery.sock")]
        deadline = time.time() + 30
        while not all(os.path.exists(s) for s in sockets):
            if run.poll() is not None or time.time() > deadline:
                with open(log_path) as f:
                    self.fail("scripts/run exited %s: %s" % (run.poll(), f.read()))
            time.sleep(0.05)

        kids = self.children(run.pid)
        self.assertEqual(sorted(kids), ["delivery-svc", "resolver-svc"], kids)
        resolver_argv, delivery_argv = kids["resolver-svc"][1], kids["delivery-svc"][1]
        self.assertIn("--dns-server", resolver_argv)
        self.assertIn("127.0.0.1:%d" % nsd.port, resolver_argv)
        self.assertNotIn("--dns-server", delivery_argv)
        for service_argv in (resolver_argv, delivery_argv):  # the rest goes to both, with the route key
            self.assertIn("route_key_file=" + os.path.join(run_dir, "route.key"), service_argv)
            self.assertIn("smtp_helo_name=client.mxd.test", service_argv)

        # The resolver asks nsd (example.test's MX hosts), and a message goes
        # through both sockets with a route set signed by one and checked by
        # the other.
        mxctl = os.path.join(BIN, "mxctl")
        r = subprocess.run([mxctl, "resolve", "example.test", "--resolver", "unix:" + sockets[0], "--json"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        hosts = [route["host"] for route in json.loads(r.stdout)["routes"]]
        self.assertEqual(sorted(hosts[:2]), ["mx1.example.test", "mx2.example.test"])  # equal preference
        self.assertEqual(hosts[2:], ["mx3.example.test"])
        r = subprocess.run([mxctl, "deliver", "--resolver", "unix:" + sockets[0], "--delivery", "unix:" + sockets[1],
                            "--from", "a@mxd.test", "--to", "b@mxd.test", "--nexthop", "[127.0.0.1]:%d" % sink.port,
                            "-"], input=b"Subject: run\r\n\r\nhi\r\n", capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sink.data(), [b"Subject: run\r\n\r\nhi\r\n"])

        # SIGTERM to scripts/run stops both services.
        run.terminate()
        run.wait(timeout=20)
        for name, (pid, _) in kids.items():
            deadline = time.time() + 10
            while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(os.path.exists("/proc/%d" % pid), name + " still runs")


if __name__ == "__main__":
    unittest.main()
