#include "gateway/httpclient/host_pool.hpp"

#include <chrono>
#include <optional>

namespace gw::httpclient::detail {

HostPool::HostPool(boost::asio::io_context& ioc, std::shared_ptr<const ClientConfig> config, Origin origin,
                   bool via_proxy)
    : ioc_(ioc), config_(std::move(config)), origin_(std::move(origin)), via_proxy_(via_proxy) {}

std::shared_ptr<Connection> HostPool::make_connection() {
    ++open_;
    ++opened_;
    return std::make_shared<Connection>(ioc_, config_, origin_, via_proxy_);
}

void HostPool::acquire(Lease lease, bool fresh) {
    std::shared_ptr<Connection> connection;
    std::vector<std::shared_ptr<Connection>> stale;
    bool cancelled = false;
    {
        std::lock_guard lock(mutex_);
        if (shut_down_) {
            cancelled = true;
        } else {
            auto now = std::chrono::steady_clock::now();
            while (!idle_.empty() && !connection) {
                auto candidate = std::move(idle_.back());
                idle_.pop_back();
                if (!fresh && candidate->usable_when_idle(now)) {
                    connection = std::move(candidate);
                } else {
                    --open_;
                    stale.push_back(std::move(candidate));
                }
            }
            if (!connection && open_ < config_->options.max_connections_per_host) connection = make_connection();
            if (!connection) waiters_.push_back(std::move(lease));
        }
    }
    for (auto& old : stale) old->abort();
    if (cancelled) return lease.cancelled();
    if (connection) lease.grant(std::move(connection));
}

void HostPool::release(const std::shared_ptr<Connection>& connection, bool reusable) {
    std::shared_ptr<Connection> handed;
    std::optional<Lease> next;
    {
        std::lock_guard lock(mutex_);
        if (!reusable || shut_down_) {
            --open_;
            reusable = false;
        }
        while (!shut_down_ && !waiters_.empty()) {
            auto lease = std::move(waiters_.front());
            waiters_.pop_front();
            if (!lease.wanted()) continue;
            next = std::move(lease);
            break;
        }
        if (next) {
            handed = reusable ? connection : make_connection();
        } else if (reusable) {
            idle_.push_back(connection);
        }
    }
    if (!reusable) connection->abort();
    if (next) next->grant(std::move(handed));
}

void HostPool::shutdown() {
    std::vector<std::shared_ptr<Connection>> idle;
    std::deque<Lease> waiters;
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        idle.swap(idle_);
        open_ -= idle.size();
        waiters.swap(waiters_);
    }
    for (auto& connection : idle) connection->abort();
    for (auto& lease : waiters) lease.cancelled();
}

PoolStats HostPool::stats() const {
    std::lock_guard lock(mutex_);
    return PoolStats{open_, idle_.size(), waiters_.size(), opened_};
}

}  // namespace gw::httpclient::detail
