"""The sanitizer runs check themselves: sanitizer_canary (built only in the
sanitizer builds) has one deliberate bug per argument, and run exactly the
way the harness runs the services (same environment, same report
directory, stderr to a log file) each bug must show up in what the harness
collects, which is what fails a test. Each sanitizer build runs its own
class (tests/integration/CMakeLists.txt); the canary's report files are
removed afterwards, so the run's final check (scripts/test) sees only real
ones."""
import glob
import os
import unittest

from delivery_harness import BIN, SANITIZER_LOG_DIR, Processes, sanitizer_run_argv_env, tempdir


class CanaryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempdir(self)
        self.procs = Processes()

    def run_canary(self, bug, confined=False):
        """(exit code, what the harness collected) for one bug."""
        _, env = sanitizer_run_argv_env([], confined)
        log = os.path.join(self.dir, "canary-%s.log" % bug)
        with open(log, "w") as f:
            p = self.procs.start([os.path.join(BIN, "sanitizer_canary"), bug], stderr=f, env=env)
        self.procs.stderr_logs[p.pid] = log
        try:
            p.wait(timeout=60)
            return p.returncode, "\n".join(self.procs.sanitizer_reports(p.pid))
        finally:
            self.procs.stop(p)
            self.procs.procs.remove(p)
            for path in glob.glob(os.path.join(SANITIZER_LOG_DIR, "*.%d" % p.pid)):
                os.remove(path)

    # Both builds: the harness collects nothing from a correct program.
    def test_a_correct_run_reports_nothing(self):
        code, reports = self.run_canary("none")
        self.assertEqual((code, reports), (0, ""))


class AddressSanitizerRun(CanaryTest):
    def test_use_after_free_is_reported(self):
        code, reports = self.run_canary("use-after-free")
        self.assertNotEqual(code, 0)
        self.assertIn("ERROR: AddressSanitizer: heap-use-after-free", reports)
        self.assertIn("UseAfterFree", reports)  # with a symbolised stack

    def test_undefined_behaviour_is_reported(self):
        code, reports = self.run_canary("overflow")
        self.assertNotEqual(code, 0)
        self.assertIn("runtime error: signed integer overflow", reports)

    def test_leak_is_reported_at_exit(self):
        code, reports = self.run_canary("leak")
        self.assertNotEqual(code, 0)
        self.assertIn("ERROR: LeakSanitizer: detected memory leaks", reports)

    def test_a_confined_service_reports_on_stderr(self):
        # Tests that keep the seccomp filter cannot open report files: their
        # reports go to stderr, which the harness reads too.
        code, reports = self.run_canary("use-after-free", confined=True)
        self.assertNotEqual(code, 0)
        self.assertIn("heap-use-after-free", reports)
        self.assertIn("canary-use-after-free.log", reports)


class ThreadSanitizerRun(CanaryTest):
    def test_data_race_is_reported(self):
        code, reports = self.run_canary("race")
        self.assertNotEqual(code, 0)
        self.assertIn("WARNING: ThreadSanitizer: data race", reports)
        self.assertIn("Race", reports)


if __name__ == "__main__":
    unittest.main()
