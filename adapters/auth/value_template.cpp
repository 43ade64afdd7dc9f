#include "adapters/auth/value_template.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace gw::adapters::auth {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

struct Placeholder {
    std::string_view kind;  // "secret", "param", or "" for a runtime name
    std::string_view name;
};

Placeholder split(std::string_view inner) {
    for (std::string_view kind : {"secret", "param"}) {
        if (inner.size() > kind.size() && inner.starts_with(kind) && inner[kind.size()] == '.') {
            return {kind, inner.substr(kind.size() + 1)};
        }
    }
    return {{}, inner};
}

// Calls on_text for literal runs and on_placeholder for each {{...}}; returns an error text on bad syntax.
template <class OnText, class OnPlaceholder>
std::optional<std::string> scan(std::string_view text, OnText&& on_text, OnPlaceholder&& on_placeholder) {
    while (!text.empty()) {
        auto open = text.find("{{");
        if (open == std::string_view::npos) {
            on_text(text);
            break;
        }
        on_text(text.substr(0, open));
        auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) return std::string("unterminated '{{' placeholder");
        auto raw = text.substr(open, close + 2 - open);
        auto inner = trim(text.substr(open + 2, close - open - 2));
        if (inner.empty()) return std::string("empty '{{}}' placeholder");
        if (auto problem = on_placeholder(raw, inner)) return problem;
        text.remove_prefix(close + 2);
    }
    return std::nullopt;
}

bool is_runtime(std::string_view name, std::span<const std::string_view> runtime_names) {
    return std::find(runtime_names.begin(), runtime_names.end(), name) != runtime_names.end();
}

}  // namespace

std::optional<std::string> template_syntax_problem(std::string_view text,
                                                   std::span<const std::string_view> runtime_names) {
    return scan(
        text, [](std::string_view) {},
        [&](std::string_view, std::string_view inner) -> std::optional<std::string> {
            auto p = split(inner);
            if (!p.kind.empty() && !p.name.empty()) return std::nullopt;
            if (p.kind.empty() && is_runtime(inner, runtime_names)) return std::nullopt;
            std::string allowed = "secret.NAME, param.NAME";
            for (auto n : runtime_names) allowed += fmt::format(", {}", n);
            return fmt::format("unknown placeholder '{{{{{}}}}}' (allowed here: {})", inner, allowed);
        });
}

Result<std::string> resolve_template(const ValueTemplate& value, const SecretLookup& lookup,
                                     std::span<const std::string_view> runtime_names) {
    std::string out;
    std::optional<Error> missing;
    auto problem = scan(
        value.text, [&](std::string_view s) { out += s; },
        [&](std::string_view raw, std::string_view inner) -> std::optional<std::string> {
            auto p = split(inner);
            if (p.kind.empty()) {
                if (!is_runtime(inner, runtime_names)) return fmt::format("unknown placeholder '{}'", raw);
                out += raw;
                return std::nullopt;
            }
            if (const std::string* v = lookup(p.kind, p.name)) {
                out += *v;
                return std::nullopt;
            }
            if (!missing) {
                missing = make_error(ErrorCode::missing_required,
                                     fmt::format("{} '{}' is not set for this vendor", p.kind, p.name), value.where,
                                     fmt::format("add it to the vendor's `{}s:` in gateway.yaml", p.kind));
            }
            return std::nullopt;
        });
    if (problem) return make_error(ErrorCode::invalid_value, *problem, value.where);
    if (missing) return std::move(*missing);
    return out;
}

std::string expand_runtime(std::string_view text, const std::function<std::string(std::string_view)>& value_of) {
    std::string out;
    // Syntax was checked when the config was read; a stray "{{" is copied as text.
    auto problem = scan(
        text, [&](std::string_view s) { out += s; },
        [&](std::string_view, std::string_view inner) -> std::optional<std::string> {
            out += value_of(inner);
            return std::nullopt;
        });
    if (problem) return std::string(text);
    return out;
}

}  // namespace gw::adapters::auth
