#include "adapters/status/status_in_config.hpp"

#include <filesystem>

#include <fmt/format.h>

namespace gw::adapters::status {
namespace {

namespace fs = std::filesystem;
using config::ObjectReader;

// "{{timestamp}}.{{body}}" -> {"{{timestamp}}", ".", "{{body}}"}; unknown placeholders are errors.
std::optional<std::vector<std::string>> split_signed(std::string_view text, std::string& error) {
    std::vector<std::string> parts;
    while (!text.empty()) {
        const auto open = text.find("{{");
        if (open != 0) {
            parts.emplace_back(text.substr(0, open));
            if (open == std::string_view::npos) break;
            text.remove_prefix(open);
        }
        const auto close = text.find("}}");
        if (close == std::string_view::npos) {
            error = "'{{' without '}}'";
            return std::nullopt;
        }
        const std::string name(text.substr(0, close + 2));
        if (name != "{{timestamp}}" && name != "{{body}}") {
            error = fmt::format("unknown placeholder {}", name);
            return std::nullopt;
        }
        parts.push_back(name);
        text.remove_prefix(close + 2);
    }
    bool has_body = false;
    for (const auto& p : parts) has_body = has_body || p == "{{body}}";
    if (!has_body) {
        error = "the signed text must contain {{body}}, or the body could be changed without notice";
        return std::nullopt;
    }
    return parts;
}

class Reader {
public:
    Reader(const VendorSettings& settings, bool check_secrets, std::vector<Error>& mapping_errors)
        : settings_(settings), check_secrets_(check_secrets), mapping_errors_(mapping_errors) {}

    std::optional<StatusInConfig> read(ObjectReader& r, StatusMode mode) {
        StatusInConfig cfg;
        cfg.vendor = settings_.name;
        cfg.mode = mode;
        cfg.file = r.context().diagnostics->file();
        const std::size_t errors_before = r.context().diagnostics->errors().size();
        if (auto file = r.string("mapping", true)) mapping(r, *file, cfg);
        const auto key = r.enumeration_or("order_key", {"order_id", "vendor_order_ref", "external_ref"}, "order_id");
        cfg.order_key = key == "vendor_order_ref" ? OrderKey::vendor_order_ref
                        : key == "external_ref"   ? OrderKey::external_ref
                                                  : OrderKey::order_id;
        cfg.max_body = static_cast<std::size_t>(r.size_or("max_body", cfg.max_body));
        if (mode == StatusMode::webhook) {
            r.object("webhook", [&](ObjectReader& w) { cfg.webhook = webhook(w); }, true);
        } else if (r.has("webhook")) {
            r.error("webhook", ErrorCode::invalid_value, "webhook settings, but capabilities.status is not webhook",
                    "set capabilities.status: webhook, or remove status_in.webhook");
        } else {
            r.string("webhook");
        }
        if (mode == StatusMode::poll) {
            r.object("poll", [&](ObjectReader& p) { cfg.poll = poll(p); });
            if (!cfg.poll) cfg.poll = PollSettings{};
        } else if (r.has("poll")) {
            r.error("poll", ErrorCode::invalid_value, "poll settings, but capabilities.status is not poll",
                    "set capabilities.status: poll, or remove status_in.poll");
        } else {
            r.string("poll");
        }
        r.finish();
        if (r.context().diagnostics->errors().size() != errors_before || !cfg.mapping) return std::nullopt;
        return cfg;
    }

private:
    void mapping(ObjectReader& r, const std::string& file, StatusInConfig& cfg) {
        const auto path = (fs::path(settings_.folder) / file).string();
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            r.error("mapping", ErrorCode::not_found, fmt::format("status mapping '{}' not found", file),
                    fmt::format("mappings are read from the vendor folder ({})", settings_.folder));
            return;
        }
        auto loaded = mapping::load_mapping(path);
        for (auto& e : loaded.errors) mapping_errors_.push_back(std::move(e));
        if (!loaded.mapping) return;
        const auto in = loaded.mapping->input();
        if (in != mapping::Format::json && in != mapping::Format::xml) {
            r.error("mapping", ErrorCode::invalid_value,
                    fmt::format("status mapping '{}' reads {}; a grocer's status body is json or xml", file,
                                mapping::to_string(in)));
        }
        if (loaded.mapping->output() != mapping::Format::order_event) {
            r.error("mapping", ErrorCode::invalid_value,
                    fmt::format("status mapping '{}' writes {}, not canonical:order_event", file,
                                mapping::to_string(loaded.mapping->output())));
        }
        for (const auto& p : loaded.mapping->params()) {
            if (p == "order_id" || p == "vendor" || settings_.params.contains(p)) continue;
            r.error("mapping", ErrorCode::invalid_value,
                    fmt::format("status mapping '{}' reads param '{}', which nobody gives it", file, p),
                    "status mappings get order_id (empty), vendor and the deployment's vendor params");
        }
        cfg.mapping = std::move(loaded.mapping);
    }

