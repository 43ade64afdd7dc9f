#pragma once
// The connections of one origin: at most max_connections_per_host of them (busy, idle or connecting); idle ones are
// reused most-recently-used first; requests beyond the limit wait in FIFO order for a connection to come back.
// Thread-safe (one mutex; connections are handed out and started outside it). Internal to gw_httpclient.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gateway/httpclient/connection.hpp"

namespace gw::httpclient {

// Counters of a client's pools, for tests, benchmarks and metrics.
struct PoolStats {
    std::size_t open = 0;                // connections that exist now (busy, idle or connecting)
    std::size_t idle = 0;                // of those, waiting in the pool for a request
    std::size_t waiting = 0;             // requests waiting for a connection
    std::uint64_t connections_opened = 0;  // connections created since start
};

namespace detail {

class HostPool {
public:
    struct Lease {
        std::function<bool()> wanted;                             // false once the request gave up waiting
        std::function<void(std::shared_ptr<Connection>)> grant;   // runs outside the pool's lock
        std::function<void()> cancelled;                          // the pool was shut down while waiting
    };

    HostPool(boost::asio::io_context& ioc, std::shared_ptr<const ClientConfig> config, Origin origin, bool via_proxy);

    // fresh: do not reuse an idle connection (a retry after a reused connection turned out to be dead).
    void acquire(Lease lease, bool fresh);
    // Gives a connection back after an exchange; a connection that is not reusable is closed and its slot freed.
    void release(const std::shared_ptr<Connection>& connection, bool reusable);
    // Closes idle connections, cancels waiters; busy connections finish their exchange and are then closed.
    void shutdown();
    PoolStats stats() const;

private:
    std::shared_ptr<Connection> make_connection();

    boost::asio::io_context& ioc_;
    const std::shared_ptr<const ClientConfig> config_;
    const Origin origin_;
    const bool via_proxy_;

    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Connection>> idle_;  // back = most recently used
    std::deque<Lease> waiters_;
    std::size_t open_ = 0;
    std::uint64_t opened_ = 0;
    bool shut_down_ = false;
};

}  // namespace detail
}  // namespace gw::httpclient
