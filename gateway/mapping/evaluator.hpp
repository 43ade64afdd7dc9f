#pragma once
// Runs compiled expressions against one input document (internal to gateway/mapping). The context carries the
// input, the current iteration frames, computed variables and the output path being built, so that an error can
// name "lines[3].quantity", "RQD[4]-5" and the value "abc" together.

#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>
#include <pugixml.hpp>

#include "gateway/core/error.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/mapping/clock.hpp"
#include "gateway/mapping/plan.hpp"

namespace gw::mapping {

struct InputDocument {
    Format kind = Format::json;
    const hl7::Message* hl7 = nullptr;
    const boost::json::value* json = nullptr;
    pugi::xml_node xml;  // the document node
};

// The current item of one `$each`.
struct Frame {
    std::size_t begin = 0, end = 0;              // HL7: segment range of the group
    const boost::json::value* json = nullptr;    // JSON / canonical: the element
    pugi::xml_node xml;                          // XML: the node
    std::int32_t index = -1;                     // 0-based item number
};

struct OutStep {
    std::string_view key;  // object member / element name
    int index = -1;        // array index, or -1
};

// What tracking mode records for one output value: used only to explain an error after a failed run.
struct Tracked {
    std::string path;  // "lines[2].gtin"
    Origin origin;
    const SourceRef* primary = nullptr;
    std::string value;
    bool present = false;
};

struct EvalContext {
    const Plan* plan = nullptr;
    const InputDocument* doc = nullptr;
    const Params* params = nullptr;
    CivilTime now;
    std::vector<Frame> frames;
    std::vector<Value> vars;
    std::vector<OutStep> out_path;
    std::optional<Error> error;
    bool track = false;
    std::vector<Tracked> tracked;
    std::string scratch;
    // Argument values of the calls being evaluated. Sized once per run and never resized, so references into it
    // stay valid while nested calls push above them; values keep their buffers from call to call.
    std::vector<Value> stack;
    std::size_t top = 0;
};

// Evaluates `e` into `out`. On failure returns false with ctx.error set.
bool eval(const Expr& e, EvalContext& ctx, Value& out);
// Evaluates `$when`; false with ctx.error when the condition itself failed.
bool eval_when(const Control& c, EvalContext& ctx, bool& take);
// Computes the `vars:` and binds `params` (in order); false on the first error.
bool bind_variables(EvalContext& ctx);

// Sets ctx.error to "OUTPUT_PATH: message (input LOCATION = "value")" and returns false.
bool fail(EvalContext& ctx, const std::string& message, const Value* culprit = nullptr);
bool fail_at(EvalContext& ctx, const std::string& message, const Origin& origin, const std::string& value,
             const SourceRef* primary = nullptr);
std::string render_origin(const EvalContext& ctx, const Origin& origin);
std::string render_out_path(const EvalContext& ctx);

// Iteration: calls fn(frame) for every item of `each` (HL7 groups, XPath nodes, JSON array elements).
template <class Fn>
bool for_each_item(const Each& each, EvalContext& ctx, Fn&& fn);

// Implementation details of for_each_item.
std::size_t hl7_range_begin(const EvalContext& ctx, int frame);
std::size_t hl7_range_end(const EvalContext& ctx, int frame);
const boost::json::value* resolve_json(const SourceRef& s, const EvalContext& ctx);
pugi::xml_node xml_context(const SourceRef& s, const EvalContext& ctx);

template <class Fn>
bool for_each_item(const Each& each, EvalContext& ctx, Fn&& fn) {
    const SourceRef& s = *each.source;
    Frame& f = ctx.frames[static_cast<std::size_t>(each.depth)];
    switch (s.kind) {
        case Format::hl7: {
            const auto& msg = *ctx.doc->hl7;
            const std::size_t b = hl7_range_begin(ctx, s.frame), e = hl7_range_end(ctx, s.frame);
            const auto name = s.hl7.segment_name();
            std::int32_t n = 0;
            for (std::size_t i = b; i < e; ++i) {
                if (msg.segment_name(i) != name) continue;
                std::size_t j = i + 1;
                while (j < e && msg.segment_name(j) != name) ++j;
                f = Frame{};
                f.begin = i;
                f.end = j;
                f.index = n++;
                if (!fn()) return false;
                i = j - 1;
            }
            return true;
        }
        case Format::xml: {
            const auto nodes = s.xpath->evaluate_node_set(xml_context(s, ctx));
            std::int32_t n = 0;
            for (const auto& node : nodes) {
                f = Frame{};
                f.xml = node.node();
                f.index = n++;
                if (!fn()) return false;
            }
            return true;
        }
        default: {
            const auto* v = resolve_json(s, ctx);
            if (!v || !v->is_array()) return true;
            std::int32_t n = 0;
            for (const auto& item : v->get_array()) {
                f = Frame{};
                f.json = &item;
                f.index = n++;
                if (!fn()) return false;
            }
            return true;
        }
    }
}

}  // namespace gw::mapping
