// A program with one deliberate bug of the kind named on its command line,
// built only in the sanitizer builds. test_sanitizer_canary.py runs it the
// way the harness runs the services, to show that a sanitizer report from a
// service would fail the test: a sanitizer run that can see nothing is no
// check at all.
//
//   sanitizer_canary use-after-free | overflow | leak | race | none
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

// Opaque to the optimiser and to -Werror's diagnostics: the bugs happen at
// run time, where the sanitizers look.
volatile int g_sink;
int* volatile g_pointer;
int g_shared;  // written by two threads without a lock ("race")

__attribute__((noinline)) int UseAfterFree() {
  g_pointer = static_cast<int*>(std::malloc(sizeof(int)));
  std::free(g_pointer);
  return *g_pointer;
}

__attribute__((noinline)) int SignedOverflow(int by) {
  int big = 2147483600;
  return big + by;
}

__attribute__((noinline)) void Leak() {
  g_pointer = static_cast<int*>(std::malloc(64));
  g_pointer = nullptr;
}

void Race() {
  std::thread other([] {
    for (int i = 0; i < 1000; ++i) g_shared = g_shared + 1;
  });
  for (int i = 0; i < 1000; ++i) g_shared = g_shared + 1;
  other.join();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sanitizer_canary use-after-free|overflow|leak|race|none\n");
    return 64;
  }
  const char* kind = argv[1];
  if (std::strcmp(kind, "use-after-free") == 0)
    g_sink = UseAfterFree();
  else if (std::strcmp(kind, "overflow") == 0)
    g_sink = SignedOverflow(argc * 100);
  else if (std::strcmp(kind, "leak") == 0)
    Leak();
  else if (std::strcmp(kind, "race") == 0)
    Race();
  else if (std::strcmp(kind, "none") == 0)
    g_sink = 1;  // a correct run: nothing to report
  else
    return 64;
  return 0;
}
