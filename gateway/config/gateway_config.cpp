#include "gateway/config/gateway_config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "gateway/config/yaml_reader.hpp"

namespace gw::config {
namespace {

void read_tls(ObjectReader& r, tls::ServerTlsOptions& tls, const LoadOptions& options) {
    r.object("tls", [&](ObjectReader& t) {
        tls.enabled = t.boolean_or("enabled", false);
        const bool need = tls.enabled && options.check_files;
        tls.cert_file = t.file_path("cert_file", tls.enabled, need).value_or("");
        tls.key_file = t.file_path("key_file", tls.enabled, need).value_or("");
        tls.require_client_cert = t.boolean_or("require_client_cert", false);
        tls.ca_file = t.file_path("ca_file", tls.require_client_cert, need).value_or("");
    });
}

void read_client_tls(ObjectReader& r, tls::ClientTlsOptions& tls, const LoadOptions& options) {
    r.object("tls", [&](ObjectReader& t) {
        tls.ca_file = t.file_path("ca_file", false, options.check_files).value_or("");
        tls.cert_file = t.file_path("cert_file", false, options.check_files).value_or("");
        tls.key_file = t.file_path("key_file", !tls.cert_file.empty(), options.check_files).value_or("");
    });
}

void read_delivery(ObjectReader& r, DeliveryPolicy& d) {
    r.object("delivery", [&](ObjectReader& o) {
        d.concurrency = static_cast<int>(o.integer_or("concurrency", d.concurrency, 1, 1024));
        d.max_attempts = static_cast<int>(o.integer_or("max_attempts", d.max_attempts, 1, 1000));
        d.max_age = o.duration_or("max_age", d.max_age);
        d.backoff_initial = o.duration_or("backoff_initial", d.backoff_initial);
        d.backoff_max = o.duration_or("backoff_max", d.backoff_max);
        d.operation_timeout = o.duration_or("operation_timeout", d.operation_timeout);
        d.lease = o.duration_or("lease", d.lease);
        d.rate_per_second = static_cast<double>(o.integer_or("rate_per_second", 0, 0, 100'000));
        d.burst = static_cast<int>(o.integer_or("burst", d.burst, 1, 100'000));
        d.breaker_failures = static_cast<int>(o.integer_or("breaker_failures", d.breaker_failures, 1, 1000));
        d.breaker_open_for = o.duration_or("breaker_open_for", d.breaker_open_for);
        if (d.backoff_max < d.backoff_initial) {
            o.error("backoff_max", ErrorCode::invalid_value, "backoff_max must not be below backoff_initial");
        }
        if (d.lease <= d.operation_timeout) {
            o.error("lease", ErrorCode::invalid_value,
                    "lease must be longer than operation_timeout (a slow delivery would be taken over)");
        }
    });
}

// mllp[].status_out: where the channel's status reports go (ORS^O06 over outbound MLLP).
void read_status_out(ObjectReader& r, const std::string& channel, GatewayConfig& cfg, const LoadOptions& options) {
    if (!r.has("status_out")) {
        r.string("status_out");  // known, for did-you-mean hints
        return;
    }
    StatusOutSection out;
    out.channel = channel;
    out.delivery.concurrency = 1;    // one connection: reports arrive in the order they were queued
    out.delivery.max_attempts = 50;  // the care system being down for a while is normal; max_age bounds it
    bool enabled = true;
    r.object("status_out", [&](ObjectReader& s) {
        enabled = s.boolean_or("enabled", true);
        out.host = s.string("host", true).value_or("");
        if (auto port = s.integer("port", 1, 65535, true)) out.port = static_cast<std::uint16_t>(*port);
        s.object("tls", [&](ObjectReader& t) {
            out.tls = t.boolean_or("enabled", false);
            out.tls_options.ca_file = t.file_path("ca_file", false, out.tls && options.check_files).value_or("");
            out.tls_options.cert_file = t.file_path("cert_file", false, out.tls && options.check_files).value_or("");
            out.tls_options.key_file =
                t.file_path("key_file", !out.tls_options.cert_file.empty(), out.tls && options.check_files)
                    .value_or("");
        });
        out.connect_timeout = s.duration_or("connect_timeout", out.connect_timeout);
        out.ack_timeout = s.duration_or("ack_timeout", out.ack_timeout);
        out.idle_timeout = s.duration_or("idle_timeout", out.idle_timeout);
        out.receiving_application = s.string_or("receiving_application", "");
        out.receiving_facility = s.string_or("receiving_facility", "");
        out.mapping = s.file_path("mapping", false, options.check_files).value_or(out.mapping);
        // Each step's timeout is capped by what is left of delivery.operation_timeout.
        read_delivery(s, out.delivery);
    });
    if (enabled) cfg.status_out.push_back(std::move(out));
}

bool is_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    const int month = (s[5] - '0') * 10 + (s[6] - '0');
    const int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

void read_vendors(ObjectReader& root, GatewayConfig& cfg, const LoadOptions& options) {
    root.named_objects("vendors", [&](const std::string& name, ObjectReader& r) {
        VendorSection v;
        v.name = name;
        v.enabled = r.boolean_or("enabled", true);
        v.folder = r.file_path("folder", true, options.check_files).value_or("");
        v.base_url = r.string("base_url", true).value_or("");
        if (!v.base_url.empty() && !v.base_url.starts_with("http://") && !v.base_url.starts_with("https://") &&
            !v.base_url.starts_with("mllp://")) {
            r.error("base_url", ErrorCode::invalid_value,
                    fmt::format("base_url '{}' must start with http://, https:// or mllp://", v.base_url));
        }
        v.sandbox_url = r.string_or("sandbox_url", "");
        if (!v.sandbox_url.empty()) {
            if (!v.sandbox_url.starts_with("http://") && !v.sandbox_url.starts_with("https://")) {
                r.error("sandbox_url", ErrorCode::invalid_value,
                        fmt::format("sandbox_url '{}' must start with http:// or https://", v.sandbox_url));
            } else if (v.sandbox_url == v.base_url) {
                // Shadow orders must never reach the grocer's production API.
                r.error("sandbox_url", ErrorCode::invalid_value, "sandbox_url must not be the production base_url",
                        "point it at the vendor's test endpoint, or leave it out to only translate shadow orders");
            }
        }
        r.object("secrets", [&](ObjectReader& s) {
            for (const auto& key : s.keys()) {
                const std::string base = key.ends_with("_file") ? key.substr(0, key.size() - 5) : key;
                if (v.secrets.contains(base)) continue;
                if (auto value = s.secret(base)) v.secrets.emplace(base, *value);
            }
        });
        r.object("params", [&](ObjectReader& p) {
            for (const auto& key : p.keys()) {
                if (auto value = p.string(key)) v.params.emplace(key, *value);
            }
        });
        read_client_tls(r, v.tls, options);
        v.proxy = r.string_or("proxy", "");
        read_delivery(r, v.delivery);
        cfg.vendors.push_back(std::move(v));
    });
}

// Where a route or contract starts in the file: the route checks (gateway/routing) report against it.
SourceLocation here(ObjectReader& r) {
    SourceLocation where;
    where.file = r.context().diagnostics->file();
    where.line = r.mark().line >= 0 ? r.mark().line + 1 : 0;
    where.column = r.mark().column >= 0 ? r.mark().column + 1 : 0;
    where.path = r.path();
    return where;
}

void read_routes(ObjectReader& root, GatewayConfig& cfg) {
    root.list("routes", [&](ObjectReader& r, std::size_t) {
        RouteSection route;
        route.municipality = r.string("municipality", true).value_or("");
        if (!route.municipality.empty() && route.municipality != "*" &&
            (route.municipality.size() != 4 ||
             route.municipality.find_first_not_of("0123456789") != std::string::npos)) {
            r.error("municipality", ErrorCode::invalid_value,
                    fmt::format("municipality '{}' must be a 4-digit municipality number or \"*\"",
                                route.municipality),
                    "Bærum is \"3201\" (quote it, or YAML reads a number)");
        }
        route.where = here(r);
        route.district = r.string_or("district", "");
        route.required_capabilities = r.string_list("requires");
        for (const auto& need : route.required_capabilities) {
            if (need != "status" && need != "cancel") {
                r.error("requires", ErrorCode::invalid_value, fmt::format("unknown capability '{}'", need),
                        "requires: [status, cancel]");
            }
        }
        route.shadow = r.string_or("shadow", "");
        if (!route.shadow.empty() && !cfg.vendor(route.shadow)) {
            r.error("shadow", ErrorCode::not_found, fmt::format("unknown vendor '{}'", route.shadow),
                    "declare it under vendors:");
        }
        r.list("contracts", [&](ObjectReader& c, std::size_t) {
            ContractSection contract;
            contract.where = here(c);
            contract.vendor = c.string("vendor", true).value_or("");
            contract.from = c.string("from", true).value_or("");
            contract.until = c.string_or("until", "");
            if (!contract.vendor.empty() && !cfg.vendor(contract.vendor)) {
                std::vector<std::string> names;
                for (const auto& v : cfg.vendors) names.push_back(v.name);
                c.error("vendor", ErrorCode::not_found, fmt::format("unknown vendor '{}'", contract.vendor),
                        names.empty() ? "declare it under vendors:" : did_you_mean(contract.vendor, names));
            }
            if (!contract.from.empty() && !is_date(contract.from)) {
                c.error("from", ErrorCode::invalid_value, fmt::format("'{}' is not a date", contract.from),
                        "use YYYY-MM-DD (Europe/Oslo)");
            }
            if (!contract.until.empty() && !is_date(contract.until)) {
                c.error("until", ErrorCode::invalid_value, fmt::format("'{}' is not a date", contract.until),
                        "use YYYY-MM-DD (Europe/Oslo)");
            }
            if (is_date(contract.from) && is_date(contract.until) && contract.until <= contract.from) {
                c.error("until", ErrorCode::invalid_value, "until must be after from");
            }
            route.contracts.push_back(std::move(contract));
        }, true);
        cfg.routes.push_back(std::move(route));
    });
}

void read_config(ObjectReader& root, GatewayConfig& cfg, const LoadOptions& options) {
    root.object("gateway", [&](ObjectReader& r) {
        cfg.gateway.instance_id = r.string_or("instance_id", cfg.gateway.instance_id);
        cfg.gateway.threads = static_cast<int>(r.integer_or("threads", cfg.gateway.threads, 1, 64));
        cfg.gateway.shutdown_grace = r.duration_or("shutdown_grace", cfg.gateway.shutdown_grace);
    });
    root.object("logging", [&](ObjectReader& r) {
        cfg.logging.level =
            r.enumeration_or("level", {"trace", "debug", "info", "warn", "error", "off"}, cfg.logging.level);
        cfg.logging.format = r.enumeration_or("format", {"json", "text"}, cfg.logging.format);
        cfg.logging.mask_personal_data = r.boolean_or("mask_personal_data", true);
    });
    root.object("http", [&](ObjectReader& r) {
        auto& h = cfg.http;
        h.enabled = r.boolean_or("enabled", h.enabled);
        h.host = r.string_or("host", h.host);
        h.port = r.port_or("port", h.port);
        h.max_body_bytes = r.size_or("max_body_bytes", h.max_body_bytes);
        h.header_timeout = r.duration_or("header_timeout", h.header_timeout);
        h.idle_timeout = r.duration_or("idle_timeout", h.idle_timeout);
        h.max_connections = static_cast<int>(r.integer_or("max_connections", h.max_connections, 1, 100'000));
        read_tls(r, h.tls, options);
    });
    root.list("mllp", [&](ObjectReader& r, std::size_t index) {
        MllpListenerSection m;
        m.name = r.string_or("name", index == 0 ? "mllp" : fmt::format("mllp-{}", index + 1));
        m.host = r.string_or("host", m.host);
        m.port = r.port_or("port", m.port);
        m.max_message_bytes = r.size_or("max_message_bytes", m.max_message_bytes);
        m.read_timeout = r.duration_or("read_timeout", m.read_timeout);
        m.idle_timeout = r.duration_or("idle_timeout", m.idle_timeout);
        m.max_connections = static_cast<int>(r.integer_or("max_connections", m.max_connections, 1, 100'000));
        read_tls(r, m.tls, options);
        r.object("accept", [&](ObjectReader& a) {
            m.versions = a.string_list("versions");
            m.message_types = a.string_list("message_types");
        });
        r.object("ack", [&](ObjectReader& a) {
            m.sending_application = a.string_or("sending_application", m.sending_application);
            m.sending_facility = a.string_or("sending_facility", m.sending_facility);
        });
        m.mapping = r.file_path("mapping", false, options.check_files).value_or(m.mapping);
        read_status_out(r, m.name, cfg, options);
        for (const auto& other : cfg.mllp) {
            if (other.name == m.name) {
                r.error("name", ErrorCode::conflict, fmt::format("MLLP listener name '{}' is used twice", m.name));
            }
        }
        cfg.mllp.push_back(std::move(m));
    });
    root.object("store", [&](ObjectReader& r) {
        auto& s = cfg.store;
        s.kind = r.enumeration_or("kind", {"sqlite", "postgres"}, s.kind);
        if (s.kind == "sqlite") {
            s.path = r.file_path("path").value_or(s.path);
        } else {
            s.dsn = r.secret("dsn", true).value_or("");
        }
        s.queue_capacity = static_cast<int>(r.integer_or("queue_capacity", s.queue_capacity, 1, 1'000'000));
        s.max_batch = static_cast<int>(r.integer_or("max_batch", s.max_batch, 1, 100'000));
    });
    root.object("admin", [&](ObjectReader& r) {
        // Empty (e.g. "${GATEWAY_ADMIN_TOKENS:-}") means no tokens: the admin API refuses every call.
        if (r.has("tokens_file") && r.string("tokens_file").value_or("").empty()) {
            cfg.admin.tokens_file.clear();
        } else {
            cfg.admin.tokens_file = r.file_path("tokens_file", false, options.check_files).value_or("");
        }
        cfg.admin.dashboard = r.boolean_or("dashboard", cfg.admin.dashboard);
        cfg.admin.max_page_size = static_cast<int>(r.integer_or("max_page_size", cfg.admin.max_page_size, 1, 1000));
        cfg.admin.stream_interval = r.duration_or("stream_interval", cfg.admin.stream_interval);
        cfg.admin.max_stream_clients =
            static_cast<int>(r.integer_or("max_stream_clients", cfg.admin.max_stream_clients, 1, 1000));
        cfg.admin.outbox_stuck_after = r.duration_or("outbox_stuck_after", cfg.admin.outbox_stuck_after);
    });
    read_vendors(root, cfg, options);
    read_routes(root, cfg);
    root.object("retention", [&](ObjectReader& r) {
        cfg.retention.enabled = r.boolean_or("enabled", cfg.retention.enabled);
        cfg.retention.personal_data_after = r.duration_or("personal_data_after", cfg.retention.personal_data_after);
        cfg.retention.run_every = r.duration_or("run_every", cfg.retention.run_every);
    });
}

LoadResult finish(Diagnostics& diagnostics, GatewayConfig cfg) {
    LoadResult result;
    result.errors = diagnostics.sorted();
    if (result.errors.empty()) result.config = std::move(cfg);
    return result;
}

LoadResult load(std::optional<YAML::Node> root, Diagnostics& diagnostics, const std::string& file_name,
                const LoadOptions& options) {
    GatewayConfig cfg;
    cfg.source_file = file_name;
    if (!root) return finish(diagnostics, std::move(cfg));
    ReadContext ctx{&diagnostics, process_env(),
                    std::filesystem::path(file_name).parent_path().string()};
    {
        ObjectReader reader(ctx, *root, "");
        if (reader.valid()) read_config(reader, cfg, options);
    }
    return finish(diagnostics, std::move(cfg));
}

}  // namespace

const VendorSection* GatewayConfig::vendor(std::string_view name) const {
    for (const auto& v : vendors) {
        if (v.name == name) return &v;
    }
    return nullptr;
}

LoadResult load_gateway_config(const std::string& path, const LoadOptions& options) {
    Diagnostics diagnostics(path);
    auto root = load_yaml_file(path, diagnostics);
    return load(std::move(root), diagnostics, path, options);
}

LoadResult load_gateway_config_text(std::string_view yaml, const std::string& file_name, const LoadOptions& options) {
    Diagnostics diagnostics(file_name);
    auto root = parse_yaml(yaml, diagnostics);
    return load(std::move(root), diagnostics, file_name, options);
}

}  // namespace gw::config
