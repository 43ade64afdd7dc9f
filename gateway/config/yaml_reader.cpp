#include "gateway/config/yaml_reader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace gw::config {
namespace {

std::string type_name(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Null: return "null";
        case YAML::NodeType::Scalar: return "a scalar";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Undefined: return "nothing";
    }
    return "?";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

void check_duplicates(const YAML::Node& node, Diagnostics& d) {
    if (node.IsMap()) {
        std::set<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second) {
                d.add(it->first.Mark(), ErrorCode::conflict, fmt::format("duplicate key '{}'", it->first.Scalar()),
                      "each key may appear once in a mapping");
            }
            check_duplicates(it->second, d);
        }
    } else if (node.IsSequence()) {
        for (const auto& child : node) check_duplicates(child, d);
    }
}

}  // namespace

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

Expanded expand_env(std::string_view text, const EnvLookup& env) {
    Expanded out;
    out.value.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 3, "$${") == 0) {
            out.value += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out.value.push_back(text[i++]);
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            out.error = fmt::format("unterminated '${{' in '{}'", text);
            return out;
        }
        std::string_view inner = text.substr(i + 2, close - i - 2);
        std::optional<std::string> fallback;
        if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
            fallback = std::string(inner.substr(sep + 2));
            inner = inner.substr(0, sep);
        }
        const bool valid_name = !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
        if (!valid_name) {
            out.error = fmt::format("invalid environment variable name '{}'", inner);
            return out;
        }
        auto value = env(std::string(inner));
        if (value && (!value->empty() || !fallback)) {
            out.value += *value;
        } else if (fallback) {
            out.value += *fallback;
        } else {
            out.error = fmt::format("environment variable '{}' is not set and has no default", inner);
            return out;
        }
        i = close + 1;
    }
    return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const auto d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best.empty() ? std::string() : fmt::format("did you mean '{}'?", best);
}

void Diagnostics::add(const YAML::Mark& mark, ErrorCode code, std::string message, std::string hint) {
    SourceLocation where;
    where.file = file_;
    where.line = mark.line >= 0 ? mark.line + 1 : 1;
    where.column = mark.column >= 0 ? mark.column + 1 : 1;
    errors_.push_back(make_error(code, std::move(message), std::move(where), std::move(hint)));
}

void Diagnostics::add_at_file(ErrorCode code, std::string message) {
    SourceLocation where;
    where.file = file_;
    where.line = 1;
    where.column = 1;
    errors_.push_back(make_error(code, std::move(message), std::move(where)));
}

std::vector<Error> Diagnostics::sorted() const {
    auto out = errors_;
    std::stable_sort(out.begin(), out.end(), [](const Error& a, const Error& b) {
        return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
    });
    return out;
}

ObjectReader::ObjectReader(ReadContext& ctx, YAML::Node node, std::string path)
    : ctx_(ctx), node_(std::move(node)), path_(std::move(path)), mark_(node_.Mark()) {
    if (node_.IsMap()) {
        valid_ = true;
    } else if (node_.IsNull()) {
        // An empty section ("listeners:") reads as an empty mapping: everything takes its default.
        valid_ = false;
    } else {
        ctx_.diagnostics->add(mark_, ErrorCode::wrong_type,
                              fmt::format("'{}' must be a mapping, found {}", path_.empty() ? "document" : path_,
                                          type_name(node_)));
    }
}

ObjectReader::~ObjectReader() { finish(); }

std::string ObjectReader::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool ObjectReader::has(const std::string& key) const {
    return valid_ && node_[key] && !node_[key].IsNull();
}

std::optional<YAML::Node> ObjectReader::child(const std::string& key, bool required) {
    read_.insert(key);
    if (!valid_) {
        if (required && !node_.IsDefined()) return std::nullopt;
        if (required && node_.IsNull()) {
            ctx_.diagnostics->add(mark_, ErrorCode::missing_required,
                                  fmt::format("missing required key '{}'", key_path(key)));
        }
        return std::nullopt;
    }
    YAML::Node n = node_[key];
    if (!n || n.IsNull()) {
        if (required) {
            ctx_.diagnostics->add(mark_, ErrorCode::missing_required,
                                  fmt::format("missing required key '{}'", key_path(key)),
                                  fmt::format("add '{}:' to '{}'", key, path_.empty() ? "the document" : path_));
        }
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> ObjectReader::scalar(const std::string& key, const YAML::Node& n) {
    if (!n.IsScalar()) {
        ctx_.diagnostics->add(n.Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a scalar, found {}", key_path(key), type_name(n)));
        return std::nullopt;
    }
    auto expanded = expand_env(n.Scalar(), ctx_.env);
    if (expanded.error) {
        ctx_.diagnostics->add(n.Mark(), ErrorCode::not_found, fmt::format("'{}': {}", key_path(key), *expanded.error),
                              "export the variable or write ${NAME:-default}");
        return std::nullopt;
    }
    return std::move(expanded.value);
}

std::optional<std::string> ObjectReader::string(const std::string& key, bool required) {
    auto n = child(key, required);
    if (!n) return std::nullopt;
    return scalar(key, *n);
}

std::string ObjectReader::string_or(const std::string& key, std::string fallback) {
    auto v = string(key);
    return v ? *v : std::move(fallback);
}

std::optional<std::int64_t> ObjectReader::integer(const std::string& key, std::int64_t min, std::int64_t max,
                                                  bool required) {
    auto n = child(key, required);
    if (!n) return std::nullopt;
    auto s = scalar(key, *n);
    if (!s) return std::nullopt;
    std::int64_t v = 0;
    std::size_t used = 0;
    try {
        v = std::stoll(*s, &used, 10);
    } catch (...) {
        used = 0;
    }
    if (used == 0 || used != s->size()) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be an integer, found '{}'", key_path(key), *s));
        return std::nullopt;
    }
    if (v < min || v > max) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::invalid_value,
                              fmt::format("'{}' must be between {} and {}, found {}", key_path(key), min, max, v));
        return std::nullopt;
    }
    return v;
}

