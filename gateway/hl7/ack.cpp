#include "gateway/hl7/ack.hpp"

#include <ctime>

#include <fmt/format.h>

#include "gateway/log/log.hpp"

namespace gw::hl7 {
namespace {

const Path kMsh3 = make_path("MSH", 3);
const Path kMsh4 = make_path("MSH", 4);
const Path kMsh5 = make_path("MSH", 5);
const Path kMsh6 = make_path("MSH", 6);
const Path kMsh9Event = make_path("MSH", 9, 2);
const Path kMsh10 = make_path("MSH", 10);
const Path kMsh11 = make_path("MSH", 11);
const Path kMsh12 = make_path("MSH", 12);
const Path kMsh12Id = make_path("MSH", 12, 1);
const Path kMsh15 = make_path("MSH", 15);
const Path kMsh16 = make_path("MSH", 16);
const Path kMsh18 = make_path("MSH", 18);

// Pre-2.5 receivers read ERR-1 and MSA-3; 2.5 deprecated both in favour of ERR-2..ERR-8.
bool uses_legacy_err(std::string_view version) {
    if (version.size() < 3 || version[0] != '2' || version[1] != '.') return false;
    return version[2] >= '1' && version[2] <= '4' && (version.size() == 3 || version[3] == '.');
}

void put(Message& m, const Path& p, std::string_view value) {
    (void)m.set(p, value);
}
void put_raw(Message& m, const Path& p, std::string_view encoded) {
    (void)m.set_encoded(p, encoded);
}

std::string_view or_default(std::string_view v, std::string_view fallback) {
    return v.empty() ? fallback : v;
}

void add_header(Message& ack, const Message& inbound, const AckContext& ctx, bool enhanced) {
    ack.add_segment("MSH");
    const auto app = inbound.raw(kMsh5);
    const auto fac = inbound.raw(kMsh6);
    if (app.empty())
        put(ack, kMsh3, ctx.sending_application);
    else
        put_raw(ack, kMsh3, app);
    if (fac.empty())
        put(ack, kMsh4, ctx.sending_facility);
    else
        put_raw(ack, kMsh4, fac);
    put_raw(ack, kMsh5, inbound.raw(kMsh3));
    put_raw(ack, kMsh6, inbound.raw(kMsh4));
    put(ack, make_path("MSH", 7), format_timestamp(ctx.time));
    put(ack, make_path("MSH", 9, 1), "ACK");
    put_raw(ack, make_path("MSH", 9, 2), inbound.raw(kMsh9Event));
    put(ack, make_path("MSH", 9, 3), "ACK");
    put(ack, kMsh10, ctx.control_id);
    put_raw(ack, kMsh11, or_default(inbound.raw(kMsh11), "P"));
    put_raw(ack, kMsh12, or_default(inbound.raw(kMsh12), "2.5"));
    if (enhanced) {
        // An acknowledgement never asks to be acknowledged: that would loop.
        put(ack, kMsh15, "NE");
        put(ack, kMsh16, "NE");
    }
    if (const auto cs = inbound.raw(kMsh18); !cs.empty()) put_raw(ack, kMsh18, cs);
}

void add_err(Message& ack, const AckIssue& issue, std::uint32_t occurrence, bool legacy) {
    const auto text = issue.text.empty() ? std::string(description(issue.condition)) : issue.text;
    const auto code = std::to_string(static_cast<int>(issue.condition));
    const auto at = [&](std::uint32_t field, std::uint32_t component, std::uint32_t sub = 0) {
        return make_path("ERR", field, component, sub, 1, occurrence);
    };
    if (legacy) {
        if (issue.location) {
            put(ack, at(1, 1), issue.location->segment);
            if (issue.location->sequence) put(ack, at(1, 2), std::to_string(issue.location->sequence));
            if (issue.location->field) put(ack, at(1, 3), std::to_string(issue.location->field));
        }
        put(ack, at(1, 4, 1), code);
        put(ack, at(1, 4, 2), text);
        put(ack, at(1, 4, 3), "HL70357");
        return;
    }
    if (issue.location) {
        const auto& l = *issue.location;
        put(ack, at(2, 1), l.segment);
        const std::uint32_t parts[] = {l.sequence, l.field, l.repetition, l.component, l.subcomponent};
        for (std::uint32_t i = 0; i < 5; ++i) {
            if (parts[i] != 0) put(ack, at(2, i + 2), std::to_string(parts[i]));
        }
    }
    put(ack, at(3, 1), code);
    put(ack, at(3, 2), description(issue.condition));
    put(ack, at(3, 3), "HL70357");
    put(ack, at(4, 0), std::string(1, static_cast<char>(issue.severity)));
    put(ack, at(8, 0), text);
}

}  // namespace

std::string_view to_string(AckCode code) noexcept {
    switch (code) {
        case AckCode::AA:
            return "AA";
        case AckCode::AE:
            return "AE";
        case AckCode::AR:
            return "AR";
        case AckCode::CA:
            return "CA";
        case AckCode::CE:
            return "CE";
        case AckCode::CR:
            return "CR";
    }
    return "AR";
}

AckMode ack_mode(const Message& inbound) {
    return inbound.raw(kMsh15).empty() && inbound.raw(kMsh16).empty() ? AckMode::original : AckMode::enhanced;
}

AckCode ack_code(AckMode mode, Outcome outcome) noexcept {
    const bool enhanced = mode == AckMode::enhanced;
    switch (outcome) {
        case Outcome::accepted:
            return enhanced ? AckCode::CA : AckCode::AA;
        case Outcome::error:
            return enhanced ? AckCode::CE : AckCode::AE;
        case Outcome::rejected:
            return enhanced ? AckCode::CR : AckCode::AR;
    }
    return AckCode::AR;
}

std::string_view description(ErrorCondition condition) noexcept {
    switch (condition) {
        case ErrorCondition::segment_sequence_error:
            return "Segment sequence error";
        case ErrorCondition::required_field_missing:
            return "Required field missing";
        case ErrorCondition::data_type_error:
            return "Data type error";
        case ErrorCondition::table_value_not_found:
            return "Table value not found";
        case ErrorCondition::unsupported_message_type:
            return "Unsupported message type";
        case ErrorCondition::unsupported_event_code:
            return "Unsupported event code";
        case ErrorCondition::unsupported_processing_id:
            return "Unsupported processing id";
        case ErrorCondition::unsupported_version_id:
            return "Unsupported version id";
        case ErrorCondition::unknown_key_identifier:
            return "Unknown key identifier";
        case ErrorCondition::duplicate_key_identifier:
            return "Duplicate key identifier";
        case ErrorCondition::application_record_locked:
            return "Application record locked";
        case ErrorCondition::application_internal_error:
            return "Application internal error";
    }
    return "Application internal error";
}

std::string format_timestamp(std::chrono::system_clock::time_point time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&t, &utc);
    return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}+0000", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                       utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string new_control_id() {
    return "GW" + gw::log::new_correlation_id();
}

