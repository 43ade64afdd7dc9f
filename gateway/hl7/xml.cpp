#include "gateway/hl7/xml.hpp"

#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "gateway/hl7/escape.hpp"

namespace gw::hl7 {
namespace {

constexpr int kMaxGroupDepth = 32;         // real messages nest groups 3-4 deep; bounds recursion on hostile input
constexpr std::uint32_t kMaxIndex = 1000;  // field/component numbers beyond this are not HL7
constexpr std::uint32_t kMshMinFields = 12;

Error xml_error(std::size_t offset, std::string message) {
    SourceLocation where;
    where.byte_offset = offset;
    return make_error(ErrorCode::parse_error, std::move(message), std::move(where));
}

std::string_view local_name(const pugi::xml_node& node) {
    std::string_view name = node.name();
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool is_segment_name(std::string_view n) {
    const auto ok = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    return n.size() == 3 && n[0] >= 'A' && n[0] <= 'Z' && ok(n[1]) && ok(n[2]);
}

// The number after the last '.' of an element name ("PID.3", "XPN.1"); 0 when there is none.
std::uint32_t position_of(std::string_view name) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == name.size()) return 0;
    std::uint32_t n = 0;
    for (std::size_t i = dot + 1; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        n = n * 10 + static_cast<std::uint32_t>(name[i] - '0');
        if (n > kMaxIndex) return 0;
    }
    return n;
}

bool has_element_children(const pugi::xml_node& node) {
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element) return true;
    }
    return false;
}

void append_text(const pugi::xml_node& node, std::string& out) {
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
            out += c.value();
        } else if (c.type() == pugi::node_element) {
            append_text(c, out);
        }
    }
}

Result<void> check_declarations(std::string_view xml) {
    if (const auto at = xml.find("<!ENTITY"); at != std::string_view::npos) {
        const auto end = xml.find('>', at);
        const auto decl = xml.substr(at, end == std::string_view::npos ? xml.size() - at : end - at);
        const bool external =
            decl.find("SYSTEM") != std::string_view::npos || decl.find("PUBLIC") != std::string_view::npos;
        return xml_error(at, fmt::format("refused: the document declares {} at byte {}; expected no DTD entity "
                                         "declarations",
                                         external ? "an external entity (XXE)" : "an entity", at));
    }
    if (const auto at = xml.find("<!DOCTYPE"); at != std::string_view::npos) {
        const auto close = xml.find('>', at);
        const auto bracket = xml.find('[', at);
        if (bracket != std::string_view::npos && (close == std::string_view::npos || bracket < close)) {
            return xml_error(at, fmt::format("refused: internal DTD subset at byte {}; expected at most a DOCTYPE "
                                             "naming an external DTD (which is never fetched)",
                                             at));
        }
    }
    return {};
}

class XmlToEr7 {
  public:
    Result<std::string> run(const pugi::xml_node& root) {
        if (auto r = walk(root, 0); !r) return std::move(r).error();
        if (!seen_msh_) return xml_error(static_cast<std::size_t>(root.offset_debug()), "expected an MSH element");
        return std::move(out_);
    }

  private:
    Result<void> walk(const pugi::xml_node& parent, int depth) {
        if (depth > kMaxGroupDepth) {
            return xml_error(static_cast<std::size_t>(parent.offset_debug()),
                             fmt::format("expected groups nested at most {} deep", kMaxGroupDepth));
        }
        for (auto child = parent.first_child(); child; child = child.next_sibling()) {
            if (child.type() != pugi::node_element) continue;
            const auto name = local_name(child);
            if (is_segment_name(name)) {
                if (auto r = segment(child, name); !r) return r;
            } else if (name.find('.') != std::string_view::npos || name.find('_') != std::string_view::npos) {
                if (auto r = walk(child, depth + 1); !r) return r;
            }
        }
        return {};
    }

