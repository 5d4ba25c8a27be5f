// Lock contracts as code, checked by clang's -Wthread-safety (the macros expand
// to nothing under other compilers). As in LevelDB's port/thread_annotations.h:
//   int count_ GUARDED_BY(mutex_);           // read or written only with mutex_ held
//   void flush() REQUIRES(mutex_);           // the caller holds mutex_
//   void refresh() EXCLUDES(mutex_);         // the caller must not hold it (it takes it)
// The analysis sees only annotated lock types: moss::Mutex and moss::MutexLock
// (util/mutex.h), not std::mutex and std::lock_guard.
#pragma once

#if defined(__clang__)
#define MOSS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define MOSS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) MOSS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY MOSS_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) MOSS_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) MOSS_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) MOSS_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) MOSS_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) MOSS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) MOSS_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) MOSS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) MOSS_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) MOSS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) MOSS_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) MOSS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) MOSS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) MOSS_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) MOSS_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS MOSS_THREAD_ANNOTATION(no_thread_safety_analysis)