std::int64_t ObjectReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                                      std::int64_t max) {
    auto v = integer(key, min, max);
    return v ? *v : fallback;
}

bool ObjectReader::boolean_or(const std::string& key, bool fallback) {
    auto n = child(key, false);
    if (!n) return fallback;
    auto s = scalar(key, *n);
    if (!s) return fallback;
    if (*s == "true" || *s == "yes" || *s == "on") return true;
    if (*s == "false" || *s == "no" || *s == "off") return false;
    ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                          fmt::format("'{}' must be true or false, found '{}'", key_path(key), *s));
    return fallback;
}

std::chrono::milliseconds ObjectReader::duration_or(const std::string& key, std::chrono::milliseconds fallback) {
    auto n = child(key, false);
    if (!n) return fallback;
    auto s = scalar(key, *n);
    if (!s) return fallback;
    std::size_t used = 0;
    double number = 0;
    try {
        number = std::stod(*s, &used);
    } catch (...) {
        used = 0;
    }
    const std::string unit = used ? s->substr(used) : "";
    static const std::map<std::string, double> units{{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000},
                                                      {"h", 3'600'000}, {"d", 86'400'000}};
    auto u = units.find(unit);
    if (used == 0 || u == units.end() || number < 0) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a duration like 250ms, 30s, 5m, 2h, found '{}'",
                                          key_path(key), *s));
        return fallback;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(number * u->second));
}

std::uint64_t ObjectReader::size_or(const std::string& key, std::uint64_t fallback) {
    auto n = child(key, false);
    if (!n) return fallback;
    auto s = scalar(key, *n);
    if (!s) return fallback;
    std::size_t used = 0;
    unsigned long long number = 0;
    try {
        number = std::stoull(*s, &used);
    } catch (...) {
        used = 0;
    }
    const std::string unit = used ? s->substr(used) : "";
    static const std::map<std::string, std::uint64_t> units{
        {"", 1},          {"B", 1},         {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
        {"KB", 1000ull}, {"MB", 1000'000ull}, {"GB", 1000'000'000ull}};
    auto u = units.find(unit);
    if (used == 0 || u == units.end() || (*s)[0] == '-') {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a size like 1048576, 512KiB or 1MiB, found '{}'",
                                          key_path(key), *s));
        return fallback;
    }
    return number * u->second;
}

std::uint16_t ObjectReader::port_or(const std::string& key, std::uint16_t fallback) {
    return static_cast<std::uint16_t>(integer_or(key, fallback, 0, 65535));
}

std::string ObjectReader::enumeration_or(const std::string& key, const std::vector<std::string>& allowed,
                                         std::string fallback) {
    auto n = child(key, false);
    if (!n) return fallback;
    auto s = scalar(key, *n);
    if (!s) return fallback;
    if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return *s;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    ctx_.diagnostics->add(n->Mark(), ErrorCode::invalid_value,
                          fmt::format("'{}' must be one of {}, found '{}'", key_path(key), list, *s),
                          did_you_mean(*s, allowed));
    return fallback;
}

std::optional<std::string> ObjectReader::secret(const std::string& key, bool required) {
    const std::string file_key = key + "_file";
    const bool inline_given = has(key);
    const bool file_given = has(file_key);
    if (inline_given && file_given) {
        error(file_key, ErrorCode::conflict, fmt::format("give either '{}' or '{}', not both", key, file_key));
        read_.insert(key);
        return std::nullopt;
    }
    if (inline_given) return string(key);
    if (!file_given) {
        read_.insert(key);
        read_.insert(file_key);
        if (required) {
            error_here(ErrorCode::missing_required,
                       fmt::format("missing required secret '{}' (or '{}')", key_path(key), file_key),
                       fmt::format("use '{}: /run/secrets/...' or '{}: ${{ENV_VAR}}'", file_key, key));
        }
        return std::nullopt;
    }
    auto n = child(file_key, false);
    auto path = file_path(file_key, true, false);
    if (!path) return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::not_found,
                              fmt::format("'{}': cannot read secret file '{}'", key_path(file_key), *path),
                              "check the path and its permissions");
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string value = ss.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
}

