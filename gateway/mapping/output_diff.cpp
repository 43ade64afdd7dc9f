#include "gateway/mapping/output_diff.hpp"

#include "gateway/mapping/json_text.hpp"

#include <sstream>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <pugixml.hpp>

namespace gw::mapping {
namespace {

constexpr std::size_t kMaxLines = 25;

std::string show(const boost::json::value& v) {
    std::string s = to_json_text(v);
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
}

std::string scalar_text(const boost::json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    return to_json_text(v);
}

void walk(const boost::json::value& e, const boost::json::value& a, const std::string& path, bool subset,
          std::vector<std::string>& out) {
    if (out.size() >= kMaxLines) return;
    if (e.is_object() && a.is_object()) {
        for (const auto& kv : e.get_object()) {
            const std::string p = path + "/" + std::string(kv.key());
            const auto* av = a.get_object().if_contains(kv.key());
            if (!av) {
                out.push_back(fmt::format("  {}: missing (expected {})", p, show(kv.value())));
                continue;
            }
            walk(kv.value(), *av, p, subset, out);
        }
        if (!subset) {
            for (const auto& kv : a.get_object())
                if (!e.get_object().contains(kv.key()))
                    out.push_back(fmt::format("  {}/{}: unexpected {}", path, std::string(kv.key()), show(kv.value())));
        }
        return;
    }
    if (e.is_array() && a.is_array()) {
        const auto& ea = e.get_array();
        const auto& aa = a.get_array();
        for (std::size_t i = 0; i < ea.size(); ++i) {
            if (i >= aa.size()) {
                out.push_back(fmt::format("  {}/{}: missing (expected {})", path, i, show(ea[i])));
                continue;
            }
            walk(ea[i], aa[i], fmt::format("{}/{}", path, i), subset, out);
        }
        if (!subset && aa.size() > ea.size())
            out.push_back(fmt::format("  {}: {} more item(s) than expected, first {}", path.empty() ? "/" : path,
                                      aa.size() - ea.size(), show(aa[ea.size()])));
        return;
    }
    const bool equal = subset && !e.is_structured() && !a.is_structured() ? scalar_text(e) == scalar_text(a) : e == a;
    if (!equal) out.push_back(fmt::format("  {}: expected {}, got {}", path.empty() ? "/" : path, show(e), show(a)));
}

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, std::size_t size) override { out.append(static_cast<const char*>(data), size); }
};

}  // namespace

std::vector<std::string> diff_json(const boost::json::value& expected, const boost::json::value& actual) {
    std::vector<std::string> out;
    walk(expected, actual, "", false, out);
    return out;
}

std::vector<std::string> diff_json_subset(const boost::json::value& subset, const boost::json::value& actual) {
    std::vector<std::string> out;
    walk(subset, actual, "", true, out);
    return out;
}

std::string normalise_xml(const std::string& xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype)) return xml;
    StringWriter w;
    doc.save(w, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
    return w.out;
}

std::vector<std::string> diff_text_lines(const std::string& expected, const std::string& actual) {
    auto lines = [](const std::string& s) {
        std::vector<std::string> v;
        std::string cur;
        for (char c : s) {
            if (c == '\r' || c == '\n') {
                if (!cur.empty()) v.push_back(cur);
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (!cur.empty()) v.push_back(cur);
        return v;
    };
    const auto e = lines(expected), a = lines(actual);
    std::vector<std::string> out;
    const std::size_t n = std::max(e.size(), a.size());
    for (std::size_t i = 0; i < n && out.size() < kMaxLines; ++i) {
        const std::string* el = i < e.size() ? &e[i] : nullptr;
        const std::string* al = i < a.size() ? &a[i] : nullptr;
        if (el && al && *el == *al) continue;
        out.push_back(fmt::format("  line {}:", i + 1));
        if (el) out.push_back("    - " + *el);
        if (al) out.push_back("    + " + *al);
    }
    return out;
}

}  // namespace gw::mapping
