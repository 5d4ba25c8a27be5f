// std::mutex with the annotations clang's thread-safety analysis needs
// (thread_annotations.h): members declared GUARDED_BY(a Mutex) may be touched
// only inside a MutexLock on it, and a function declared REQUIRES(it) only
// called with it held. Same cost as std::mutex; under GCC it is plain std::mutex.
// A std::condition_variable_any waits on the Mutex itself (wake_.wait(mutex_)):
// it unlocks while it sleeps and holds the lock again when it returns.
#pragma once

#include <mutex>

#include "moss/util/thread_annotations.h"

namespace moss {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope, as std::lock_guard does.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace moss
