"""Many callers at once: the gRPC adapters, the request limits, the
connection cache and the concurrency limits under concurrent load. This
module is also what the ThreadSanitizer build runs against the services."""
import asyncio
import os
import threading
import unittest

import grpc

from delivery_harness import SANITIZER_LOG_DIR, DeliverySvc, FaultServer, Processes, SmtpSink, tempdir
from mxd.v1 import delivery_pb2, delivery_pb2_grpc, resolver_pb2, resolver_pb2_grpc
from resolver_harness import Nsd, ResolverSvc

DELIVERED = delivery_pb2.ACTION_DELIVERED
DEFERRED = delivery_pb2.ACTION_DEFERRED
BOUNCED = delivery_pb2.ACTION_BOUNCED
MESSAGE = b"From: a@mxd.test\r\nTo: b@mxd.test\r\nSubject: load\r\n\r\nbody\r\n"


def proc_usage(pid):
    """(open file descriptors, RSS in KiB) of process `pid`."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return fds, rss


def received(sink):
    """Messages in smtp-sink's dump files (several to a file)."""
    return sum(m.count(b"Subject: load") for m in sink.messages())


def envelope(queue_id, recipients, port, size=len(MESSAGE)):
    env = delivery_pb2.Envelope(queue_id=queue_id, sender="sender@mxd.test",
                                recipients=[delivery_pb2.Recipient(address=r) for r in recipients],
                                nexthop="[127.0.0.1]:%d" % port, body_type=delivery_pb2.BODY_TYPE_7BIT,
                                message_size=size)
    env.routes.extend([resolver_pb2.Route(host="127.0.0.1", port=port, addresses=["127.0.0.1"])])
    return env


class ServicesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempdir(self)
        self.procs = Processes()
        self.addCleanup(self.procs.stop_all)


class ManyDeliverStreams(ServicesTest):
    """A queue manager that opens far more Deliver streams than the service
    takes: the excess gets RESOURCE_EXHAUSTED at once, the accepted ones all
    complete, memory and descriptors stay bounded, and the service keeps
    serving."""

    STREAMS = 3000
    LIMIT = 2000

    def test_excess_streams_get_resource_exhausted_and_the_rest_complete(self):
        sink = SmtpSink(self.procs, self.dir)
        svc = DeliverySvc(self.procs, self.dir, ["delivery_pending_request_limit=%d" % self.LIMIT,
                                                  "delivery_session_limit=20",
                                                  "smtp_destination_concurrency_limit=20"])
        fds_before, rss_before = proc_usage(svc.proc.pid)
        results = asyncio.run(self.open_streams(svc, sink.port))
        exhausted = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        replies = [r for r in results if not isinstance(r, BaseException)]
        others = [r for r in results if isinstance(r, BaseException) and r not in exhausted]
        self.assertEqual(others, [])
        self.assertEqual(len(replies), self.LIMIT)
        self.assertEqual(len(exhausted), self.STREAMS - self.LIMIT)
        for e in exhausted:
            self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
            self.assertIn("delivery_pending_request_limit = %d" % self.LIMIT, e.details())
        # Every accepted request: exactly one outcome, delivered (the sink accepts all).
        for r in replies:
            self.assertEqual([o.action for o in r.outcomes], [DELIVERED], r)
        self.assertEqual(received(sink), self.LIMIT)
        # About 20 KiB per held stream in the normal build; the sanitizers'
        # shadow memory and allocator metadata take more.
        bound = 200 * 1024 * (3 if SANITIZER_LOG_DIR else 1)
        self.assertLess(self.held_rss - rss_before, bound, "RSS KiB while holding %d streams" % self.LIMIT)
        self.assertLessEqual(self.held_fds, fds_before + self.LIMIT + 64)
        # Still serving, and the spool files are gone with their requests.
        self.assertEqual(svc.deliver(MESSAGE, ["after@mxd.test"], sink.port).outcomes[0].action, DELIVERED)
        self.assertLess(proc_usage(svc.proc.pid)[0], fds_before + 64)

    async def open_streams(self, svc, port):
        release = asyncio.Event()
        async with grpc.aio.insecure_channel(svc.target) as channel:
            stub = delivery_pb2_grpc.DeliveryStub(channel)

            async def requests(i):
                yield delivery_pb2.DeliverRequest(envelope=envelope("L%d" % i, ["r%d@mxd.test" % i], port))
                await release.wait()  # the stream stays open: the request is in progress
                yield delivery_pb2.DeliverRequest(chunk=MESSAGE)

            calls = [asyncio.ensure_future(stub.Deliver(requests(i), timeout=120)) for i in range(self.STREAMS)]
            # The excess is refused while the accepted streams are still open.
            deadline = asyncio.get_running_loop().time() + 60
            while sum(c.done() for c in calls) < self.STREAMS - self.LIMIT:
                self.assertLess(asyncio.get_running_loop().time(), deadline, "refusals did not come")
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            self.assertEqual(sum(c.done() for c in calls), self.STREAMS - self.LIMIT)
            self.held_fds, self.held_rss = proc_usage(svc.proc.pid)
            release.set()
            return await asyncio.gather(*calls, return_exceptions=True)


