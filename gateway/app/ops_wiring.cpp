#include "gateway/app/ops_wiring.hpp"

#include <filesystem>

#include <sys/statvfs.h>
#include <unistd.h>

#include "gateway/ops/mapping_trace.hpp"

namespace gw::app {

namespace {

constexpr std::string_view kVendorPrefix = "vendor:";

std::int64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<std::int64_t>(size);
}

// SQLite writes the database file, its -wal and -shm beside it, and creates them in its folder: all must be
// writable, and the disk must have room for the WAL to grow (a full disk fails every commit, so every ACK).
Result<void> sqlite_writable(const std::string& path) {
    constexpr std::uint64_t kMinFreeBytes = 64ull << 20;
    const auto folder = std::filesystem::path(path).parent_path().empty() ? std::filesystem::path(".")
                                                                        : std::filesystem::path(path).parent_path();
    if (::access(path.c_str(), W_OK) != 0 || ::access(folder.c_str(), W_OK) != 0) {
        return make_error(ErrorCode::io_error, "the store's database file or folder is not writable: " + path);
    }
    struct statvfs fs {};
    if (::statvfs(folder.c_str(), &fs) == 0) {
        const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
        if (free_bytes < kMinFreeBytes) {
            return make_error(ErrorCode::io_error, "less than 64 MiB free on the store's disk (" +
                                                       std::to_string(free_bytes >> 20) + " MiB)");
        }
    }
    return {};
}

}  // namespace

ops::OpsHooks make_ops_hooks(const std::unique_ptr<delivery::DeliveryEngine>& engine,
                             const std::unique_ptr<pipeline::OrderPipeline>& pipeline,
                             const config::GatewayConfig& config, const ChannelMappings& mappings) {
    ops::OpsHooks hooks;
    hooks.vendors = [&engine] {
        std::vector<ops::VendorStatus> out;
        if (!engine) return out;
        for (const auto& d : engine->status()) {
            ops::VendorStatus v;
            v.destination = d.destination;
            v.vendor = d.destination.starts_with(kVendorPrefix) ? d.destination.substr(kVendorPrefix.size())
                                                               : d.destination;
            v.paused = d.paused;
            v.breaker = d.breaker;
            v.in_flight = d.in_flight;
            v.delivered = d.delivered;
            v.retried = d.retried;
            v.dead = d.dead;
            out.push_back(std::move(v));
        }
        return out;
    };
    hooks.pause = [&engine](std::string_view vendor, std::string_view actor) -> Result<void> {
        if (!engine) return make_error(ErrorCode::unavailable, "the delivery engine is not running");
        return engine->pause(std::string(kVendorPrefix) + std::string(vendor), actor);
    };
    hooks.resume = [&engine](std::string_view vendor, std::string_view actor) -> Result<void> {
        if (!engine) return make_error(ErrorCode::unavailable, "the delivery engine is not running");
        return engine->resume(std::string(kVendorPrefix) + std::string(vendor), actor);
    };
    hooks.wake = [&engine](std::string_view destination) {
        if (engine) engine->wake(destination);
    };
    hooks.pipeline = [&pipeline] {
        ops::PipelineStatus s;
        if (!pipeline) return s;
        const auto p = pipeline->stats();
        s.orders = p.orders;
        s.failed = p.failed;
        return s;
    };
    hooks.replay_message = [&pipeline](std::int64_t id) -> Result<std::string> {
        if (!pipeline) return make_error(ErrorCode::unavailable, "the pipeline is not running");
        auto processed = pipeline->process(id);
        if (!processed) return std::move(processed).error();
        return processed->order_id;
    };
    hooks.routes = [&config] { return config.routes; };
    hooks.mapping_trace = [mappings](const store::MessageRecord& message) -> Result<boost::json::value> {
        auto it = mappings.find(message.channel);
        if (it == mappings.end()) {
            return make_error(ErrorCode::not_found, "no inbound mapping for channel '" + message.channel + "'");
        }
        return ops::trace_mapping(*it->second, message.raw);
    };
    if (config.store.kind == "sqlite") {
        hooks.store_size_bytes = [path = config.store.path]() -> std::optional<std::int64_t> {
            return file_size_or_zero(path) + file_size_or_zero(path + "-wal");
        };
        hooks.store_writable = [path = config.store.path]() -> Result<void> { return sqlite_writable(path); };
    }
    return hooks;
}

ops::OpsOptions ops_options(const config::GatewayConfig& config) {
    ops::OpsOptions o;
    o.tokens_file = config.admin.tokens_file;
    o.dashboard = config.admin.dashboard;
    o.outbox_stuck_after = config.admin.outbox_stuck_after;
    o.feed.interval = config.admin.stream_interval;
    o.feed.max_clients = static_cast<std::size_t>(config.admin.max_stream_clients);
    o.api.max_page_size = static_cast<std::size_t>(config.admin.max_page_size);
    o.api.default_page_size = std::min<std::size_t>(50, o.api.max_page_size);
    return o;
}

}  // namespace gw::app
