// RecyclingAllocator<T>: an allocator for objects made and dropped on every request (with
// std::allocate_shared), which keeps up to kKeep freed blocks per thread and hands them out
// again instead of going to malloc.
//
// Why: glibc serves blocks up to ~1 KiB from per-thread caches, but a request's state is larger;
// each such malloc then also consolidates the small-block bins, which cost the request path a
// measurable share of its time. Blocks freed on another thread (a response completed by the
// storage writer) go to that thread's list: memory may move between threads, but each list is
// bounded, so at most kKeep × threads blocks per type are ever kept.
//
// Only single objects are recycled (n == 1); arrays go to operator new. Thread-safe (the lists
// are thread-local). Types need no more than the default new alignment.
#pragma once

#include <cstddef>
#include <new>

namespace trustcse {

template <class T, size_t kKeep = 64>
class RecyclingAllocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = RecyclingAllocator<U, kKeep>;
  };

  RecyclingAllocator() noexcept = default;
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U, kKeep>&) noexcept {}

  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    static_assert(sizeof(T) >= sizeof(Block));
    if (n == 1 && !exited()) {
      List& l = list();
      if (l.head) {
        Block* b = l.head;
        l.head = b->next;
        --l.count;
        return reinterpret_cast<T*>(b);
      }
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n == 1 && !exited()) {
      List& l = list();
      if (l.count < kKeep) {
        Block* b = reinterpret_cast<Block*>(p);
        b->next = l.head;
        l.head = b;
        ++l.count;
        return;
      }
    }
    ::operator delete(p);
  }

  template <class U>
  bool operator==(const RecyclingAllocator<U, kKeep>&) const noexcept {
    return true;
  }

 private:
  struct Block {
    Block* next;
  };
  struct List {
    Block* head = nullptr;
    size_t count = 0;
    ~List() {
      exited() = true;  // a block freed later on this thread goes straight to operator delete
      while (head) {
        Block* b = head;
        head = b->next;
        ::operator delete(b);
      }
    }
  };
  static List& list() {
    thread_local List l;
    return l;
  }
  // Trivially destructible, so readable during the thread's exit, after the list is gone.
  static bool& exited() {
    thread_local bool gone = false;
    return gone;
  }
};

}  // namespace trustcse
