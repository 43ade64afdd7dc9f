#include <cstdlib>

#include <fmt/format.h>

#include "gateway/mapping/clock.hpp"
#include "gateway/mapping/number.hpp"
#include "gateway/mapping/writers.hpp"

namespace gw::mapping {
namespace {

bool vendor_json(const Value& v, boost::json::value& out) {
    switch (v.type) {
        case ValueType::absent: out = nullptr; return true;
        case ValueType::boolean: out = v.flag; return true;
        case ValueType::number: {
            const auto n = Number::parse(v.text);
            if (n && n->scale == 0) {
                out = n->mantissa;
            } else {
                out = std::strtod(v.text.c_str(), nullptr);
            }
            return true;
        }
        case ValueType::list: {
            boost::json::array a;
            for (const auto& item : v.items) {
                boost::json::value j;
                vendor_json(item, j);
                a.push_back(std::move(j));
            }
            out = std::move(a);
            return true;
        }
        default: out = boost::json::string(v.text); return true;
    }
}

bool canonical_json(EvalContext& ctx, const FieldDef& f, const Value& v, boost::json::value& out) {
    switch (f.kind) {
        case FieldKind::integer: {
            const auto n = Number::parse(v.as_text());
            if (!n || !n->is_integer() || n->mantissa < 0) return fail(ctx, "expected a whole number", &v);
            out = normalize(*n).mantissa;
            return true;
        }
        case FieldKind::decimal: {
            const auto n = Number::parse(v.as_text());
            if (!n) return fail(ctx, "expected a number", &v);
            out = boost::json::string(n->to_string());
            return true;
        }
        case FieldKind::boolean: {
            if (v.type == ValueType::boolean) return out = v.flag, true;
            const std::string s = v.as_text();
            if (s == "true" || s == "Y" || s == "y" || s == "1") return out = true, true;
            if (s == "false" || s == "N" || s == "n" || s == "0") return out = false, true;
            return fail(ctx, "expected true or false", &v);
        }
        case FieldKind::date:
        case FieldKind::time:
        case FieldKind::datetime: {
            if (v.type == ValueType::text || v.type == ValueType::number) {
                std::string problem;
                const auto t = parse_civil(v.text, "iso", problem);
                const bool ok = t && (f.kind == FieldKind::date ? t->has_date && !t->has_time
                                      : f.kind == FieldKind::time ? t->has_time && !t->has_date
                                                                   : t->has_date && t->has_time && t->offset_minutes);
                if (!ok) {
                    const char* expected = f.kind == FieldKind::date   ? "a date YYYY-MM-DD (use date(x, pattern))"
                                           : f.kind == FieldKind::time ? "a time HH:MM (use time(x, pattern))"
                                                                       : "a date-time with offset (use datetime(x, pattern))";
                    return fail(ctx, fmt::format("expected {}", expected), &v);
                }
            } else if (f.kind == FieldKind::date ? v.type != ValueType::date
                       : f.kind == FieldKind::time ? v.type != ValueType::time
                                                    : v.type != ValueType::datetime) {
                return fail(ctx, fmt::format("expected a {}", to_string(f.kind)), &v);
            }
            out = boost::json::string(v.text);
            return true;
        }
        case FieldKind::enumeration: {
            const std::string s = v.as_text();
            for (const auto& allowed : f.values)
                if (allowed == s) return out = boost::json::string(s), true;
            std::string list;
            for (const auto& allowed : f.values) list += fmt::format("{}{}", list.empty() ? "" : ", ", allowed);
            return fail(ctx, fmt::format("not a valid value (one of: {})", list), &v);
        }
        default: out = boost::json::string(v.as_text()); return true;
    }
}

bool build(const JsonNode& node, EvalContext& ctx, boost::json::value& out, bool& present);

bool build_item(const JsonNode& child, EvalContext& ctx, boost::json::array& arr) {
    bool take = true;
    if (!eval_when(child.control, ctx, take)) return false;
    if (!take) return true;
    ctx.out_path.push_back(OutStep{{}, static_cast<int>(arr.size())});
    boost::json::value v;
    bool present = false;
    if (!build(child, ctx, v, present)) return false;
    ctx.out_path.pop_back();
    if (present) arr.push_back(std::move(v));
    return true;
}

bool build(const JsonNode& node, EvalContext& ctx, boost::json::value& out, bool& present) {
    switch (node.kind) {
        case JsonNode::Kind::constant:
            out = node.constant;
            present = !out.is_null() || !node.field;
            return true;
        case JsonNode::Kind::expr: {
            Value v;
            if (!eval(node.expr, ctx, v)) return false;
            present = v.present() && !(v.type == ValueType::text && v.text.empty());
            if (ctx.track)
                ctx.tracked.push_back(Tracked{render_out_path(ctx), v.origin, node.expr.primary, v.as_text(), present});
            if (!present) return true;
            return node.field ? canonical_json(ctx, *node.field, v, out) : vendor_json(v, out);
        }
        case JsonNode::Kind::object: {
            boost::json::object obj(node.children.size());
            for (const auto& child : node.children) {
                bool take = true;
                ctx.out_path.push_back(OutStep{child.key, -1});
                if (!eval_when(child.control, ctx, take)) return false;
                if (take) {
                    boost::json::value v;
                    bool child_present = false;
                    if (!build(child, ctx, v, child_present)) return false;
                    if (child_present) obj[child.key] = std::move(v);
                }
                ctx.out_path.pop_back();
            }
            // An object whose every member came out empty is left out, like an empty field.
            present = !obj.empty() || node.children.empty();
            out = std::move(obj);
            return true;
        }
        case JsonNode::Kind::array: {
            boost::json::array arr;
            for (const auto& child : node.children) {
                if (!child.control.each) {
                    if (!build_item(child, ctx, arr)) return false;
                    continue;
                }
                const bool ok = for_each_item(*child.control.each, ctx, [&] { return build_item(child, ctx, arr); });
                if (!ok) return false;
            }
            present = true;
            out = std::move(arr);
            return true;
        }
    }
    return true;
}

}  // namespace

bool write_json(EvalContext& ctx, boost::json::value& out) {
    bool present = false;
    bool take = true;
    if (!eval_when(ctx.plan->json.control, ctx, take)) return false;
    if (!build(ctx.plan->json, ctx, out, present)) return false;
    if (!present) out = boost::json::object{};
    return true;
}

}  // namespace gw::mapping
