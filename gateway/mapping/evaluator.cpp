#include "gateway/mapping/evaluator.hpp"

#include <cstring>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "gateway/hl7/charset.hpp"
#include "gateway/hl7/escape.hpp"

namespace gw::mapping {
namespace {

std::size_t find_char(std::string_view s, char c, std::size_t from) {
    if (from >= s.size()) return std::string_view::npos;
    const void* hit = std::memchr(s.data() + from, c, s.size() - from);
    return hit == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
}

bool nth_part(std::string_view& s, char sep, std::uint32_t n) {
    std::size_t start = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto p = find_char(s, sep, start);
        if (p == std::string_view::npos) return false;
        start = p + 1;
    }
    const auto end = find_char(s, sep, start);
    s = s.substr(start, end == std::string_view::npos ? s.size() - start : end - start);
    return true;
}

// The element of one segment's text that `path` names (segment and occurrence already chosen), as encoded.
std::string_view raw_element(std::string_view seg, const hl7::Delimiters& d, const hl7::Path& path) {
    const bool header = hl7::is_header_segment_name(path.segment_name());
    if (header && path.field <= 2) {
        if (path.field == 1) return seg.substr(3, 1);
        std::string_view v = seg;
        return nth_part(v, d.field, 1) ? v : std::string_view{};
    }
    std::string_view v = seg;
    if (!nth_part(v, d.field, header ? path.field - 1 : path.field)) return {};
    if (!nth_part(v, d.repetition, path.repetition - 1)) return {};
    if (path.component > 0 && !nth_part(v, d.component, path.component - 1)) return {};
    if (path.subcomponent > 0) {
        if (d.has_subcomponent()) {
            if (!nth_part(v, d.subcomponent, path.subcomponent - 1)) return {};
        } else if (path.subcomponent > 1) {
            return {};
        }
    }
    return v;
}

// The same value rules as hl7::Message::get: leaves are unescaped, everything is converted to UTF-8.
void hl7_value(const hl7::Message& msg, std::string_view v, const hl7::Path& path, std::string& out,
               std::string& scratch) {
    out.clear();
    if (v.empty()) return;
    const auto& d = msg.delimiters();
    bool leaf = true;
    if (path.field <= 2 && hl7::is_header_segment_name(path.segment_name())) {
        leaf = false;
    } else if (path.subcomponent == 0) {
        const bool has_sub = d.has_subcomponent() && find_char(v, d.subcomponent, 0) != std::string_view::npos;
        leaf = path.component > 0 ? !has_sub : !has_sub && find_char(v, d.component, 0) == std::string_view::npos;
    }
    const bool plain = !leaf || find_char(v, d.escape, 0) == std::string_view::npos;
    if (plain && (msg.charset() == hl7::Charset::utf8 || hl7::is_ascii(v))) {
        out.assign(v.data(), v.size());
        return;
    }
    if (plain) {
        hl7::append_utf8(v, msg.charset(), out);
        return;
    }
    scratch.clear();
    hl7::append_unescaped(v, d, scratch);
    hl7::append_utf8(scratch, msg.charset(), out);
}

bool read_hl7(const SourceRef& s, EvalContext& ctx, Value& out) {
    const auto& msg = *ctx.doc->hl7;
    const std::size_t b = hl7_range_begin(ctx, s.frame), e = hl7_range_end(ctx, s.frame);
    const auto name = s.hl7.segment_name();
    std::uint32_t seen = 0;
    out = Value{};
    if (s.all) out.type = ValueType::list;
    for (std::size_t i = b; i < e; ++i) {
        if (msg.segment_name(i) != name) continue;
        ++seen;
        if (!s.all && seen != s.hl7.occurrence) continue;
        const auto raw = raw_element(msg.segment(i), msg.delimiters(), s.hl7);
        Value v;
        v.origin = Origin{&s, static_cast<std::int32_t>(i)};
        hl7_value(msg, raw, s.hl7, v.text, ctx.scratch);
        // HL7 "" (explicit null) and an empty element are both "nothing here" for a mapping.
        if (!v.text.empty() && v.text != "\"\"") v.type = ValueType::text;
        if (!s.all) {
            out = std::move(v);
            return true;
        }
        // Absent items stay in the list so that all(NTE-3) and all(NTE-4.1) line up for pick().
        out.items.push_back(std::move(v));
    }
    if (!s.all) out.origin = Origin{&s, -1};
    return true;
}

void json_to_value(const boost::json::value& j, const SourceRef& s, Origin origin, Value& out) {
    out = Value{};
    out.origin = origin;
    switch (j.kind()) {
        case boost::json::kind::null: return;
        case boost::json::kind::bool_: out.type = ValueType::boolean; out.flag = j.get_bool(); return;
        case boost::json::kind::int64: out.type = ValueType::number; out.text = std::to_string(j.get_int64()); return;
        case boost::json::kind::uint64: out.type = ValueType::number; out.text = std::to_string(j.get_uint64()); return;
        case boost::json::kind::double_: out.type = ValueType::number; out.text = fmt::format("{}", j.get_double()); return;
        case boost::json::kind::string: {
            const auto& str = j.get_string();
            if (str.empty()) return;
            out.text.assign(str.data(), str.size());
            switch (s.type) {
                case StaticType::number: out.type = ValueType::number; break;
                case StaticType::date: out.type = ValueType::date; break;
                case StaticType::time: out.type = ValueType::time; break;
                case StaticType::datetime: out.type = ValueType::datetime; break;
                default: out.type = ValueType::text; break;
            }
            return;
        }
        case boost::json::kind::array: {
            out.type = ValueType::list;
            std::int32_t n = 0;
            for (const auto& item : j.get_array()) {
                Value v;
                json_to_value(item, s, Origin{&s, n++}, v);
                out.items.push_back(std::move(v));
            }
            return;
        }
        case boost::json::kind::object: out.type = ValueType::text; out.text = boost::json::serialize(j); return;
    }
}

bool read_json(const SourceRef& s, EvalContext& ctx, Value& out) {
    const Origin origin{&s, s.frame >= 0 ? ctx.frames[static_cast<std::size_t>(s.frame)].index : -1};
    const auto* v = resolve_json(s, ctx);
    if (!v) {
        out = Value{};
        out.origin = origin;
        if (s.all) out.type = ValueType::list;
        return true;
    }
    json_to_value(*v, s, origin, out);
    if (s.all && out.type != ValueType::list) {
        Value list;
        list.type = ValueType::list;
        list.origin = origin;
        if (out.present()) list.items.push_back(std::move(out));
        out = std::move(list);
    }
    return true;
}

// XPath string-value of an element: all descendant text in document order.
void append_string_value(pugi::xml_node node, std::string& out) {
    for (auto child = node.first_child(); child; child = child.next_sibling()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            out += child.value();
        } else if (child.type() == pugi::node_element) {
            append_string_value(child, out);
        }
    }
}

