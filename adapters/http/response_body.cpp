#include "adapters/http/response_body.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace gw::adapters::http {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

char first_non_space(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
    return '\0';
}

std::string scalar_text(const boost::json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    return boost::json::serialize(v);
}

// Length of a valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return n;
}

}  // namespace

ResponseBody parse_response_body(const httpclient::HttpResponse& response) {
    ResponseBody out;
    if (response.body.empty()) return out;
    const auto type = lower(response.header("Content-Type"));
    const char first = first_non_space(response.body);
    const bool says_json = type.find("json") != std::string::npos;
    const bool says_xml = type.find("xml") != std::string::npos;
    const bool says_html = type.find("html") != std::string::npos;
    if (says_json || (!says_xml && !says_html && (first == '{' || first == '['))) {
        boost::system::error_code ec;
        out.json = boost::json::parse(response.body, ec);
        if (!ec) {
            out.kind = ResponseBody::Kind::json;
            return out;
        }
        out.kind = ResponseBody::Kind::other;
        out.problem = fmt::format("malformed JSON: {}", ec.message());
        return out;
    }
    if (says_xml || (!says_html && first == '<')) {
        auto doc = std::make_shared<pugi::xml_document>();
        // No DOCTYPE processing: pugixml never expands external entities; parse_default keeps it that way.
        const auto result = doc->load_buffer(response.body.data(), response.body.size(), pugi::parse_default);
        if (result && doc->document_element()) {
            out.kind = ResponseBody::Kind::xml;
            out.xml = std::move(doc);
            return out;
        }
        out.kind = ResponseBody::Kind::other;
        out.problem = fmt::format("malformed XML: {}", result.description());
        return out;
    }
    out.kind = ResponseBody::Kind::other;
    out.problem = says_html ? "an HTML page" : "neither JSON nor XML";
    return out;
}

const boost::json::value* json_at(const ResponseBody& body, std::string_view pointer) {
    if (body.kind != ResponseBody::Kind::json) return nullptr;
    boost::system::error_code ec;
    const auto* v = body.json.find_pointer(boost::json::string_view(pointer.data(), pointer.size()), ec);
    return ec ? nullptr : v;
}

Result<std::string> capture_value(const ResponseBody& body, const std::string& path) {
    switch (body.kind) {
        case ResponseBody::Kind::json: {
            const auto* v = json_at(body, path);
            if (!v || v->is_null())
                return make_error(ErrorCode::not_found, fmt::format("the answer has nothing at {}", path));
            if (v->is_object() || v->is_array())
                return make_error(ErrorCode::wrong_type, fmt::format("{} in the answer is not a single value", path));
            auto text = scalar_text(*v);
            if (text.empty()) return make_error(ErrorCode::not_found, fmt::format("{} in the answer is empty", path));
            return text;
        }
        case ResponseBody::Kind::xml: {
            pugi::xpath_query query(path.c_str());
            if (!query)
                return make_error(ErrorCode::invalid_value,
                                  fmt::format("'{}' is not a valid XPath: {}", path, query.result().description()));
            auto text = query.evaluate_string(*body.xml);
            if (text.empty()) return make_error(ErrorCode::not_found, fmt::format("the answer has nothing at {}", path));
            return text;
        }
        case ResponseBody::Kind::empty: return make_error(ErrorCode::not_found, fmt::format("the answer has no body to read {} from", path));
        case ResponseBody::Kind::other: break;
    }
    return make_error(ErrorCode::parse_error, fmt::format("cannot read {} from the answer: {}", path, body.problem));
}

std::string readable_excerpt(std::string_view text, std::size_t limit) {
    std::string out;
    bool in_tag = false;
    bool blank = false;
    const bool html = text.find("<html") != std::string_view::npos || text.find("<HTML") != std::string_view::npos ||
                      text.find("<!DOCTYPE") != std::string_view::npos || text.find("<!doctype") != std::string_view::npos;
    // An HTML page's <title> says more than its first 200 bytes of markup.
    if (html) {
        const auto t = lower(text.substr(0, 64 * 1024));
        const auto open = t.find("<title>");
        const auto close = t.find("</title>");
        if (open != std::string::npos && close != std::string::npos && close > open + 7) {
            auto title = readable_excerpt(text.substr(open + 7, close - open - 7), limit);
            if (!title.empty()) return title;
        }
    }
    for (std::size_t i = 0; i < text.size() && out.size() < limit; ++i) {
        const char c = text[i];
        if (html) {
            if (c == '<') {
                in_tag = true;
                continue;
            }
            if (in_tag) {
                if (c == '>') {
                    in_tag = false;
                    blank = !out.empty();
                }
                continue;
            }
        }
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            blank = !out.empty();
            continue;
        }
        if (blank) {
            out += ' ';
            blank = false;
        }
        if (u >= 0x80) {
            const auto n = utf8_length(text, i);
            if (n == 0) {
                out += '?';
            } else {
                out.append(text.substr(i, n));
                i += n - 1;
            }
            continue;
        }
        out += u < 0x20 || u == 0x7F ? '?' : c;
    }
    if (out.size() >= limit) out += "...";
    return out;
}

std::string grocer_error_text(const httpclient::HttpResponse& response, const ResponseBody& body,
                              const std::vector<std::string>& pointers) {
    if (body.kind == ResponseBody::Kind::json) {
        for (const auto& p : pointers) {
            const auto* v = json_at(body, p);
            if (!v || v->is_null()) continue;
            if (v->is_string() && v->get_string().empty()) continue;
            return readable_excerpt(scalar_text(*v), 300);
        }
        return readable_excerpt(response.body);
    }
    if (body.kind == ResponseBody::Kind::xml) {
        // RFC 7807 problem+xml, UBL/PEPPOL and SOAP faults put the words in one of these.
        for (const char* xp : {"//*[local-name()='detail']", "//*[local-name()='title']", "//*[local-name()='Description']",
                               "//*[local-name()='faultstring']", "//*[local-name()='message']"}) {
            auto text = pugi::xpath_query(xp).evaluate_string(*body.xml);
            if (!text.empty()) return readable_excerpt(text, 300);
        }
    }
    return readable_excerpt(response.body);
}

}  // namespace gw::adapters::http
