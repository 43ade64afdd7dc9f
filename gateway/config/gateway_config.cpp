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
        cfg.admin.tokens_file = r.file_path("tokens_file", false, options.check_files).value_or("");
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
