#pragma once
// gRPC runs a call's callbacks on several of its threads one after another,
// ordered by its own locks. Debian's gRPC and Abseil are not built for
// ThreadSanitizer, which therefore cannot see that ordering and would take
// a reactor's own members, touched in one callback and then in the next,
// for a race. A reactor marks the hand-overs: MXD_TSAN_ACQUIRE when gRPC
// calls in, MXD_TSAN_RELEASE before it hands the call back to gRPC. They
// compile to nothing outside the ThreadSanitizer build.

#if defined(__SANITIZE_THREAD__)
#define MXD_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MXD_TSAN_BUILD 1
#endif
#endif

#ifdef MXD_TSAN_BUILD
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define MXD_TSAN_ACQUIRE(p) __tsan_acquire(static_cast<void*>(p))
#define MXD_TSAN_RELEASE(p) __tsan_release(static_cast<void*>(p))
#else
#define MXD_TSAN_ACQUIRE(p) static_cast<void>(p)
#define MXD_TSAN_RELEASE(p) static_cast<void>(p)
#endif