std::optional<std::string> ObjectReader::file_path(const std::string& key, bool required, bool must_exist) {
    auto n = child(key, required);
    if (!n) return std::nullopt;
    auto s = scalar(key, *n);
    if (!s) return std::nullopt;
    std::filesystem::path p(*s);
    if (p.is_relative() && !ctx_.base_dir.empty()) p = std::filesystem::path(ctx_.base_dir) / p;
    std::error_code ec;
    if (must_exist && !std::filesystem::exists(p, ec)) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::not_found,
                              fmt::format("'{}': file '{}' does not exist", key_path(key), p.string()));
    }
    return p.lexically_normal().string();
}

bool ObjectReader::object(const std::string& key, const std::function<void(ObjectReader&)>& fn, bool required) {
    auto n = child(key, required);
    if (!n) {
        if (!required) {
            // Still run the callback on an empty node so defaults are applied in one place.
            ObjectReader empty(ctx_, YAML::Node(YAML::NodeType::Null), key_path(key));
            fn(empty);
        }
        return false;
    }
    ObjectReader sub(ctx_, *n, key_path(key));
    if (sub.valid() || n->IsNull()) fn(sub);
    return sub.valid();
}

void ObjectReader::list(const std::string& key, const std::function<void(ObjectReader&, std::size_t)>& fn,
                        bool required) {
    auto n = child(key, required);
    if (!n) return;
    if (!n->IsSequence()) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a list, found {}", key_path(key), type_name(*n)));
        return;
    }
    for (std::size_t i = 0; i < n->size(); ++i) {
        ObjectReader sub(ctx_, (*n)[i], fmt::format("{}[{}]", key_path(key), i));
        if (sub.valid()) fn(sub, i);
    }
}

std::vector<std::string> ObjectReader::string_list(const std::string& key) {
    std::vector<std::string> out;
    auto n = child(key, false);
    if (!n) return out;
    if (!n->IsSequence()) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a list, found {}", key_path(key), type_name(*n)));
        return out;
    }
    for (const auto& item : *n) {
        if (auto s = scalar(key, item)) out.push_back(*s);
    }
    return out;
}

void ObjectReader::named_objects(const std::string& key,
                                 const std::function<void(const std::string&, ObjectReader&)>& fn) {
    auto n = child(key, false);
    if (!n) return;
    if (!n->IsMap()) {
        ctx_.diagnostics->add(n->Mark(), ErrorCode::wrong_type,
                              fmt::format("'{}' must be a mapping, found {}", key_path(key), type_name(*n)));
        return;
    }
    for (auto it = n->begin(); it != n->end(); ++it) {
        const auto name = it->first.Scalar();
        ObjectReader sub(ctx_, it->second, key_path(key) + "." + name);
        if (sub.valid() || it->second.IsNull()) fn(name, sub);
    }
}

std::vector<std::string> ObjectReader::keys() const {
    std::vector<std::string> out;
    if (!valid_) return out;
    for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.Scalar());
    return out;
}

void ObjectReader::error(const std::string& key, ErrorCode code, std::string message, std::string hint) {
    YAML::Mark m = mark_;
    if (valid_ && node_[key]) m = node_[key].Mark();
    ctx_.diagnostics->add(m, code, std::move(message), std::move(hint));
}

void ObjectReader::error_here(ErrorCode code, std::string message, std::string hint) {
    ctx_.diagnostics->add(mark_, code, std::move(message), std::move(hint));
}

void ObjectReader::finish() {
    if (finished_) return;
    finished_ = true;
    if (!valid_) return;
    std::vector<std::string> known(read_.begin(), read_.end());
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        const auto key = it->first.Scalar();
        if (read_.count(key)) continue;
        auto hint = did_you_mean(key, known);
        if (hint.empty() && !known.empty()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            hint = "known keys: " + list;
        }
        ctx_.diagnostics->add(it->first.Mark(), ErrorCode::unknown_key,
                              fmt::format("unknown key '{}' in '{}'", key, path_.empty() ? "document" : path_),
                              std::move(hint));
    }
}

std::optional<YAML::Node> parse_yaml(std::string_view text, Diagnostics& diagnostics) {
    try {
        YAML::Node root = YAML::Load(std::string(text));
        check_duplicates(root, diagnostics);
        return root;
    } catch (const YAML::Exception& e) {
        diagnostics.add(e.mark, ErrorCode::parse_error, fmt::format("invalid YAML: {}", e.msg));
        return std::nullopt;
    }
}

std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.add_at_file(ErrorCode::not_found, fmt::format("cannot read '{}'", path));
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_yaml(ss.str(), diagnostics);
}

}  // namespace gw::config