std::string string_value(const pugi::xpath_node& n) {
    if (n.attribute()) return n.attribute().value();
    const auto node = n.node();
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) return node.value();
    std::string out;
    append_string_value(node, out);
    return out;
}

bool read_xml(const SourceRef& s, EvalContext& ctx, Value& out) {
    const auto context = xml_context(s, ctx);
    const Origin origin{&s, s.frame >= 0 ? ctx.frames[static_cast<std::size_t>(s.frame)].index : -1};
    out = Value{};
    out.origin = origin;
    if (s.xpath->return_type() != pugi::xpath_type_node_set) {
        if (s.xpath->return_type() == pugi::xpath_type_boolean) {
            out.type = ValueType::boolean;
            out.flag = s.xpath->evaluate_boolean(context);
            return true;
        }
        out.text = s.xpath->evaluate_string(context);
        if (!out.text.empty()) out.type = ValueType::text;
        return true;
    }
    if (!s.all) {
        const auto node = s.xpath->evaluate_node(context);
        if (!node) return true;
        // The string-value of the node: for an element, all its text; for an attribute, its value.
        out.text = string_value(node);
        if (!out.text.empty()) out.type = ValueType::text;
        return true;
    }
    out.type = ValueType::list;
    const auto nodes = s.xpath->evaluate_node_set(context);
    std::int32_t n = 0;
    for (const auto& node : nodes) {
        Value v;
        v.origin = Origin{&s, n++};
        v.text = string_value(node);
        if (!v.text.empty()) v.type = ValueType::text;
        out.items.push_back(std::move(v));
    }
    return true;
}

