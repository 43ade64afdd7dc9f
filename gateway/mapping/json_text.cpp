#include "gateway/mapping/json_text.hpp"

#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace gw::mapping {
namespace {

// JSON string escaping (RFC 8259): quote, backslash and control characters; UTF-8 passes through unchanged.
void append_string(std::string& s, std::string_view v) {
    s += '"';
    for (const char c : v) {
        switch (c) {
            case '"': s += "\\\""; break;
            case '\\': s += "\\\\"; break;
            case '\n': s += "\\n"; break;
            case '\r': s += "\\r"; break;
            case '\t': s += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    s += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
                } else {
                    s += c;
                }
        }
    }
    s += '"';
}

void indent(std::string& s, bool pretty, int depth) {
    if (!pretty) return;
    s += '\n';
    s.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void write(const boost::json::value& v, std::string& s, bool pretty, int depth) {
    switch (v.kind()) {
        case boost::json::kind::object: {
            const auto& o = v.get_object();
            if (o.empty()) {
                s += "{}";
                return;
            }
            s += '{';
            bool first = true;
            for (const auto& kv : o) {
                if (!first) s += ',';
                first = false;
                indent(s, pretty, depth + 1);
                append_string(s, std::string_view(kv.key().data(), kv.key().size()));
                s += pretty ? ": " : ":";
                write(kv.value(), s, pretty, depth + 1);
            }
            indent(s, pretty, depth);
            s += '}';
            return;
        }
        case boost::json::kind::array: {
            const auto& a = v.get_array();
            if (a.empty()) {
                s += "[]";
                return;
            }
            s += '[';
            bool first = true;
            for (const auto& item : a) {
                if (!first) s += ',';
                first = false;
                indent(s, pretty, depth + 1);
                write(item, s, pretty, depth + 1);
            }
            indent(s, pretty, depth);
            s += ']';
            return;
        }
        case boost::json::kind::double_: {
            const double d = v.get_double();
            s += std::isfinite(d) ? fmt::format("{}", d) : std::string("null");
            return;
        }
        case boost::json::kind::string: append_string(s, std::string_view(v.get_string().data(), v.get_string().size())); return;
        case boost::json::kind::int64: s += std::to_string(v.get_int64()); return;
        case boost::json::kind::uint64: s += std::to_string(v.get_uint64()); return;
        case boost::json::kind::bool_: s += v.get_bool() ? "true" : "false"; return;
        case boost::json::kind::null: s += "null"; return;
    }
}

}  // namespace

std::string to_json_text(const boost::json::value& value, bool pretty) {
    std::string s;
    s.reserve(2048);
    write(value, s, pretty, 0);
    if (pretty) s += '\n';
    return s;
}

}  // namespace gw::mapping
