"""Test fixtures for delivery-svc: the service itself, real SMTP peers on
127.0.0.1 (Postfix's smtp-sink and smtpd, aiosmtpd) and our fault server,
each started on a free port and stopped by PID."""
import base64
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import grpc

from mxd.v1 import delivery_pb2, delivery_pb2_grpc, resolver_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("MXD_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))
PYTHON = "/usr/bin/python3"
# Set for the ASan+UBSan build's run (tests/integration/CMakeLists.txt): every
# instrumented program writes its reports here (ASAN_OPTIONS log_path).
SANITIZER_LOG_DIR = os.environ.get("MXD_SANITIZER_LOG_DIR")



# The test zones point mail at 127.0.0.x, which resolver_prohibited_networks
# refuses by default (test_prohibited_networks.py tests that): resolver-svc in the
# other tests runs with "-o" this.
LOOPBACK_ZONES = "resolver_prohibited_networks="

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on 127.0.0.1:%d" % port)


class Processes:
    """Starts processes and always stops them by PID."""

    def __init__(self):
        self.procs = []
        self.stderr_logs = {}  # pid -> the file a service's stderr goes to

    def start(self, argv, **kw):
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM):
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)
        procs, self.procs = self.procs, []
        reports = [r for p in procs for r in self.sanitizer_reports(p.pid)]
        if reports:
            raise AssertionError("sanitizer report:\n" + "\n".join(reports))

    def sanitizer_reports(self, pid):
        """What ASan, LSan or UBSan said about process `pid` (sanitizer run only)."""
        if not SANITIZER_LOG_DIR:
            return []
        out = []
        for path in glob.glob(os.path.join(SANITIZER_LOG_DIR, "*.%d" % pid)):
            with open(path, errors="replace") as f:
                out.append(path + ":\n" + f.read())
        log = self.stderr_logs.pop(pid, None)
        if log and os.path.exists(log):
            with open(log, errors="replace") as f:
                text = f.read()
            if "Sanitizer" in text or "runtime error:" in text:
                out.append(log + ":\n" + text[-20000:])
        return out


def sanitizer_run_argv_env(argv, confined):
    """The sanitizer runs start services without their sandbox: under the
    seccomp filter LeakSanitizer's exit-time check cannot work (its tracer
    thread is refused ptrace and /proc/self/task; the process then spins
    instead of exiting). A test that checks the confinement itself (`confined`)
    keeps the sandbox and runs with ASan and UBSan but without the leak check;
    its reports go to stderr, because opening a log file is refused."""
    if not SANITIZER_LOG_DIR:
        return argv, None
    env = dict(os.environ)
    if confined:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0:log_path=stderr"
        for name in ("UBSAN_OPTIONS", "TSAN_OPTIONS"):
            env[name] = env.get(name, "") + ":log_path=stderr"
        return argv, env
    if "--no-sandbox" not in argv:
        argv = argv + ["--no-sandbox"]
    return argv, env


def start_service(procs, argv, port_file, log_path, confined=False):
    """Starts an mxd service with stderr to `log_path`; returns the process
    and the port it wrote to `port_file`. `confined`: the test checks the
    sandbox, which stays on in the sanitizer run too."""
    argv, env = sanitizer_run_argv_env(argv, confined)
    with open(log_path, "w") as log:
        proc = procs.start(argv, stderr=log, env=env)
    procs.stderr_logs[proc.pid] = log_path
    deadline = time.time() + 10
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            with open(log_path) as log:
                raise RuntimeError("%s exited %s: %s" % (os.path.basename(argv[0]), proc.poll(), log.read()))
        time.sleep(0.02)
    with open(port_file) as f:
        return proc, int(f.read())


DEFAULT_DELIVER_TIMEOUT = 2490  # client::DefaultDeliverTimeout() with Postfix's defaults


