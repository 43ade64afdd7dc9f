#include "gateway/hl7/intake.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "gateway/hl7/xml.hpp"
#include "gateway/log/log.hpp"

namespace gw::hl7 {
namespace {

const Path kMsh3 = make_path("MSH", 3);
const Path kMsh4 = make_path("MSH", 4);
const Path kMsh9 = make_path("MSH", 9);
const Path kMsh9Code = make_path("MSH", 9, 1);
const Path kMsh9Event = make_path("MSH", 9, 2);
const Path kMsh10 = make_path("MSH", 10);
const Path kMsh12Id = make_path("MSH", 12, 1);

bool contains(const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

std::string sender_of(const Message& m) {
    return m.get(kMsh3) + "^" + m.get(kMsh4);
}

std::string type_of(const Message& m) {
    auto type = m.get(kMsh9Code);
    if (const auto event = m.get(kMsh9Event); !event.empty()) type += "^" + event;
    return type;
}

AckIssue issue(ErrorCondition condition, std::string text, ErrorLocation where) {
    return AckIssue{condition, std::move(text), std::move(where), Severity::error};
}

Result<Message> parse_frame(const std::string& frame) {
    if (looks_like_xml(frame)) return parse_xml(frame);
    // A copy, so the Message stays valid however the frame is moved on towards the sink.
    return parse(std::string(frame));
}

}  // namespace

Hl7Intake::Hl7Intake(IntakeConfig config, ingest::MessageSink& sink) : config_(std::move(config)), sink_(sink) {
    if (!config_.clock) config_.clock = [] { return std::chrono::system_clock::now(); };
    if (!config_.control_ids) config_.control_ids = [] { return new_control_id(); };
}

AckContext Hl7Intake::ack_context() const {
    return AckContext{config_.sending_application, config_.sending_facility, config_.control_ids(), config_.clock()};
}

std::vector<AckIssue> Hl7Intake::check_acceptance(const Message& m) const {
    std::vector<AckIssue> issues;
    if (m.is_batch()) {
        issues.push_back(issue(ErrorCondition::segment_sequence_error, "expected one message per frame, found a batch",
                               ErrorLocation{"MSH", 2}));
    }
    if (const auto version = m.get(kMsh12Id); !contains(config_.accepted_versions, version)) {
        issues.push_back(issue(ErrorCondition::unsupported_version_id,
                               fmt::format("unsupported HL7 version '{}'", version), ErrorLocation{"MSH", 1, 12}));
    }
    const auto code = m.get(kMsh9Code);
    if (m.raw(kMsh9).empty()) {
        issues.push_back(
            issue(ErrorCondition::required_field_missing, "MSH-9 message type is missing", ErrorLocation{"MSH", 1, 9}));
    } else if (!contains(config_.accepted_message_types, type_of(m))) {
        const bool code_known = std::any_of(
            config_.accepted_message_types.begin(), config_.accepted_message_types.end(), [&](const std::string& t) {
                return t.size() > code.size() && t.compare(0, code.size(), code) == 0 && t[code.size()] == '^';
            });
        if (code_known) {
            issues.push_back(issue(ErrorCondition::unsupported_event_code,
                                   fmt::format("unsupported event '{}' for message type '{}'", m.get(kMsh9Event), code),
                                   ErrorLocation{"MSH", 1, 9, 0, 2}));
        } else {
            issues.push_back(issue(ErrorCondition::unsupported_message_type,
                                   fmt::format("unsupported message type '{}'", type_of(m)),
                                   ErrorLocation{"MSH", 1, 9, 0, 1}));
        }
    }
    if (m.raw(kMsh10).empty()) {
        issues.push_back(issue(ErrorCondition::required_field_missing, "MSH-10 message control ID is missing",
                               ErrorLocation{"MSH", 1, 10}));
    }
    return issues;
}

void Hl7Intake::process(std::string frame, std::string peer, Reply reply) {
    auto parsed = parse_frame(frame);
    if (!parsed) {
        auto error = std::move(parsed).error();
        std::vector<AckIssue> issues{issue_from_error(error)};
        reject(std::move(frame), std::move(peer), std::move(error), std::move(issues), nullptr, std::move(reply));
        return;
    }
    const Message& message = *parsed;
    if (auto issues = check_acceptance(message); !issues.empty()) {
        auto error =
            make_error(issues.front().condition == ErrorCondition::required_field_missing ? ErrorCode::missing_required
                                                                                          : ErrorCode::unsupported,
                       issues.front().text);
        error.where.path = issues.front().location
                               ? fmt::format("{}-{}", issues.front().location->segment, issues.front().location->field)
                               : std::string{};
        reject(std::move(frame), std::move(peer), std::move(error), std::move(issues), &message, std::move(reply));
        return;
    }
    accept(std::move(frame), std::move(peer), message, std::move(reply));
}

void Hl7Intake::accept(std::string frame, std::string peer, const Message& message, Reply reply) {
    ingest::InboundMessage in;
    in.channel = config_.channel;
    in.sender = sender_of(message);
    in.control_id = message.get(kMsh10);
    in.message_type = type_of(message);
    in.peer = std::move(peer);
    in.correlation_id = gw::log::new_correlation_id();
    in.received_at = config_.clock();
    in.ack = build_accept_ack(message, Outcome::accepted, {}, ack_context()).encode();
    // The negative ACK is prepared now, while the parsed message (a view into `frame`) is still alive.
    const AckIssue unavailable{ErrorCondition::application_internal_error, "store unavailable, retry later",
                               std::nullopt, Severity::error};
    auto retry_ack = build_accept_ack(message, Outcome::error, {&unavailable, 1}, ack_context()).encode();
    const bool wanted = accept_ack_wanted(message, Outcome::accepted);
    in.raw = std::move(frame);

    auto log_fields = std::make_shared<std::vector<std::string>>(
        std::vector<std::string>{in.channel, in.peer, in.control_id, in.message_type, in.correlation_id});
    sink_.submit(std::move(in), [reply = std::move(reply), retry_ack = std::move(retry_ack), wanted,
                                 log_fields](ingest::SinkResult result) {
        const auto& f = *log_fields;
        switch (result.status) {
            case ingest::SinkStatus::stored:
            case ingest::SinkStatus::duplicate: {
                // A first delivery is routine (debug: a line per message costs throughput); a resend is worth seeing.
                const bool first = result.status == ingest::SinkStatus::stored;
                gw::log::write(first ? gw::log::Level::debug : gw::log::Level::info,
                               first ? "hl7.accepted" : "hl7.duplicate",
                               {{"channel", f[0]},
                                {"peer", f[1]},
                                {"control_id", f[2]},
                                {"message_type", f[3]},
                                {"correlation_id", f[4]},
                                {"message_id", result.message_id}});
                if (wanted) reply(std::move(result.ack));
                return;
            }
            case ingest::SinkStatus::unavailable:
                gw::log::warn("hl7.store_unavailable",
                              {{"channel", f[0]},
                               {"peer", f[1]},
                               {"control_id", f[2]},
                               {"correlation_id", f[4]},
                               {"error", result.error ? result.error->message : std::string("unavailable")}});
                reply(retry_ack);
                return;
        }
    });
}

void Hl7Intake::reject(std::string frame, std::string peer, Error error, std::vector<AckIssue> issues,
                       const Message* header, Reply reply) {
    ingest::InboundMessage in;
    in.channel = config_.channel;
    in.peer = std::move(peer);
    in.correlation_id = gw::log::new_correlation_id();
    in.received_at = config_.clock();
    std::optional<Message> salvaged;
    if (header == nullptr) {
        salvaged = salvage_header(frame);
        if (salvaged) header = &*salvaged;
    }
    bool wanted = true;
    if (header != nullptr) {
        in.sender = sender_of(*header);
        in.control_id = header->get(kMsh10);
        in.message_type = type_of(*header);
        in.ack = build_accept_ack(*header, Outcome::rejected, issues, ack_context()).encode();
        wanted = accept_ack_wanted(*header, Outcome::rejected);
    } else {
        in.ack = build_reject_for_unparsed(frame, issues, ack_context()).encode();
    }
    const int hl7_code = issues.empty() ? 0 : static_cast<int>(issues.front().condition);
    gw::log::warn("hl7.rejected", {{"channel", in.channel},
                                   {"peer", in.peer},
                                   {"control_id", in.control_id},
                                   {"message_type", in.message_type},
                                   {"correlation_id", in.correlation_id},
                                   {"error", std::string(to_string(error.code))},
                                   {"hl7_error", hl7_code},
                                   {"byte_offset", error.where.byte_offset == SourceLocation::npos
                                                       ? std::string("unknown")
                                                       : std::to_string(error.where.byte_offset)}});
    in.raw = std::move(frame);
    in.error = std::move(error);
    auto ack = in.ack;
    auto channel = in.channel;
    sink_.submit(std::move(in), [reply = std::move(reply), ack = std::move(ack), wanted,
                                 channel = std::move(channel)](ingest::SinkResult result) {
        // The rejection stands whether or not it could be kept: resending the same bytes cannot succeed.
        if (result.status == ingest::SinkStatus::unavailable) {
            gw::log::warn("hl7.rejected_not_stored", {{"channel", channel}});
        }
        if (wanted && !ack.empty()) reply(ack);
    });
}

void Hl7Intake::report_frame_error(std::string prefix, Error error, std::string peer, Reply reply) {
    auto salvaged = salvage_header(prefix);
    std::vector<AckIssue> issues{
        AckIssue{ErrorCondition::application_internal_error, error.message, std::nullopt, Severity::error}};
    if (!salvaged) {
        // Without an MSH there is nobody to address an ACK to; the bytes are still kept for the operator.
        ingest::InboundMessage in;
        in.channel = config_.channel;
        in.peer = std::move(peer);
        in.correlation_id = gw::log::new_correlation_id();
        in.received_at = config_.clock();
        in.raw = std::move(prefix);
        gw::log::warn("hl7.frame_error",
                      {{"channel", in.channel}, {"peer", in.peer}, {"error", std::string(to_string(error.code))}});
        in.error = std::move(error);
        sink_.submit(std::move(in), [](ingest::SinkResult) {});
        return;
    }
    reject(std::move(prefix), std::move(peer), std::move(error), std::move(issues), &*salvaged, std::move(reply));
}

}  // namespace gw::hl7
