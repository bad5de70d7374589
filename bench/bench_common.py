"""Shared by the benchmark drivers: test messages and timing Postfix's own
smtp client (a private Postfix instance, messages held, then released)."""
import os
import subprocess
import time


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
