"""Shared by the benchmark drivers: test messages and timing Postfix's own
smtp client (a private Postfix instance, messages held, then released)."""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MXD_BIN_DIR", os.path.join(ROOT, "build", "bin"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(BIN), "python"))
from delivery_harness import free_port, start_service, wait_for_port  # noqa: E402


def message(size):
    m = "From: bench@mxd.test\nTo: sink@mxd.test\nSubject: delivery_bench\n\n"
    line = "x" * 76 + "\n"
    while len(m) + len(line) <= size:
        m += line
    return m + "y" * max(0, size - len(m))


def ceiling_run(sink_port, n, size, concurrency):
    """The practical ceiling of an SMTP client on this machine: Postfix's
    smtp-source sending n messages of `size` octets over `concurrency`
    reused connections (-d) to the same sink; messages per second."""
    start = time.time()
    subprocess.run(["smtp-source", "-d", "-s", str(concurrency), "-m", str(n), "-l", str(size),
                    "-f", "bench@mxd.test", "-t", "sink@mxd.test", "-M", "bench.local",
                    "127.0.0.1:%d" % sink_port], check=True, capture_output=True)
    return n / (time.time() - start)


def queue_size(pf):
    n = 0
    for sub in ("incoming", "active", "deferred", "maildrop", "hold"):
        for _, _, files in os.walk(os.path.join(pf.queue, sub)):
            n += len(files)
    return n


def postfix_run(pf, n, size, concurrency):
    """Postfix's delivery rate: n messages are injected into the hold queue
    (a header_checks HOLD rule), released at once, and timed until the queue
    is empty: only the queue manager and smtp client work is measured."""
    subprocess.run(["postconf", "-c", pf.dir, "-e",
                    "smtp_destination_concurrency_limit = %d" % concurrency,
                    "default_destination_concurrency_limit = %d" % concurrency,
                    "initial_destination_concurrency = %d" % concurrency], check=True)
    subprocess.run(["postfix", "-c", pf.dir, "reload"], check=True, capture_output=True)
    body = message(size).encode()
    for _ in range(n):
        subprocess.run(["/usr/sbin/sendmail", "-C", pf.dir, "-f", "bench@mxd.test", "sink@mxd.test"],
                       input=body, check=True, env=dict(os.environ, MAIL_CONFIG=pf.dir))
    deadline = time.time() + 300
    while sum(len(f) for _, _, f in os.walk(os.path.join(pf.queue, "hold"))) < n:
        if time.time() > deadline:
            raise RuntimeError("Postfix did not queue the messages")
        time.sleep(0.1)
    start = time.time()
    subprocess.run(["postsuper", "-c", pf.dir, "-H", "ALL"], check=True, capture_output=True)
    subprocess.run(["postqueue", "-c", pf.dir, "-f"], check=True)
    while queue_size(pf) > 0:
        if time.time() - start > 600:
            raise RuntimeError("Postfix did not empty its queue")
        time.sleep(0.02)
    return n / (time.time() - start)


def rss_kib(pid):
    """A process's resident memory (VmRSS), KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def start_sink(procs):
    """Postfix's smtp-sink on 127.0.0.1 (every message accepted); its port."""
    port = free_port()
    procs.start(["smtp-sink", "-c"] + (["-u", "nobody"] if os.geteuid() == 0 else []) +
                ["127.0.0.1:%d" % port, "1000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return port


def start_delivery(procs, tmp, options=()):
    """delivery-svc on 127.0.0.1 with a spool in `tmp`, set up for benchmarks
    (a destination concurrency of 100); `options` are more -o name=value.
    The process and its gRPC port."""
    spool = os.path.join(tmp, "spool")
    os.makedirs(spool)
    os.chmod(spool, 0o1777)
    port_file = os.path.join(tmp, "d.port")
    return start_service(procs, [os.path.join(BIN, "delivery-svc"), "--listen", "127.0.0.1:0",
                                 "--port-file", port_file, "-o", "smtp_helo_name=bench.local",
                                 "-o", "delivery_spool_directory=" + spool,
                                 "-o", "smtp_destination_concurrency_limit=100"]
                         + [a for o in options for a in ("-o", o)],
                         port_file, os.path.join(tmp, "delivery.log"))


def mxd_run(port, sink_port, n, size, concurrency, stream=True):
    """delivery_bench: n messages of `size` octets through delivery-svc to the
    sink, `concurrency` in flight (one DeliverStream, or one Deliver call per
    message); messages per second."""
    out = subprocess.run([os.path.join(BIN, "delivery_bench"), "--delivery", "127.0.0.1:%d" % port,
                          "--sink-port", str(sink_port), "--messages", str(n), "--size", str(size),
                          "--concurrency", str(concurrency)] + (["--stream"] if stream else []),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("delivery_bench failed: " + out.stdout + out.stderr)
    return float(out.stdout.split()[5])
