#include "gateway/mapping/xml_input.hpp"

#include <fmt/format.h>

namespace gw::mapping {
namespace {

struct Binding {
    std::string prefix;  // as in the document
    std::string uri;
};

std::string_view prefix_of(std::string_view qname) {
    const auto c = qname.find(':');
    return c == std::string_view::npos ? std::string_view{} : qname.substr(0, c);
}

std::string_view local_of(std::string_view qname) {
    const auto c = qname.find(':');
    return c == std::string_view::npos ? qname : qname.substr(c + 1);
}

class Normaliser {
public:
    explicit Normaliser(const Namespaces& ns) : ns_(ns) {}

    void element(pugi::xml_node node) {
        const std::size_t mark = scope_.size();
        for (auto a = node.first_attribute(); a; a = a.next_attribute()) {
            const std::string_view name = a.name();
            if (name == "xmlns") scope_.push_back({"", a.value()});
            else if (name.rfind("xmlns:", 0) == 0) scope_.push_back({std::string(name.substr(6)), a.value()});
        }
        rename(node, true);
        for (auto a = node.first_attribute(); a; a = a.next_attribute()) {
            const std::string_view name = a.name();
            if (name == "xmlns" || name.rfind("xmlns:", 0) == 0 || prefix_of(name).empty()) continue;
            const auto uri = lookup(prefix_of(name));
            const std::string target = target_prefix(uri);
            a.set_name((target.empty() ? std::string(local_of(name)) : target + ":" + std::string(local_of(name))).c_str());
        }
        for (auto c = node.first_child(); c; c = c.next_sibling())
            if (c.type() == pugi::node_element) element(c);
        scope_.resize(mark);
    }

private:
    std::string lookup(std::string_view prefix) const {
        if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
            if (it->prefix == prefix) return it->uri;
        return {};
    }

    // The mapping's prefix for `uri`; "" when the mapping declares it as its default namespace (then unprefixed
    // names in XPaths match it).
    std::string target_prefix(const std::string& uri) {
        for (const auto& [p, u] : ns_)
            if (u == uri && !p.empty()) return p;
        for (const auto& [p, u] : ns_)
            if (u == uri) return p;
        for (const auto& [u, p] : unknown_)
            if (u == uri) return p;
        unknown_.emplace_back(uri, fmt::format("ns{}", unknown_.size() + 1));
        return unknown_.back().second;
    }

    void rename(pugi::xml_node node, bool) {
        const std::string_view name = node.name();
        const auto uri = lookup(prefix_of(name));
        // No namespace: stays unprefixed, as XPath 1.0 expects.
        if (uri.empty()) {
            if (!prefix_of(name).empty()) node.set_name(std::string(local_of(name)).c_str());
            return;
        }
        const std::string prefix = target_prefix(uri);
        const std::string wanted = prefix.empty() ? std::string(local_of(name)) : prefix + ":" + std::string(local_of(name));
        if (wanted != name) node.set_name(wanted.c_str());
    }

    const Namespaces& ns_;
    std::vector<Binding> scope_;
    std::vector<std::pair<std::string, std::string>> unknown_;
};

}  // namespace

Result<std::shared_ptr<pugi::xml_document>> parse_xml_input(std::string_view text, const Namespaces& namespaces) {
    const auto doctype = text.find("<!DOCTYPE");
    if (doctype != std::string_view::npos) {
        const auto root_start = text.find('<', text.find('>', doctype));
        const auto entity = text.find("<!ENTITY", doctype);
        if (entity != std::string_view::npos && (root_start == std::string_view::npos || entity < text.size())) {
            SourceLocation where;
            where.byte_offset = entity;
            return make_error(ErrorCode::unsupported, "XML documents that declare entities (DOCTYPE with ENTITY) are refused",
                              where);
        }
    }
    auto doc = std::make_shared<pugi::xml_document>();
    // parse_default without DOCTYPE processing; pugixml never fetches external resources.
    const auto result = doc->load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype,
                                         pugi::encoding_auto);
    if (!result) {
        SourceLocation where;
        where.byte_offset = static_cast<std::size_t>(result.offset);
        return make_error(ErrorCode::parse_error, fmt::format("malformed XML: {}", result.description()), where);
    }
    Normaliser n(namespaces);
    for (auto c = doc->first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) n.element(c);
    return doc;
}

}  // namespace gw::mapping