bool read_source(const SourceRef& s, EvalContext& ctx, Value& out) {
    switch (s.kind) {
        case Format::hl7: return read_hl7(s, ctx, out);
        case Format::xml: return read_xml(s, ctx, out);
        default: return read_json(s, ctx, out);
    }
}

}  // namespace

std::size_t hl7_range_begin(const EvalContext& ctx, int frame) {
    return frame < 0 ? 0 : ctx.frames[static_cast<std::size_t>(frame)].begin;
}

std::size_t hl7_range_end(const EvalContext& ctx, int frame) {
    return frame < 0 ? ctx.doc->hl7->segment_count() : ctx.frames[static_cast<std::size_t>(frame)].end;
}

const boost::json::value* resolve_json(const SourceRef& s, const EvalContext& ctx) {
    const boost::json::value* v = s.frame < 0 ? ctx.doc->json : ctx.frames[static_cast<std::size_t>(s.frame)].json;
    for (const auto& key : s.keys) {
        if (!v) return nullptr;
        if (const auto* o = v->if_object()) {
            const auto it = o->find(key);
            v = it == o->end() ? nullptr : &it->value();
        } else if (const auto* a = v->if_array()) {
            std::size_t idx = 0;
            if (key.empty() || key.size() > 9 || key.find_first_not_of("0123456789") != std::string::npos) return nullptr;
            idx = static_cast<std::size_t>(std::stoul(key));
            v = idx < a->size() ? &(*a)[idx] : nullptr;
        } else {
            return nullptr;
        }
    }
    return v;
}

pugi::xml_node xml_context(const SourceRef& s, const EvalContext& ctx) {
    return s.frame < 0 ? ctx.doc->xml : ctx.frames[static_cast<std::size_t>(s.frame)].xml;
}

bool eval(const Expr& e, EvalContext& ctx, Value& out) {
    switch (e.kind) {
        case Expr::Kind::constant: out = e.constant; return true;
        case Expr::Kind::source: return read_source(*e.source, ctx, out);
        case Expr::Kind::variable: out = ctx.vars[static_cast<std::size_t>(e.index)]; return true;
        case Expr::Kind::call: break;
    }
    if (e.fn->lazy) return e.fn->impl(ctx, e, nullptr, 0, out);
    const std::size_t n = e.args.size();
    const std::size_t base = ctx.top;
    if (base + n > ctx.stack.size()) {
        // Deeper than the preallocated stack (a very nested expression): evaluate on the C++ stack.
        Value args[kMaxArgs];
        for (std::size_t i = 0; i < n; ++i)
            if (!eval(e.args[i], ctx, args[i])) return false;
        return e.fn->impl(ctx, e, args, n, out);
    }
    ctx.top = base + n;
    Value* args = ctx.stack.data() + base;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) ok = eval(e.args[i], ctx, args[i]);
    if (ok) ok = e.fn->impl(ctx, e, args, n, out);
    ctx.top = base;
    return ok;
}

