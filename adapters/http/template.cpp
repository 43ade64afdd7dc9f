#include "adapters/http/template.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "gateway/config/yaml_reader.hpp"

namespace gw::adapters::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

std::vector<std::string> keys_of(const StringMap* m) {
    std::vector<std::string> out;
    if (m)
        for (const auto& [k, v] : *m) out.push_back(k);
    return out;
}

std::string known_list(const std::vector<std::string>& names) {
    if (names.empty()) return "none are configured";
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return "known: " + s;
}

Error template_error(std::string message, std::string hint = {}) {
    return make_error(ErrorCode::invalid_value, std::move(message), {}, std::move(hint));
}

// Checks NAME against the names the deployment (or earlier steps) provide.
std::optional<Error> check_name(std::string_view what, std::string_view name, const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), name) != known.end()) return std::nullopt;
    auto hint = config::did_you_mean(std::string(name), known);
    return template_error(fmt::format("unknown {} '{}'", what, name), hint.empty() ? known_list(known) : hint);
}

std::string json_text(const boost::json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return {};
    return boost::json::serialize(v);
}

void percent_encode(std::string_view in, std::string& out) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : in) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

}  // namespace

const std::vector<std::string>& line_fields() {
    static const std::vector<std::string> fields{"line_number", "gtin",        "vendor_sku", "description",
                                                 "quantity",    "unit.code",   "unit.text",  "substitution_allowed",
                                                 "note"};
    return fields;
}

Result<Template> Template::compile(std::string_view text, const Names& names, std::size_t* error_offset) {
    Template t;
    t.source_ = std::string(text);
    std::size_t pos = 0;
    auto fail = [&](std::size_t at, Error e) -> Result<Template> {
        if (error_offset) *error_offset = at;
        return e;
    };
    while (pos < text.size()) {
        const auto open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            t.parts_.push_back({Kind::text, std::string(text.substr(pos))});
            break;
        }
        if (open > pos) t.parts_.push_back({Kind::text, std::string(text.substr(pos, open - pos))});
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos)
            return fail(open, template_error("'{{' without a closing '}}'"));
        const auto inner = trim(text.substr(open + 2, close - open - 2));
        const auto dot = inner.find('.');
        const auto root = inner.substr(0, dot);
        const auto name = dot == std::string_view::npos ? std::string_view{} : inner.substr(dot + 1);
        Part part;
        part.text = std::string(name);
        std::optional<Error> problem;
        if (root == "order_id" && name.empty()) {
            part.kind = Kind::order_id;
        } else if (root == "idempotency_key" && name.empty()) {
            part.kind = Kind::idempotency_key;
        } else if (root == "vendor_order_ref" && name.empty()) {
            part.kind = Kind::vendor_order_ref;
        } else if (root == "secret" && !name.empty()) {
            part.kind = Kind::secret;
            if (names.secrets) problem = check_name("secret", name, keys_of(names.secrets));
        } else if (root == "param" && !name.empty()) {
            part.kind = Kind::param;
            if (names.params) problem = check_name("param", name, keys_of(names.params));
        } else if (root == "var" && !name.empty()) {
            part.kind = Kind::var;
            if (names.vars) {
                std::vector<std::string> known(names.vars->begin(), names.vars->end());
                problem = check_name("variable", name, known);
                if (problem) problem->message += " (variables come from `capture:` of an earlier step)";
            }
        } else if (root == "line" && !name.empty()) {
            part.kind = Kind::line;
            if (!names.line) {
                problem = template_error(fmt::format("'{{{{line.{}}}}}' is only available in a `for_each: lines` step", name));
            } else {
                problem = check_name("line field", name, line_fields());
            }
        } else {
            const std::vector<std::string> roots{"secret.NAME",     "param.NAME",      "var.NAME", "order_id",
                                                 "idempotency_key", "vendor_order_ref", "line.FIELD"};
            auto hint = config::did_you_mean(std::string(inner), {"order_id", "idempotency_key", "vendor_order_ref"});
            problem = template_error(fmt::format("unknown placeholder '{{{{{}}}}}'", inner),
                                     hint.empty() ? known_list(roots) : hint);
        }
        if (problem) return fail(open, std::move(*problem));
        t.parts_.push_back(std::move(part));
        pos = close + 2;
    }
    return t;
}

Result<std::string> render(const Template& t, const TemplateScope& scope, bool escape) {
    std::string out;
    auto put = [&](std::string_view value) {
        if (escape) {
            percent_encode(value, out);
        } else {
            out += value;
        }
    };
    auto missing = [&](const Template::Part& p, std::string_view what) -> Error {
        return make_error(ErrorCode::invalid_value,
                          fmt::format("'{}' has no value for {} (placeholder in \"{}\")", p.text.empty() ? what : p.text,
                                      what, t.source()));
    };
    auto lookup = [](const StringMap* m, const std::string& key) -> const std::string* {
        if (!m) return nullptr;
        const auto it = m->find(key);
        return it == m->end() ? nullptr : &it->second;
    };
    for (const auto& p : t.parts()) {
        switch (p.kind) {
            case Template::Kind::text: out += p.text; break;
            case Template::Kind::secret:
            case Template::Kind::param:
            case Template::Kind::var: {
                const StringMap* m = p.kind == Template::Kind::secret  ? scope.secrets
                                     : p.kind == Template::Kind::param ? scope.params
                                                                       : scope.vars;
                const auto* v = lookup(m, p.text);
                const char* what = p.kind == Template::Kind::secret  ? "secret"
                                   : p.kind == Template::Kind::param ? "param"
                                                                     : "variable";
                if (!v) return missing(p, what);
                put(*v);
                break;
            }
            case Template::Kind::order_id: put(scope.order_id); break;
            case Template::Kind::idempotency_key: put(scope.idempotency_key); break;
            case Template::Kind::vendor_order_ref:
                if (scope.vendor_order_ref.empty()) return missing(p, "vendor_order_ref");
                put(scope.vendor_order_ref);
                break;
            case Template::Kind::line: {
                const boost::json::value* v = scope.line;
                std::string_view rest = p.text;
                while (v && !rest.empty()) {
                    const auto dot = rest.find('.');
                    const auto key = rest.substr(0, dot);
                    const auto* obj = v->if_object();
                    v = obj ? obj->if_contains(boost::json::string_view(key.data(), key.size())) : nullptr;
                    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
                }
                if (!v || v->is_null()) return missing(p, "the current line");
                put(json_text(*v));
                break;
            }
        }
    }
    return out;
}

}  // namespace gw::adapters::http