    std::optional<WebhookVerification> webhook(ObjectReader& w) {
        WebhookVerification v;
        const auto scheme = w.enumeration_or("verify", {"hmac_sha256", "bearer", "none"}, "hmac_sha256");
        v.scheme = scheme == "bearer" ? Verify::bearer : scheme == "none" ? Verify::none : Verify::hmac_sha256;
        if (v.scheme != Verify::none) {
            if (auto text = w.string("secret", true)) secret(w, *text, v);
        } else {
            w.string("secret");
        }
        if (v.scheme == Verify::hmac_sha256) {
            v.signature_header = w.string("signature_header", true).value_or("");
            v.signature_prefix = w.string_or("signature_prefix", "");
            v.encoding = w.enumeration_or("encoding", {"hex", "base64"}, "hex") == "base64" ? SignatureEncoding::base64
                                                                                           : SignatureEncoding::hex;
            v.timestamp_header = w.string_or("timestamp_header", "");
            if (auto text = w.string("signed")) {
                std::string error;
                if (auto parts = split_signed(*text, error)) {
                    v.signed_parts = std::move(*parts);
                } else {
                    w.error("signed", ErrorCode::invalid_value, fmt::format("signed '{}': {}", *text, error),
                            "e.g. \"{{timestamp}}.{{body}}\"");
                }
            } else if (v.timestamp_header.empty()) {
                v.signed_parts = {"{{body}}"};
            }
            bool signs_time = false;
            for (const auto& p : v.signed_parts) signs_time = signs_time || p == "{{timestamp}}";
            if (signs_time && v.timestamp_header.empty()) {
                w.error("signed", ErrorCode::invalid_value, "the signed text uses {{timestamp}} but there is no "
                                                            "timestamp_header");
            }
            const auto tolerance = w.duration_or("tolerance", std::chrono::milliseconds(v.tolerance));
            if (tolerance < std::chrono::seconds(1) || tolerance > std::chrono::hours(24)) {
                w.error("tolerance", ErrorCode::invalid_value, "tolerance must be between 1s and 24h");
            }
            v.tolerance = std::chrono::duration_cast<std::chrono::seconds>(tolerance);
        } else {
            for (const char* key : {"signature_header", "signature_prefix", "encoding", "timestamp_header", "signed",
                                    "tolerance"}) {
                if (w.has(key)) {
                    w.error(key, ErrorCode::invalid_value, fmt::format("'{}' applies to verify: hmac_sha256 only", key));
                } else {
                    w.string(key);
                }
            }
        }
        v.token_header = w.string_or("token_header", v.token_header);
        w.finish();
        return v;
    }

    // "{{secret.NAME}}", the form every secret takes in adapter.yaml.
    void secret(ObjectReader& w, const std::string& text, WebhookVerification& v) {
        constexpr std::string_view open = "{{secret.", close = "}}";
        if (!text.starts_with(open) || !text.ends_with(close) || text.size() <= open.size() + close.size()) {
            w.error("secret", ErrorCode::invalid_value, fmt::format("secret '{}' must be {{{{secret.NAME}}}}", text),
                    "the value lives in gateway.yaml: vendors.NAME.secrets");
            return;
        }
        v.secret_name = text.substr(open.size(), text.size() - open.size() - close.size());
        if (!check_secrets_) return;
        auto it = settings_.secrets.find(v.secret_name);
        if (it == settings_.secrets.end() || it->second.empty()) {
            w.error("secret", ErrorCode::not_found,
                    fmt::format("vendor {} has no secret '{}' to verify its webhooks with", settings_.name,
                                v.secret_name),
                    fmt::format("add {0}: ${{ENV_VAR}} (or {0}_file: PATH) under vendors.{1}.secrets in gateway.yaml",
                                v.secret_name, settings_.name));
            return;
        }
        v.secret = it->second;
    }

