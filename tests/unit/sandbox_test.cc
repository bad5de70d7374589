// The seccomp filter, tried in forked children (gtest death tests): allowed
// calls work, forbidden ones kill the process with a log line.
#include "common/sandbox/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/sandbox/file_reads.h"
#include "common/sandbox/syscall_allowlist.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

bool Killed(int status) {
  return (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) ||
         (WIFEXITED(status) && WEXITSTATUS(status) == 159);
}

void ExecTrue() {
  char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
  execve("/bin/true", argv, environ);
}

void Enter(bool read_only_opens = false) {
  absl::StatusOr<SandboxUser> user = PrepareSandbox("nobody");
  absl::Status s = user.ok() ? EnterSandbox(*user, true, read_only_opens) : user.status();
  if (!s.ok()) {
    std::fprintf(stderr, "EnterSandbox: %s\n", std::string(s.message()).c_str());
    std::_Exit(2);
  }
}

// A directory nobody may read, holding one file (made again in the child
// that a death test re-executes, so the same on both sides).
std::string ReadableDirectory() {
  const std::string dir = ::testing::TempDir() + "mxd_file_reads_test";
  mkdir(dir.c_str(), 0755);
  chmod(dir.c_str(), 0755);
  const int fd = open((dir + "/tls.crt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, "cert", 4) != 4) std::abort();
  close(fd);
  return dir;
}

// Re-exec for each death test: a plain clone() child confuses glibc's
// cross-thread setuid (SIGSETXID) that the privilege drop relies on.
class ThreadsafeDeathTests : public ::testing::Environment {
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};
const auto* const kDeathTestStyle = ::testing::AddGlobalTestEnvironment(new ThreadsafeDeathTests);

TEST(SandboxDeathTest, ExecveKillsTheProcessWithALogLine) {
  EXPECT_EXIT(
      {
        Enter();
        ExecTrue();
        std::_Exit(0);  // not reached
      },
      Killed, "seccomp_violation.*\"syscall\":59");
}

TEST(SandboxDeathTest, PtraceAndMountAreForbidden) {
  EXPECT_EXIT(
      {
        Enter();
        ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
  EXPECT_EXIT(
      {
        Enter();
        mount("none", "/tmp", "tmpfs", 0, nullptr);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
}

TEST(SandboxDeathTest, EveryThreadIsFiltered) {
  EXPECT_EXIT(
      {
        // Become nobody first, single-threaded (inside gtest's death-test
        // child, glibc's cross-thread setuid is not reliable); then the
        // filter must reach the thread that already runs.
        if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                               setresuid(65534, 65534, 65534) != 0)) {
          std::_Exit(2);
        }
        std::thread waiting([] {
          sleep(1);  // the filter arrives meanwhile (TSYNC)
          ExecTrue();
          std::_Exit(0);
        });
        Enter();
        waiting.join();
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
}

TEST(SandboxDeathTest, FilesCannotBeOpenedButTheSpoolWorks) {
  EXPECT_EXIT(
      {
        Enter();
        errno = 0;
        const int fd = open("/etc/passwd", O_RDONLY);
        if (fd >= 0 || errno != EACCES) std::_Exit(3);
        const int tmp = open("/tmp", O_TMPFILE | O_RDWR, 0600);
        if (tmp < 0) std::_Exit(4);
        if (write(tmp, "x", 1) != 1) std::_Exit(5);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// grpc_tls_reload_interval: gRPC reads the TLS files again once confined.
// Landlock limits the reads to their directory, the filter keeps opens
// read-only, and threads started later are bound as well.
TEST(SandboxDeathTest, ReadsOnlyBeneathTheGivenDirectories) {
  const std::string dir = ReadableDirectory();
  EXPECT_EXIT(
      {
        const std::string d = ReadableDirectory();
        absl::StatusOr<SandboxUser> user = PrepareSandbox("nobody");
        if (!user.ok()) std::_Exit(2);
        if (absl::Status s = LimitFileReadsTo({d}); !s.ok()) {
          std::fprintf(stderr, "LimitFileReadsTo: %s\n", std::string(s.message()).c_str());
          std::_Exit(absl::IsUnimplemented(s) ? 20 : 2);
        }
        if (!EnterSandbox(*user, true, true).ok()) std::_Exit(2);
        char buf[8] = {};
        const int fd = open((d + "/tls.crt").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf)) != 4 || std::strcmp(buf, "cert") != 0) std::_Exit(3);
        errno = 0;
        if (open("/etc/passwd", O_RDONLY) >= 0 || errno != EACCES) std::_Exit(4);  // Landlock
        errno = 0;
        if (open((d + "/tls.crt").c_str(), O_RDWR) >= 0 || errno != EACCES) std::_Exit(5);  // seccomp
        if (open((d + "/new").c_str(), O_RDONLY | O_CREAT, 0600) >= 0) std::_Exit(6);
        if (open(d.c_str(), O_RDONLY | O_DIRECTORY) >= 0) std::_Exit(7);  // no listing
        int in_thread = -1;
        std::thread([&in_thread] { in_thread = open("/etc/passwd", O_RDONLY); }).join();
        if (in_thread >= 0) std::_Exit(8);
        std::_Exit(0);
      },
      // Without Landlock the service reads the files once, with a warning.
      ::testing::ExitedWithCode(LandlockAbi() > 0 ? 0 : 20), "");
  unlink((dir + "/tls.crt").c_str());
  rmdir(dir.c_str());
}

// Threads already running would not be bound: refused, not half done.
TEST(FileReads, RefusedWhileOtherThreadsRun) {
  std::atomic<bool> stop{false};
  std::thread other([&stop] {
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  absl::Status s = LimitFileReadsTo({"/tmp"});
  stop = true;
  other.join();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("one thread"));
  // Unbound: this process still reads anything.
  const int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  if (fd >= 0) close(fd);
}

TEST(SandboxDeathTest, RootIsDropped) {
  if (geteuid() != 0) GTEST_SKIP() << "only meaningful when the tests run as root";
  EXPECT_EXIT(
      {
        Enter();
        std::_Exit(geteuid() == 0 || getuid() == 0 ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

// What a compromised service might try, one call per child: namespaces
// (and the raw sockets inside them), netlink, typing into the operator's
// terminal, signalling other processes. Each is killed or refused.
TEST(SandboxDeathTest, NamespacesAreForbidden) {
  for (int flag : {CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID}) {
    EXPECT_EXIT(
        {
          Enter();
          syscall(SYS_clone, flag | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
          std::_Exit(0);
        },
        Killed, "seccomp_violation")
        << flag;
  }
  EXPECT_EXIT(
      {
        Enter();
        unshare(CLONE_NEWUSER);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
}

TEST(SandboxDeathTest, Clone3FailsWithEnosysAndThreadsStillStart) {
  EXPECT_EXIT(
      {
        Enter();
        errno = 0;
        if (syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) std::_Exit(3);
        std::thread t([] {});  // glibc falls back to clone()
        t.join();
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SandboxDeathTest, OnlyInternetAndUnixSockets) {
  EXPECT_EXIT(
      {
        Enter();
        for (int family : {AF_NETLINK, AF_PACKET, AF_UNSPEC, AF_BLUETOOTH, AF_ALG}) {
          errno = 0;
          if (socket(family, SOCK_RAW, 0) != -1 || errno != EAFNOSUPPORT) std::_Exit(10 + family % 50);
        }
        for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
          const int fd = socket(family, SOCK_STREAM, 0);
          if (fd < 0) std::_Exit(3);
          close(fd);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SandboxDeathTest, NoTypingIntoTheTerminal) {
  EXPECT_EXIT(
      {
        Enter();
        char c = 'x';
        ioctl(STDIN_FILENO, TIOCSTI, &c);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
  EXPECT_EXIT(
      {
        Enter();
        int n = 0;
        int fds[2];
        if (pipe2(fds, 0) != 0 || ioctl(fds[0], FIONREAD, &n) != 0) std::_Exit(3);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// A service started from an operator's shell drops its controlling
// terminal on the way into the sandbox: /dev/tty no longer opens. (Run in a
// session of its own with a pseudo-terminal; the service itself is not the
// session leader, as under a shell.)
TEST(SandboxDeathTest, TheTerminalIsLeftBehind) {
  EXPECT_EXIT(
      {
        const int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) std::_Exit(3);
        const std::string slave = ptsname(master);
        if (setsid() < 0) std::_Exit(4);
        const int tty = open(slave.c_str(), O_RDWR);  // the session's controlling terminal now
        if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0) std::_Exit(5);
        const pid_t child = fork();
        if (child == 0) {
          const int before = open("/dev/tty", O_RDWR | O_CLOEXEC);
          if (before < 0) std::_Exit(6);
          close(before);
          absl::StatusOr<SandboxUser> user = PrepareSandbox("nobody");
          if (!user.ok() || !EnterSandbox(*user, /*seccomp=*/false, false).ok()) std::_Exit(7);
          const int after = open("/dev/tty", O_RDWR | O_CLOEXEC);
          std::_Exit(after < 0 && errno == ENXIO ? 0 : 8);
        }
        int status = 0;
        waitpid(child, &status, 0);
        std::_Exit(WIFEXITED(status) ? WEXITSTATUS(status) : 9);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SandboxDeathTest, OnlyThreadNamesByPrctl) {
  EXPECT_EXIT(
      {
        Enter();
        if (prctl(PR_SET_NAME, "mxd-test", 0, 0, 0) != 0) std::_Exit(3);
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
}

TEST(SandboxDeathTest, SignalsOnlyToItsOwnThreads) {
  EXPECT_EXIT(
      {
        Enter();
        syscall(SYS_tgkill, getpid(), gettid(), 0);  // allowed: signal 0 to itself
        syscall(SYS_tgkill, getppid(), getppid(), 0);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
  EXPECT_EXIT(
      {
        Enter();
        kill(getppid(), 0);
        std::_Exit(0);
      },
      Killed, "seccomp_violation");
}

TEST(SeccompProfile, ContainsTheRuntimeAndStartupCalls) {
  const std::string json = OciSeccompProfile();
  EXPECT_THAT(json, HasSubstr("\"defaultAction\": \"SCMP_ACT_ERRNO\""));
  for (const SyscallRule& r : RuntimeSyscalls())
    EXPECT_THAT(json, HasSubstr(std::string("\"") + r.name + "\""));
  EXPECT_THAT(json, HasSubstr("\"execve\""));  // the container must be able to start the program
  EXPECT_THAT(json, ::testing::Not(HasSubstr("\"ptrace\"")));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("\"mount\"")));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("\"unshare\"")));
  // From the same declaration: clone without namespaces, clone3 ENOSYS.
  EXPECT_THAT(json, HasSubstr("\"op\": \"SCMP_CMP_MASKED_EQ\""));
  EXPECT_THAT(json, HasSubstr("\"errnoRet\": 38"));
}

}  // namespace
}  // namespace mxd
