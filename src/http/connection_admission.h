// Counts the connections being served against ConnectionLimits::max_connections.
// The acceptor asks for a place before serving a connection; the place is
// held by a Ticket for the connection's life and given back when the ticket
// goes. Thread-safe: connections end on any network thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace moss::http {

class ConnectionAdmission {
 public:
  // max_connections 0: no limit.
  explicit ConnectionAdmission(size_t max_connections) : max_(max_connections) {}
  ConnectionAdmission(const ConnectionAdmission&) = delete;
  ConnectionAdmission& operator=(const ConnectionAdmission&) = delete;

  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (owner_) owner_->open_.fetch_sub(1, std::memory_order_relaxed);
    }

   private:
    friend class ConnectionAdmission;
    explicit Ticket(ConnectionAdmission* owner) : owner_(owner) {}
    ConnectionAdmission* owner_;
  };

  // A place for one more connection, or nullopt when all are taken.
  std::optional<Ticket> try_admit() {
    size_t open = open_.load(std::memory_order_relaxed);
    do {
      if (max_ != 0 && open >= max_) return std::nullopt;
    } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
    return Ticket(this);
  }

  size_t open() const { return open_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> open_{0};
};

}  // namespace moss::http
