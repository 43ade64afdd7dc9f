#include "gateway/store/records.hpp"

#include <array>
#include <utility>

namespace gw::store {
namespace {

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& names, std::string_view name) {
    for (const auto& [value, text] : names) {
        if (text == name) return value;
    }
    return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
    for (const auto& [v, text] : names) {
        if (v == value) return text;
    }
    return "unknown";
}

constexpr std::array kMessageStates{
    std::pair{MessageState::received, std::string_view("received")},
    std::pair{MessageState::processed, std::string_view("processed")},
    std::pair{MessageState::rejected, std::string_view("rejected")},
    std::pair{MessageState::failed, std::string_view("failed")},
};
constexpr std::array kOutboxKinds{
    std::pair{OutboxKind::submit, std::string_view("submit")},
    std::pair{OutboxKind::cancel, std::string_view("cancel")},
    std::pair{OutboxKind::status_report, std::string_view("status_report")},
};
constexpr std::array kOutboxStates{
    std::pair{OutboxState::pending, std::string_view("pending")},
    std::pair{OutboxState::in_flight, std::string_view("in_flight")},
    std::pair{OutboxState::done, std::string_view("done")},
    std::pair{OutboxState::dead, std::string_view("dead")},
};

}  // namespace

Clock system_clock() {
    return [] { return std::chrono::system_clock::now(); };
}

std::string_view to_string(MessageState state) noexcept {
    return name_of(kMessageStates, state);
}
std::optional<MessageState> parse_message_state(std::string_view name) noexcept {
    return parse_name(kMessageStates, name);
}

std::string_view to_string(OutboxKind kind) noexcept {
    return name_of(kOutboxKinds, kind);
}
std::optional<OutboxKind> parse_outbox_kind(std::string_view name) noexcept {
    return parse_name(kOutboxKinds, name);
}

std::string_view to_string(OutboxState state) noexcept {
    return name_of(kOutboxStates, state);
}
std::optional<OutboxState> parse_outbox_state(std::string_view name) noexcept {
    return parse_name(kOutboxStates, name);
}

std::string_view to_string(AttemptOutcome outcome) noexcept {
    switch (outcome) {
        case AttemptOutcome::success:
            return "success";
        case AttemptOutcome::retry:
            return "retry";
        case AttemptOutcome::dead:
            return "dead";
    }
    return "unknown";
}

bool is_settled_order_state(std::string_view state) noexcept {
    return state == "delivered" || state == "cancelled" || state == "rejected" || state == "failed" ||
           state == "handed_over";
}

}  // namespace gw::store