    Result<void> read_delimiters(const pugi::xml_node& msh) {
        std::string sep;
        std::string enc;
        for (auto f = msh.first_child(); f; f = f.next_sibling()) {
            if (f.type() != pugi::node_element) continue;
            const auto n = position_of(local_name(f));
            if (n == 1) append_text(f, sep);
            if (n == 2) append_text(f, enc);
        }
        if (sep.empty() && enc.empty()) return {};  // standard delimiters
        const auto bad = [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\r' ||
                   c == '\n' || c == '\0';
        };
        bool ok = sep.size() == 1 && !bad(sep[0]) && enc.size() >= 3 && enc.size() <= 5;
        for (std::size_t i = 0; ok && i < enc.size(); ++i)
            ok = !bad(enc[i]) && enc[i] != sep[0] && enc.find(enc[i]) == i;
        if (!ok) {
            return xml_error(static_cast<std::size_t>(msh.offset_debug()),
                             "expected MSH.1 to be one non-alphanumeric character and MSH.2 3 to 5 distinct ones");
        }
        d_.field = sep[0];
        d_.component = enc[0];
        d_.repetition = enc[1];
        d_.escape = enc[2];
        d_.subcomponent = enc.size() > 3 ? enc[3] : '\0';
        d_.truncation = enc.size() > 4 ? enc[4] : '\0';
        return {};
    }

    Result<void> segment(const pugi::xml_node& seg, std::string_view name) {
        const bool msh = name == "MSH";
        if (msh == seen_msh_) {
            return xml_error(static_cast<std::size_t>(seg.offset_debug()),
                             msh ? "expected one MSH element" : "expected the MSH element before any other segment");
        }
        if (msh) {
            if (auto r = read_delimiters(seg); !r) return r;
            seen_msh_ = true;
        }
        std::vector<std::vector<pugi::xml_node>> fields;
        for (auto f = seg.first_child(); f; f = f.next_sibling()) {
            if (f.type() != pugi::node_element) continue;
            const auto n = position_of(local_name(f));
            if (n == 0 || (msh && n <= 2)) continue;
            if (fields.size() <= n) fields.resize(n + 1);
            fields[n].push_back(f);
        }
        out_.append(name);
        std::uint32_t first = 1;
        if (msh) {
            out_.push_back(d_.field);
            out_ += d_.encoding_characters();
            first = 3;
            if (fields.size() <= kMshMinFields) fields.resize(kMshMinFields + 1);  // strict ER7 wants MSH-12
        }
        for (std::uint32_t n = first; n < fields.size(); ++n) {
            out_.push_back(d_.field);
            for (std::size_t r = 0; r < fields[n].size(); ++r) {
                if (r > 0) out_.push_back(d_.repetition);
                composite(fields[n][r], 0);
            }
        }
        out_.push_back('\r');
        return {};
    }

    // level 0: field repetition (children are components), 1: component (children are subcomponents).
    void composite(const pugi::xml_node& node, int level) {
        const char sep = level == 0 ? d_.component : d_.subcomponent;
        if (!has_element_children(node) || level > 1 || sep == '\0') {
            std::string text;
            append_text(node, text);
            append_escaped(text, d_, out_);
            return;
        }
        std::vector<pugi::xml_node> parts;
        for (auto c = node.first_child(); c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element) continue;
            const auto n = position_of(local_name(c));
            if (n == 0) continue;
            if (parts.size() < n) parts.resize(n);
            if (!parts[n - 1]) parts[n - 1] = c;
        }
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i > 0) out_.push_back(sep);
            if (parts[i]) composite(parts[i], level + 1);
        }
    }

    Delimiters d_;
    std::string out_;
    bool seen_msh_ = false;
};

}  // namespace

bool looks_like_xml(std::string_view bytes) noexcept {
    for (const char c : bytes) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        // A UTF-8 byte order mark may precede the declaration.
        if (c == '\xEF') continue;
        if (c == '\xBB' || c == '\xBF') continue;
        return c == '<';
    }
    return false;
}

Result<Message> parse_xml(std::string_view xml) {
    if (auto r = check_declarations(xml); !r) return std::move(r).error();
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
        const auto at = static_cast<std::size_t>(parsed.offset);
        return xml_error(at, fmt::format("expected well-formed XML at byte {}: {}", at, parsed.description()));
    }
    const auto root = doc.document_element();
    if (!root) return xml_error(0, "expected a root element");
    auto er7 = XmlToEr7{}.run(root);
    if (!er7) return std::move(er7).error();
    return parse(std::move(er7).value(), ParseOptions{true, Charset::utf8});
}

}  // namespace gw::hl7