class ConcurrentDeliveries(ServicesTest):
    """Threads delivering at once to good and faulty servers through one
    service: the connection cache, the per-destination and global limits and
    the gRPC reactors are all busy on several threads."""

    def test_every_recipient_gets_one_outcome_under_concurrency(self):
        sink = SmtpSink(self.procs, self.dir)
        soft = FaultServer(self.procs, self.dir, {"rcpt_by_address": {"soft": "450 4.2.0 try later",
                                                                       "hard": "550 5.1.1 no such user"}})
        hangup = FaultServer(self.procs, self.dir, {"DATA": {"do": "close"}})
        svc = DeliverySvc(self.procs, self.dir, ["delivery_session_limit=8", "smtp_destination_concurrency_limit=3",
                                                  "smtp_data_done_timeout=5s"])
        cases = [(sink.port, ["a@mxd.test", "b@mxd.test"], [DELIVERED, DELIVERED]),
                 (soft.port, ["ok@mxd.test", "soft@mxd.test", "hard@mxd.test"], [DELIVERED, DEFERRED, BOUNCED]),
                 (hangup.port, ["x@mxd.test"], [DEFERRED])]
        failures = []
        lock = threading.Lock()

        def worker(n):
            for i in range(12):
                port, rcpts, expected = cases[(n + i) % len(cases)]
                try:
                    reply = svc.deliver(MESSAGE, rcpts, port, timeout=60)
                    got = [o.action for o in reply.outcomes]
                    if got != expected or [o.address for o in reply.outcomes] != rcpts:
                        raise AssertionError("%s -> %s" % (rcpts, reply))
                except Exception as e:  # collected: the main thread fails the test
                    with lock:
                        failures.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertEqual(received(sink), 16 * 12 // 3)


class SessionLimitAcrossLoops(ServicesTest):
    """delivery_session_limit holds for the process, not per event loop:
    12 next hops spread over 4 loops, 3 sessions at a time in all, and all
    3 in use while work waits (a session ending on one loop starts a waiter
    on another)."""

    def test_the_total_counts_across_event_loops(self):
        server = FaultServer(self.procs, self.dir, {"GREETING": {"delay": 0.4}})
        svc = DeliverySvc(self.procs, self.dir, ["delivery_event_loops=4", "delivery_session_limit=3",
                                                  "smtp_destination_concurrency_limit=10",
                                                  "smtp_connection_cache_on_demand=no"])
        results = {}

        def deliver(n):
            results[n] = svc.deliver(MESSAGE, ["a@mxd.test"], server.port, nexthop="d%d.test" % n, timeout=60)

        threads = [threading.Thread(target=deliver, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), list(range(12)))
        for r in results.values():
            self.assertEqual(r.outcomes[0].action, DELIVERED, r)
        # From a connection's arrival to its message's content, the session
        # holds its place in the total: at most 3 such spans overlap.
        open_now, most = set(), 0
        for e in server.new_events():
            if e["event"] == "connect":
                open_now.add(e["conn"])
                most = max(most, len(open_now))
            elif e["event"] in ("data", "disconnect"):
                open_now.discard(e["conn"])
        self.assertEqual(most, 3)


class ConcurrentResolves(ServicesTest):
    """Many callers resolving the same and different names: cache hits on
    gRPC threads, lookups merged on the event loop, and the request limit."""

    def test_concurrent_resolves_agree(self):
        nsd = Nsd(self.procs, self.dir)
        svc = ResolverSvc(self.procs, self.dir, nsd.port)
        hops = ["example.test", "loop.example.test", "nomx.example.test", "nullmx.example.test",
                "halfaddr.example.test", "outside.example.test", "alias.example.test", "missing.example.test",
                "[mx1.example.test]", "relay.example.test"]
        names = [hops[i % len(hops)] for i in range(400)]
        with grpc.insecure_channel(svc.target) as channel:
            stub = resolver_pb2_grpc.ResolverStub(channel)
            futures = [stub.Resolve.future(resolver_pb2.ResolveRequest(nexthop=n), timeout=30) for n in names]
            replies = [f.result() for f in futures]
        # The same next hop gets the same answer whether it came from DNS,
        # from a merged lookup or from the cache (equal MX preferences are
        # shuffled, so hosts are compared as sets).
        answers = {}
        for n, r in zip(names, replies):
            answers.setdefault(n, set()).add((r.status, r.enhanced_status,
                                              frozenset((x.host, x.port, tuple(sorted(x.addresses))) for x in r.routes)))
        for n, forms in answers.items():
            self.assertEqual(len(forms), 1, "%s: %s" % (n, forms))
        self.assertEqual(len(answers), len(hops))
        ok = [n for n, forms in answers.items() if next(iter(forms))[0] == resolver_pb2.RESOLVE_STATUS_OK]
        self.assertIn("example.test", ok)


if __name__ == "__main__":
    unittest.main()