class DeliverySvc:
    count = 0

    def __init__(self, procs, workdir, options=(), extra_args=(), confined=False):
        self.workdir = workdir
        DeliverySvc.count += 1
        port_file = os.path.join(workdir, "delivery-%d.port" % DeliverySvc.count)
        self.log_path = os.path.join(workdir, "delivery-%d.log" % DeliverySvc.count)
        # The service drops root (sandbox_user): its spool must be writable then.
        spool = os.path.join(workdir, "spool")
        os.makedirs(spool, exist_ok=True)
        os.chmod(spool, 0o1777)
        argv = [os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0", "--port-file", port_file,
                "-o", "smtp_helo_name=client.mxd.test", "-o", "delivery_spool_directory=" + spool]
        for o in options:
            argv += ["-o", o]
        argv += list(extra_args)
        self.proc, self.port = start_service(procs, argv, port_file, self.log_path, confined)
        self.target = "127.0.0.1:%d" % self.port
        self.channel = grpc.insecure_channel(self.target)
        self.stub = delivery_pb2_grpc.DeliveryStub(self.channel)

    def log_lines(self):
        with open(self.log_path) as f:
            return [json.loads(l) for l in f if l.startswith("{")]

    def deliver(self, content, recipients, port, timeout=None, chunk=4096, **kw):
        if isinstance(content, str):
            content = content.encode()
        env = self.envelope(content, recipients, port, **kw)

        # Like mxctl and the client library: one server's worst case with
        # Postfix's default timeouts plus a minute (docs/delivery.md). A
        # shorter deadline stops delivery-svc from trying another server.
        if timeout is None:
            timeout = DEFAULT_DELIVER_TIMEOUT

        def requests():
            yield delivery_pb2.DeliverRequest(envelope=env)
            for i in range(0, len(content), chunk):
                yield delivery_pb2.DeliverRequest(chunk=content[i:i + chunk])
        return self.stub.Deliver(requests(), timeout=timeout)

    @staticmethod
    def envelope(content, recipients, port, sender="sender@mxd.test", host="127.0.0.1", addresses=("127.0.0.1",),
                 routes=None, body_type=delivery_pb2.BODY_TYPE_7BIT, message_size=None, arrival=None, nexthop=None,
                 envelope_extra=None):
        env = delivery_pb2.Envelope(
            queue_id="T%d" % int(time.time() * 1000 % 1000000), sender=sender,
            recipients=[delivery_pb2.Recipient(address=r) for r in recipients],
            nexthop=nexthop or "[%s]:%d" % (host, port), body_type=body_type,
            message_size=len(content) if message_size is None else message_size)
        if routes is None:
            routes = [resolver_pb2.Route(host=host, port=port, addresses=list(addresses))]
        env.routes.extend(routes)
        if arrival is not None:
            env.arrival_time.seconds = int(arrival)
        if envelope_extra:
            envelope_extra(env)
        return env


class FaultServer:
    def __init__(self, procs, workdir, script, port=None):
        self.port = port or free_port()
        self.record_path = os.path.join(workdir, "fault-%d.jsonl" % self.port)
        script_path = os.path.join(workdir, "fault-%d.json" % self.port)
        with open(script_path, "w") as f:
            json.dump(script, f)
        self.proc = procs.start([PYTHON, os.path.join(HERE, "fault_smtp.py"), "--port", str(self.port),
                                 "--script", script_path, "--record", self.record_path])
        wait_for_port(self.port)
        # The readiness probe itself was a connection: forget it.
        time.sleep(0.1)
        self.baseline = len(self.events())

    def events(self):
        if not os.path.exists(self.record_path):
            return []
        with open(self.record_path) as f:
            return [json.loads(l) for l in f]

    def new_events(self):
        return [e for e in self.events()[self.baseline:] if e.get("conn", 0) > 1]

    def commands(self):
        return [e["line"] for e in self.new_events() if e["event"] == "command"]

    def data(self):
        return [base64.b64decode(e["raw"]) for e in self.new_events() if e["event"] == "data"]

    def connections(self):
        return len({e["conn"] for e in self.new_events() if e["event"] == "connect"})


class SmtpSink:
    """Postfix's smtp-sink, dumping each message to a file."""

    def __init__(self, procs, workdir, extra=()):
        self.port = free_port()
        self.dir = os.path.join(workdir, "sink-%d" % self.port)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)
        argv = ["smtp-sink", "-c", "-D", os.path.join(self.dir, "%M%S.%P")]
        if os.geteuid() == 0:
            argv += ["-u", "nobody"]
        argv += list(extra) + ["127.0.0.1:%d" % self.port, "100"]
        self.proc = procs.start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            with open(os.path.join(self.dir, name), "rb") as f:
                out.append(f.read())
        return out


def confined_status(pid, timeout=5.0):
    """/proc/PID/status as a dict, once the seccomp filter is on (a service
    installs it just after writing its port file), or after `timeout`."""
    deadline = time.time() + timeout
    while True:
        with open("/proc/%d/status" % pid) as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        if status.get("Seccomp") == "2" or time.time() > deadline:
            return status
        time.sleep(0.05)


def tempdir(test):
    """A directory removed after the test. Create it before registering
    Processes.stop_all: cleanups run last-in first-out, and stop_all reads
    the services' logs in it."""
    d = tempfile.mkdtemp(prefix="mxd-it-")
    os.chmod(d, 0o755)
    test.addCleanup(shutil.rmtree, d, True)
    return d


DELIVERED, DEFERRED, BOUNCED = (delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED,
                                delivery_pb2.ACTION_BOUNCED)
MESSAGE = b"From: a@mxd.test\r\nSubject: test\r\n\r\nline one\r\n.starts with a dot\r\nlast line\r\n"


class DeliveryTestBase(unittest.TestCase):
    """A delivery-svc of its own per test, and fault servers on demand."""
    svc_options = ()
    confined = False  # the sanitizer run keeps the sandbox only for tests that check it

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        self.svc = DeliverySvc(self.procs, self.dir, self.svc_options, confined=self.confined)

    def fault(self, script):
        return FaultServer(self.procs, self.dir, script)
