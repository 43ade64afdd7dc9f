#include "gateway/model/care_order.hpp"

#include <array>
#include <utility>

namespace gw::model {

namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name) noexcept {
    for (const auto& [value, text] : table)
        if (text == name) return value;
    return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) noexcept {
    for (const auto& [v, text] : table)
        if (v == value) return text;
    return "unknown";
}

constexpr std::array<std::pair<Channel, std::string_view>, 3> channel_names{{
    {Channel::hl7_mllp, "hl7_mllp"},
    {Channel::msghead_http, "msghead_http"},
    {Channel::api_json, "api_json"},
}};

constexpr std::array<std::pair<OrderAction, std::string_view>, 3> action_names{{
    {OrderAction::new_order, "new"},
    {OrderAction::cancel, "cancel"},
    {OrderAction::replace, "replace"},
}};

}  // namespace

std::string_view to_string(Channel channel) noexcept {
    return name_of(channel_names, channel);
}
std::optional<Channel> parse_channel(std::string_view name) noexcept {
    return lookup(channel_names, name);
}

std::string_view to_string(OrderAction action) noexcept {
    return name_of(action_names, action);
}
std::optional<OrderAction> parse_order_action(std::string_view name) noexcept {
    return lookup(action_names, name);
}

}  // namespace gw::model
