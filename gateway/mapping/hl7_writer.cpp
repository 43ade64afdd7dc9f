#include <map>

#include "gateway/hl7/message.hpp"
#include "gateway/mapping/writers.hpp"

namespace gw::mapping {
namespace {

struct Hl7Out {
    hl7::Message msg;
    std::map<std::string, std::uint32_t, std::less<>> occurrences;
};

bool emit(const Hl7Node& node, EvalContext& ctx, Hl7Out& out);

bool emit_segment(const Hl7Node& node, EvalContext& ctx, Hl7Out& out) {
    out.msg.add_segment(node.name);
    const std::uint32_t occurrence = ++out.occurrences[node.name];
    for (const auto& f : node.fields) {
        std::string text = f.constant;
        ctx.out_path.push_back(OutStep{f.label, -1});
        if (f.has_expr) {
            Value v;
            if (!eval(f.expr, ctx, v)) return false;
            text = v.present() ? v.as_text() : std::string();
        }
        if (!text.empty()) {
            const auto path = hl7::make_path(node.name, f.field, f.component, f.subcomponent, f.repetition, occurrence);
            auto r = out.msg.set(path, text);
            if (!r) return fail(ctx, r.error().message);
        }
        ctx.out_path.pop_back();
    }
    return true;
}

bool emit_children(const Hl7Node& node, EvalContext& ctx, Hl7Out& out) {
    for (const auto& child : node.children)
        if (!emit(child, ctx, out)) return false;
    return true;
}

bool emit(const Hl7Node& node, EvalContext& ctx, Hl7Out& out) {
    if (node.kind == Hl7Node::Kind::segment) {
        bool take = true;
        if (!eval_when(node.control, ctx, take)) return false;
        return !take || emit_segment(node, ctx, out);
    }
    if (node.control.each) {
        return for_each_item(*node.control.each, ctx, [&] {
            bool take = true;
            if (!eval_when(node.control, ctx, take)) return false;
            return !take || emit_children(node, ctx, out);
        });
    }
    bool take = true;
    if (!eval_when(node.control, ctx, take)) return false;
    return !take || emit_children(node, ctx, out);
}

}  // namespace

bool write_hl7(EvalContext& ctx, std::string& out) {
    Hl7Out h;
    for (const auto& node : ctx.plan->hl7)
        if (!emit(node, ctx, h)) return false;
    out = h.msg.encode();
    return true;
}

}  // namespace gw::mapping