bool eval_when(const Control& c, EvalContext& ctx, bool& take) {
    take = true;
    if (!c.when) return true;
    Value v;
    if (!eval(*c.when, ctx, v)) return false;
    take = v.truthy();
    return true;
}

bool bind_variables(EvalContext& ctx) {
    const auto& vars = ctx.plan->variables;
    ctx.vars.assign(vars.size(), Value{});
    for (std::size_t i = 0; i < vars.size(); ++i) {
        if (vars[i].is_param) {
            if (ctx.params) {
                const auto it = ctx.params->find(vars[i].name);
                if (it != ctx.params->end() && !it->second.empty()) ctx.vars[i] = Value::make_text(it->second);
            }
            continue;
        }
        ctx.out_path.clear();
        ctx.out_path.push_back(OutStep{vars[i].name, -1});
        if (!eval(vars[i].expr, ctx, ctx.vars[i])) return false;
    }
    ctx.out_path.clear();
    return true;
}

std::string render_out_path(const EvalContext& ctx) {
    std::string s;
    for (const auto& step : ctx.out_path) {
        if (!step.key.empty()) {
            if (!s.empty()) s += '.';
            s.append(step.key);
        }
        if (step.index >= 0) s += fmt::format("[{}]", step.index);
    }
    return s;
}

std::string render_origin(const EvalContext& ctx, const Origin& origin) {
    const SourceRef* s = origin.source;
    if (!s) return {};
    switch (s->kind) {
        case Format::hl7: {
            if (origin.index < 0) return s->text;
            const auto& msg = *ctx.doc->hl7;
            const auto idx = static_cast<std::size_t>(origin.index);
            std::uint32_t occurrence = 0;
            for (std::size_t i = 0; i <= idx && i < msg.segment_count(); ++i)
                if (msg.segment_name(i) == msg.segment_name(idx)) ++occurrence;
            hl7::Path p = s->hl7;
            p.occurrence = occurrence;
            return p.to_string();
        }
        case Format::xml: {
            if (!s->parent || origin.index < 0) return s->text;
            std::string rel = s->text;
            if (rel.rfind("./", 0) == 0) rel.erase(0, 2);
            return fmt::format("{}[{}]/{}", s->parent->text, origin.index + 1, rel);
        }
        case Format::json: {
            if (!s->parent || origin.index < 0) return s->text;
            std::string rel = s->text;
            if (rel.rfind("./", 0) == 0) rel.erase(0, 1);
            return fmt::format("{}/{}{}", s->parent->text, origin.index, rel == "." ? "" : rel);
        }
        default: {
            if (!s->parent || origin.index < 0) return s->text;
            std::string rel;
            for (const auto& k : s->keys) rel += "." + k;
            return fmt::format("{}[{}]{}", s->parent->text, origin.index, rel);
        }
    }
}

bool fail_at(EvalContext& ctx, const std::string& message, const Origin& origin, const std::string& value,
             const SourceRef* primary) {
    const std::string out_path = render_out_path(ctx);
    std::string msg = out_path.empty() ? message : out_path + ": " + message;
    SourceLocation where;
    if (origin.source) {
        where.path = render_origin(ctx, origin);
        msg += fmt::format(" (input {} = \"{}\")", where.path, value);
    } else if (primary) {
        where.path = primary->text;
        msg += fmt::format(" (input {} is empty)", primary->text);
    } else if (!value.empty()) {
        msg += fmt::format(" (value \"{}\")", value);
    }
    ctx.error = make_error(ErrorCode::invalid_value, std::move(msg), std::move(where));
    return false;
}

bool fail(EvalContext& ctx, const std::string& message, const Value* culprit) {
    if (!culprit) return fail_at(ctx, message, Origin{}, {});
    if (!culprit->present() && culprit->origin.source)
        return fail_at(ctx, message, Origin{}, {}, culprit->origin.source);
    return fail_at(ctx, message, culprit->origin, culprit->as_text());
}

}  // namespace gw::mapping
