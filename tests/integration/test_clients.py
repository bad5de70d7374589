"""The client examples against the real services: the Python example from
docs/clients.md (stubs generated from proto/) and the C++ queue-manager loop
(cli/examples/queue_manager_example.cc)."""
import json
import os
import subprocess
import unittest

from delivery_harness import (BIN, LOOPBACK_ZONES, HERE, DeliverySvc, FaultServer, Processes, sanitizer_run_argv_env, start_service,
                              tempdir)

EXAMPLES = os.path.join(HERE, "..", "..", "cli", "examples")
MESSAGE = b"Subject: example\r\n\r\nhello\r\n"


class ClientExamples(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.fault = FaultServer(self.procs, self.dir, {"rcpt_by_address": {
            "busy@": "450 4.2.1 mailbox busy", "gone@": "550 5.1.1 user unknown"}})
        self.svc = DeliverySvc(self.procs, self.dir)
        _, port = start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", os.path.join(self.dir, "r.port"),
                                             "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES],
                                os.path.join(self.dir, "r.port"), os.path.join(self.dir, "r.log"))
        self.resolver = "127.0.0.1:%d" % port
        self.msg = os.path.join(self.dir, "m.eml")
        with open(self.msg, "wb") as f:
            f.write(MESSAGE)
        self.nexthop = "[127.0.0.1]:%d" % self.fault.port

    def test_python_example(self):
        r = subprocess.run(["/usr/bin/python3", os.path.join(EXAMPLES, "python", "mxd_deliver.py"),
                            "--resolver", self.resolver, "--delivery", self.svc.target, "--from", "s@mxd.test",
                            "--to", "ok@mxd.test", "--to", "gone@mxd.test", "--nexthop", self.nexthop, self.msg],
                           capture_output=True, text=True, env=dict(os.environ), timeout=60)
        self.assertEqual(r.returncode, 69, r.stderr)
        rows = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([(x["address"], x["action"]) for x in rows],
                         [("ok@mxd.test", "delivered"), ("gone@mxd.test", "bounced")])
        self.assertEqual(rows[1]["enhanced_status"], "5.1.1")
        self.assertEqual(self.fault.data(), [MESSAGE])

    def test_python_stream_example(self):
        # Three messages on one DeliverStream, the service allowing two in
        # flight: every message answered once, in whatever order.
        svc = DeliverySvc(self.procs, self.dir, ["delivery_stream_message_limit=2"])
        files = []
        for n in range(3):
            files.append(os.path.join(self.dir, "s%d.eml" % n))
            with open(files[-1], "wb") as f:
                f.write(b"Subject: stream %d\r\n\r\n" % n + (b"x" * 76 + b"\r\n") * (1300 * n) + b"end\r\n")
        r = subprocess.run(["/usr/bin/python3", os.path.join(EXAMPLES, "python", "mxd_deliver_stream.py"),
                            "--resolver", self.resolver, "--delivery", svc.target, "--from", "s@mxd.test",
                            "--to", "ok@mxd.test", "--to", "gone@mxd.test", "--nexthop", self.nexthop] + files,
                           capture_output=True, text=True, env=dict(os.environ), timeout=60)
        self.assertEqual(r.returncode, 69, r.stderr)
        rows = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(sorted((x["message"], x["address"], x["action"]) for x in rows),
                         sorted((f, a, act) for f in files
                                for a, act in (("ok@mxd.test", "delivered"), ("gone@mxd.test", "bounced"))))
        sent = sorted(self.fault.data())
        self.assertEqual(sent, sorted(open(f, "rb").read() for f in files))

    def test_queue_manager_loop(self):
        queue = os.path.join(self.dir, "queue")
        os.makedirs(queue)
        # The example resolves each recipient's domain: use literal-free domains
        # routed by relayhost to the fault server.
        _, port = start_service(self.procs, [os.path.join(BIN, "resolver-svc"), "--listen", "127.0.0.1:0",
                                             "--port-file", os.path.join(self.dir, "r2.port"),
                                             "-o", "inet_interfaces=127.0.0.254", "-o", LOOPBACK_ZONES, "-o", "relayhost=" + self.nexthop],
                                os.path.join(self.dir, "r2.port"), os.path.join(self.dir, "r2.log"))
        for name, rcpts in [("one", ["ok@a.test", "busy@a.test"]), ("two", ["gone@b.test"])]:
            with open(os.path.join(queue, name + ".eml"), "wb") as f:
                f.write(MESSAGE)
            with open(os.path.join(queue, name + ".env"), "w") as f:
                f.write("s@mxd.test\n" + "\n".join(rcpts) + "\n")
        r = subprocess.run([os.path.join(BIN, "queue_manager_example"), "--resolver", "127.0.0.1:%d" % port,
                            "--delivery", self.svc.target, "--max-attempts", "2", "--retry-delay", "1s", queue],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        out = r.stdout
        self.assertIn("one ok@a.test: delivered", out)
        self.assertEqual(out.count("one busy@a.test: deferred"), 2)  # retried once, still busy
        self.assertIn("two gone@b.test: bounced", out)
        self.assertIn("done: 1 recipient(s) still deferred after 2 attempt(s)", out)


if __name__ == "__main__":
    unittest.main()


class Demo(unittest.TestCase):
    def test_scripts_demo_shows_every_outcome(self):
        # The demo runs the services confined, as an operator would.
        _, env = sanitizer_run_argv_env([], confined=True)
        r = subprocess.run([os.path.join(HERE, "..", "..", "scripts", "demo")], capture_output=True, text=True,
                           timeout=120, env=env or dict(os.environ))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for line in ["ok@demo.test: delivered (2.0.0) 250 2.0.0 Ok",
                     "later@demo.test: deferred (4.2.1) host mx.demo.test[127.0.0.2] said: 450 4.2.1",
                     "nobody@demo.test: bounced (5.1.1) host mx.demo.test[127.0.0.2] said: 550 5.1.1",
                     "someone@nomx.demo.test: delivered (2.0.0)",
                     "someone@nullmx.demo.test: bounced (5.1.10) Domain nullmx.demo.test does not accept mail"]:
            self.assertIn(line, r.stdout)
        self.assertEqual([l.strip() for l in r.stdout.splitlines() if "exit code" in l],
                         ["exit code 0", "exit code 75", "exit code 69", "exit code 0", "exit code 69"])