    PollSettings poll(ObjectReader& p) {
        PollSettings s;
        s.interval = p.duration_or("interval", s.interval);
        s.max_interval = p.duration_or("max_interval", s.max_interval);
        s.batch = static_cast<std::size_t>(p.integer_or("batch", static_cast<std::int64_t>(s.batch), 1, 10'000));
        if (s.interval < std::chrono::seconds(1)) {
            p.error("interval", ErrorCode::invalid_value, "interval must be at least 1s (be kind to the grocer)");
        }
        if (s.max_interval < s.interval) {
            p.error("max_interval", ErrorCode::invalid_value, "max_interval must not be below interval");
        }
        p.finish();
        return s;
    }

    const VendorSettings& settings_;
    bool check_secrets_;
    std::vector<Error>& mapping_errors_;
};

}  // namespace

std::string_view to_string(OrderKey key) noexcept {
    switch (key) {
        case OrderKey::order_id:
            return "order_id";
        case OrderKey::vendor_order_ref:
            return "vendor_order_ref";
        case OrderKey::external_ref:
            return "external_ref";
    }
    return "order_id";
}

std::optional<StatusInConfig> read_status_in(ObjectReader& r, const VendorSettings& settings, StatusMode mode,
                                             bool check_secrets, std::vector<Error>& mapping_errors) {
    Reader reader(settings, check_secrets, mapping_errors);
    return reader.read(r, mode);
}

StatusInLoad load_status_in(const VendorSettings& settings) {
    StatusInLoad out;
    const auto file = (fs::path(settings.folder) / "adapter.yaml").string();
    config::Diagnostics diag(file);
    auto root = config::load_yaml_file(file, diag);
    if (!root || !root->IsMap()) {
        out.errors = diag.sorted();
        if (out.errors.empty()) out.errors.push_back(make_error(ErrorCode::wrong_type, file + ": not a mapping"));
        return out;
    }
    StatusMode mode = StatusMode::none;
    if (const auto caps = (*root)["capabilities"]; caps && caps.IsMap()) {
        if (const auto s = caps["status"]; s && s.IsScalar()) {
            mode = s.Scalar() == "webhook" ? StatusMode::webhook
                   : s.Scalar() == "poll"  ? StatusMode::poll
                                           : StatusMode::none;
        }
    }
    const YAML::Node node = (*root)["status_in"];
    if (mode == StatusMode::none && (!node || node.IsNull())) return out;
    config::ReadContext ctx{&diag, config::process_env(), settings.folder};
    std::vector<Error> mapping_errors;
    {
        if (!node || node.IsNull()) {
            diag.add(root->Mark(), ErrorCode::missing_required,
                     fmt::format("capabilities.status is {} but there is no status_in", to_string(mode)),
                     "status_in: {mapping: status.yaml, ...} (adapters/status/status_in_config.hpp)");
        } else if (mode == StatusMode::none) {
            diag.add(node.Mark(), ErrorCode::invalid_value, "status_in, but capabilities.status is none",
                     "set capabilities.status to webhook or poll, or remove status_in");
        } else {
            ObjectReader r(ctx, node, "status_in");
            if (!r.valid()) {
                r.error_here(ErrorCode::wrong_type, "status_in must be a mapping");
            } else {
                out.config = read_status_in(r, settings, mode, true, mapping_errors);
            }
        }
    }
    out.errors = diag.sorted();
    for (auto& e : mapping_errors) out.errors.push_back(std::move(e));
    if (!out.errors.empty()) out.config.reset();
    return out;
}

}  // namespace gw::adapters::status