Message build_ack(const Message& inbound, AckCode code, std::span<const AckIssue> issues, const AckContext& context) {
    Message ack(inbound.delimiters(), inbound.charset());
    const bool enhanced = code == AckCode::CA || code == AckCode::CE || code == AckCode::CR;
    add_header(ack, inbound, context, enhanced);
    put(ack, make_path("MSA", 1), to_string(code));
    put_raw(ack, make_path("MSA", 2), inbound.raw(kMsh10));
    const bool legacy = uses_legacy_err(inbound.get(kMsh12Id));
    if (legacy && !issues.empty()) {
        put(ack, make_path("MSA", 3),
            issues.front().text.empty() ? description(issues.front().condition) : issues.front().text);
    }
    std::uint32_t n = 0;
    for (const auto& issue : issues) add_err(ack, issue, ++n, legacy);
    return ack;
}

Message build_accept_ack(const Message& inbound, Outcome outcome, std::span<const AckIssue> issues,
                         const AckContext& context) {
    return build_ack(inbound, ack_code(ack_mode(inbound), outcome), issues, context);
}

bool accept_ack_wanted(const Message& inbound, Outcome outcome) {
    if (ack_mode(inbound) == AckMode::original) return true;
    const auto type = inbound.get(make_path("MSH", 15, 1));
    if (type == "NE") return false;
    if (type == "ER") return outcome != Outcome::accepted;
    if (type == "SU") return outcome == Outcome::accepted;
    return true;
}

std::optional<Message> build_application_ack(const Message& inbound, Outcome outcome, std::span<const AckIssue> issues,
                                             const AckContext& context) {
    const auto code = ack_code(AckMode::original, outcome);
    if (ack_mode(inbound) == AckMode::original) return build_ack(inbound, code, issues, context);
    const auto type = inbound.get(make_path("MSH", 16, 1));
    const bool wanted = type == "AL" || (type == "ER" && outcome != Outcome::accepted) ||
                        (type == "SU" && outcome == Outcome::accepted);
    if (!wanted) return std::nullopt;
    return build_ack(inbound, code, issues, context);
}

std::optional<Message> salvage_header(std::string_view raw) {
    const ParseOptions lenient{false, std::nullopt};
    for (std::size_t from = 0; from < raw.size();) {
        const auto at = raw.find("MSH", from);
        if (at == std::string_view::npos) break;
        // Only the header is needed: parsing stops being a cost concern on this rare path, but a corrupt tail
        // must not prevent reading MSH.
        auto end = raw.find_first_of("\r\n", at);
        auto header = raw.substr(at, end == std::string_view::npos ? raw.size() - at : end - at);
        if (auto m = parse(std::string(header), lenient)) return std::move(m).value();
        from = at + 3;
    }
    return std::nullopt;
}

Message build_reject_for_unparsed(std::string_view raw, std::span<const AckIssue> issues, const AckContext& context) {
    if (auto header = salvage_header(raw)) return build_accept_ack(*header, Outcome::rejected, issues, context);
    const Message empty;
    return build_ack(empty, AckCode::AR, issues, context);
}

AckIssue issue_from_error(const Error& error) {
    AckIssue issue;
    issue.text = error.message;
    if (error.code != ErrorCode::parse_error) return issue;
    const auto path = compile_path(error.where.path);
    if (!path) {
        issue.condition = ErrorCondition::segment_sequence_error;
        return issue;
    }
    issue.condition = ErrorCondition::data_type_error;
    issue.location = ErrorLocation{
        std::string(path->segment_name()), path->occurrence, path->field, 0, path->component, path->subcomponent};
    return issue;
}

}  // namespace gw::hl7
