#include "adapters/mllp/ack_verdict.hpp"

#include <charconv>

#include <fmt/format.h>

#include "adapters/http/response_body.hpp"
#include "gateway/hl7/message.hpp"

namespace gw::adapters::mllp {
namespace {

enum class Cause { none, transient, content };

// HL7 table 0357: which error conditions a later attempt can get past.
Cause cause_of(std::string_view code_text) {
    int code = 0;
    const auto [end, ec] = std::from_chars(code_text.data(), code_text.data() + code_text.size(), code);
    if (ec != std::errc() || end != code_text.data() + code_text.size()) return Cause::none;
    if (code == 206 || code == 207) return Cause::transient;
    if ((code >= 100 && code <= 105) || (code >= 200 && code <= 205)) return Cause::content;
    return Cause::none;
}

AckVerdict verdict(Outcome outcome, std::string error, bool drop = false) {
    AckVerdict v;
    v.outcome.outcome = outcome;
    v.outcome.error = std::move(error);
    v.outcome.step = "ack";
    v.drop_connection = drop;
    return v;
}

}  // namespace

AckVerdict judge_ack(std::string_view ack, std::string_view control_id) {
    auto parsed = hl7::parse(std::string(ack), hl7::ParseOptions{.strict = false, .charset = {}});
    if (!parsed || !parsed->find_segment("MSA")) {
        return verdict(Outcome::retryable,
                       fmt::format("the answer is not an HL7 acknowledgement: {}", http::readable_excerpt(ack, 120)),
                       true);
    }
    const auto& m = *parsed;
    const std::string code = m.get("MSA-1");
    const std::string answered = m.get("MSA-2");
    if (answered != control_id) {
        return verdict(Outcome::retryable,
                       fmt::format("the acknowledgement answers message '{}', not '{}'", answered, control_id), true);
    }
    if (code == "AA" || code == "CA") return verdict(Outcome::success, {});
    // What the receiver says: ERR-8 (v2.5 user message), ERR-3.2 (condition text), MSA-3 (older versions).
    std::string text = m.get("ERR-8");
    if (text.empty()) text = m.get("ERR-3.2");
    if (text.empty()) text = m.get("MSA-3");
    std::string condition = m.get("ERR-3.1");
    if (condition.empty()) condition = m.get("ERR-1.4.1");
    const auto error = fmt::format("{} from the care system{}{}{}", code.empty() ? "no MSA-1" : code,
                                   condition.empty() ? "" : " (HL7 error " + condition + ")",
                                   text.empty() ? "" : ": ", text);
    switch (cause_of(condition)) {
        case Cause::transient:
            return verdict(Outcome::retryable, error);
        case Cause::content:
            return verdict(Outcome::permanent, error);
        case Cause::none:
            break;
    }
    if (code == "AE" || code == "CE") return verdict(Outcome::retryable, error);
    if (code == "AR" || code == "CR") return verdict(Outcome::permanent, error);
    return verdict(Outcome::retryable, fmt::format("unknown acknowledgement code: {}", error), true);
}

}  // namespace gw::adapters::mllp
