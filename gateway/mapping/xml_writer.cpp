#include <sstream>

#include "gateway/mapping/writers.hpp"

namespace gw::mapping {
namespace {

bool emit(const XmlNode& node, EvalContext& ctx, pugi::xml_node parent);

bool emit_one(const XmlNode& node, EvalContext& ctx, pugi::xml_node parent) {
    pugi::xml_node el = parent.append_child(node.name.c_str());
    bool dynamic = node.has_expr;     // built from values (rather than constants only)
    bool filled = false;              // some value-built part came out non-empty
    if (node.has_expr) {
        Value v;
        if (!eval(node.expr, ctx, v)) return false;
        if (v.present()) {
            el.text().set(v.as_text().c_str());
            filled = true;
        }
    } else if (!node.constant.empty()) {
        el.text().set(node.constant.c_str());
        filled = true;
    }
    for (const auto& child : node.children) {
        if (child.kind == XmlNode::Kind::element) {
            dynamic = true;
            const auto before = el.last_child();
            if (!emit(child, ctx, el)) return false;
            filled = filled || el.last_child() != before;
            continue;
        }
        std::string text = child.constant;
        if (child.has_expr) {
            dynamic = true;
            Value v;
            if (!eval(child.expr, ctx, v)) return false;
            if (!v.present()) continue;
            text = v.as_text();
            filled = filled || !text.empty();
        }
        if (text.empty()) continue;
        if (child.kind == XmlNode::Kind::attribute) {
            el.append_attribute(child.name.c_str()).set_value(text.c_str());
        } else {
            el.text().set(text.c_str());
            filled = filled || !child.has_expr;
        }
    }
    // An element whose value-built parts all came out empty is left out (an optional part of the document), even
    // when it carries constant attributes such as schemeID.
    if (dynamic && !filled) parent.remove_child(el);
    return true;
}

bool emit(const XmlNode& node, EvalContext& ctx, pugi::xml_node parent) {
    ctx.out_path.push_back(OutStep{node.name, -1});
    bool ok = true;
    if (node.control.each) {
        ok = for_each_item(*node.control.each, ctx, [&] {
            bool take = true;
            if (!eval_when(node.control, ctx, take)) return false;
            ctx.out_path.back().index = ctx.frames[static_cast<std::size_t>(node.control.each->depth)].index;
            return !take || emit_one(node, ctx, parent);
        });
    } else {
        bool take = true;
        ok = eval_when(node.control, ctx, take) && (!take || emit_one(node, ctx, parent));
    }
    if (ok) ctx.out_path.pop_back();
    return ok;
}

struct StringWriter : pugi::xml_writer {
    std::string* out;
    void write(const void* data, std::size_t size) override { out->append(static_cast<const char*>(data), size); }
};

}  // namespace

bool write_xml(EvalContext& ctx, std::string& out) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version").set_value("1.0");
    decl.append_attribute("encoding").set_value("UTF-8");
    if (!emit(ctx.plan->xml, ctx, doc)) return false;
    auto root = doc.document_element();
    if (root) {
        // Namespace declarations go first on the root, in the order the mapping lists them.
        pugi::xml_attribute before = root.first_attribute();
        for (const auto& [prefix, uri] : ctx.plan->namespaces) {
            const std::string name = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
            auto a = before ? root.insert_attribute_before(name.c_str(), before) : root.append_attribute(name.c_str());
            a.set_value(uri.c_str());
        }
    }
    StringWriter w;
    w.out = &out;
    out.clear();
    doc.save(w, "  ", pugi::format_indent, pugi::encoding_utf8);
    return true;
}

}  // namespace gw::mapping
