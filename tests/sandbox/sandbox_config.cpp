#include "sandbox_config.hpp"

#include <filesystem>

#include "gateway/config/yaml_reader.hpp"
#include "vendor.hpp"

namespace sandbox {

using gw::config::ObjectReader;

namespace {

constexpr std::int64_t max_percent = 100;

void read_faults(ObjectReader& r, FaultSettings& f) {
    f.latency = r.duration_or("latency", f.latency);
    f.error_percent = static_cast<int>(r.integer_or("error_percent", 0, 0, max_percent));
    r.object("burst", [&](ObjectReader& b) {
        f.burst_count = static_cast<int>(b.integer_or("count", 0, 0, 1'000'000));
        f.burst_status = static_cast<int>(b.integer_or("status", 429, 400, 599));
        if (b.has("retry_after")) {
            f.burst_retry_after = static_cast<int>(b.duration_or("retry_after", std::chrono::seconds(1)).count() / 1000);
        }
    });
    f.reset_percent = static_cast<int>(r.integer_or("reset_percent", 0, 0, max_percent));
    f.trickle = r.duration_or("trickle", f.trickle);
    f.malformed_json_percent = static_cast<int>(r.integer_or("malformed_json_percent", 0, 0, max_percent));
}

void read_vendor(ObjectReader& r, Vendor vendor, SandboxConfig& c) {
    r.object("faults", [&](ObjectReader& f) { read_faults(f, c.faults[static_cast<int>(vendor)]); });
    switch (vendor) {
        case Vendor::oda: {
            auto& o = c.oda;
            o.username = r.string_or("username", o.username);
            if (auto p = r.secret("password")) o.password = *p;
            o.session_ttl = r.duration_or("session_ttl", o.session_ttl);
            o.max_in_flight = static_cast<int>(r.integer_or("max_in_flight", o.max_in_flight, 1, 100'000));
            o.sold_out = r.string_list("sold_out");
            break;
        }
        case Vendor::instacart: {
            auto& o = c.instacart;
            o.client_id = r.string_or("client_id", o.client_id);
            if (auto s = r.secret("client_secret")) o.client_secret = *s;
            o.token_ttl = r.duration_or("token_ttl", o.token_ttl);
            o.slot_hold = r.duration_or("slot_hold", o.slot_hold);
            o.webhook_url = r.string_or("webhook_url", o.webhook_url);
            if (auto s = r.secret("webhook_secret")) o.webhook_secret = *s;
            o.event_interval = r.duration_or("event_interval", o.event_interval);
            o.duplicate_percent = static_cast<int>(r.integer_or("duplicate_percent", 0, 0, max_percent));
            o.reorder_percent = static_cast<int>(r.integer_or("reorder_percent", 0, 0, max_percent));
            o.cancel_items = r.string_list("cancel_items");
            break;
        }
        case Vendor::kroger: {
            auto& o = c.kroger;
            o.client_id = r.string_or("client_id", o.client_id);
            if (auto s = r.secret("client_secret")) o.client_secret = *s;
            o.token_ttl = r.duration_or("token_ttl", o.token_ttl);
            break;
        }
        case Vendor::peppol: {
            auto& o = c.peppol;
            o.callback_url = r.string_or("callback_url", o.callback_url);
            if (auto t = r.secret("callback_token")) o.callback_token = *t;
            r.object("substitutes", [&](ObjectReader& subs) {
                for (const auto& gtin : subs.keys()) {
                    subs.object(gtin, [&](ObjectReader& one) {
                        PeppolConfig::Substitute s;
                        s.gtin = one.string("gtin", true).value_or("");
                        s.name = one.string("name", true).value_or("");
                        o.substitutes.emplace(gtin, std::move(s));
                    });
                }
            });
            o.response_delay = r.duration_or("response_delay", o.response_delay);
            o.out_of_stock = r.string_list("out_of_stock");
            break;
        }
    }
}

}  // namespace

ConfigResult load_sandbox_config(const std::string& path) {
    gw::config::Diagnostics diagnostics(path);
    SandboxConfig config;
    auto root = gw::config::load_yaml_file(path, diagnostics);
    if (root) {
        gw::config::ReadContext ctx{&diagnostics, gw::config::process_env(),
                                    std::filesystem::path(path).parent_path().string()};
        ObjectReader reader(ctx, *root, "");
        if (reader.valid()) {
            reader.object("sandbox", [&](ObjectReader& s) {
                config.host = s.string_or("host", config.host);
                config.port = s.port_or("port", config.port);
                config.seed = static_cast<std::uint64_t>(s.integer_or("seed", 1, 0, INT64_MAX));
                config.threads = static_cast<int>(s.integer_or("threads", 2, 1, 64));
            });
            reader.object("vendors", [&](ObjectReader& vendors) {
                for (auto vendor : all_vendors) {
                    vendors.object(std::string(name_of(vendor)), [&](ObjectReader& v) { read_vendor(v, vendor, config); });
                }
            });
        }
        reader.finish();
    }
    ConfigResult result;
    result.errors = diagnostics.sorted();
    if (result.errors.empty()) result.config = std::move(config);
    return result;
}

}  // namespace sandbox
