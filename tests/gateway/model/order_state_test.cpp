#include "gateway/model/order_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace gw::model {
namespace {

using S = OrderState;

// The contract, written out pair by pair independently of the implementation's rules.
const std::set<std::pair<S, S>>& allowed() {
    static const std::set<std::pair<S, S>> table = [] {
        std::set<std::pair<S, S>> t;
        const auto add = [&](S from, std::initializer_list<S> tos) {
            for (S to : tos) t.emplace(from, to);
        };
        add(S::received, {S::routed, S::submitted, S::accepted, S::partially_accepted, S::picking, S::out_for_delivery,
                          S::delivered, S::cancelled, S::failed, S::handed_over});
        add(S::routed, {S::submitted, S::accepted, S::partially_accepted, S::rejected, S::picking, S::out_for_delivery,
                        S::delivered, S::cancelled, S::failed, S::handed_over});
        add(S::submitted, {S::accepted, S::partially_accepted, S::rejected, S::picking, S::out_for_delivery,
                           S::delivered, S::cancelled, S::failed, S::handed_over});
        add(S::accepted, {S::partially_accepted, S::rejected, S::picking, S::out_for_delivery, S::delivered,
                          S::cancelled, S::failed});
        add(S::partially_accepted,
            {S::rejected, S::picking, S::out_for_delivery, S::delivered, S::cancelled, S::failed});
        add(S::picking, {S::out_for_delivery, S::delivered, S::cancelled, S::failed});
        add(S::out_for_delivery, {S::delivered, S::cancelled, S::failed});
        add(S::handed_over, {S::cancelled, S::failed});
        return t;
    }();
    return table;
}

class EveryStatePair : public ::testing::TestWithParam<std::pair<S, S>> {};

TEST_P(EveryStatePair, MatchesTheTransitionTable) {
    const auto [from, to] = GetParam();
    const bool expected = allowed().count({from, to}) == 1;
    EXPECT_EQ(can_transition(from, to), expected) << to_string(from) << " -> " << to_string(to);
}

TEST_P(EveryStatePair, NeverMovesBackwards) {
    const auto [from, to] = GetParam();
    if (can_transition(from, to)) {
        EXPECT_GE(rank(to), rank(from));
    }
}

TEST_P(EveryStatePair, DecisionIsConsistent) {
    const auto [from, to] = GetParam();
    const auto d = decide_transition(from, to);
    if (from == to) {
        EXPECT_EQ(d, TransitionDecision::duplicate);
    } else if (can_transition(from, to)) {
        EXPECT_EQ(d, TransitionDecision::apply);
    } else if (is_final(from) || rank(to) <= rank(from)) {
        EXPECT_EQ(d, TransitionDecision::stale);
    } else {
        EXPECT_EQ(d, TransitionDecision::invalid);
    }
}

std::vector<std::pair<S, S>> every_pair() {
    std::vector<std::pair<S, S>> pairs;
    for (S a : all_order_states)
        for (S b : all_order_states) pairs.emplace_back(a, b);
    return pairs;
}

INSTANTIATE_TEST_SUITE_P(OrderState, EveryStatePair, ::testing::ValuesIn(every_pair()), [](const auto& param_info) {
    return std::string(to_string(param_info.param.first)) + "_to_" + std::string(to_string(param_info.param.second));
});

TEST(OrderState, FinalStates) {
    std::set<S> finals;
    for (S s : all_order_states)
        if (is_final(s)) finals.insert(s);
    EXPECT_EQ(finals, (std::set<S>{S::delivered, S::rejected, S::cancelled, S::failed}));
    for (S s : finals)
        for (S to : all_order_states) EXPECT_FALSE(can_transition(s, to));
}

TEST(OrderState, EveryNonFinalStateCanBeCancelledOrFail) {
    for (S s : all_order_states) {
        if (is_final(s)) continue;
        EXPECT_TRUE(can_transition(s, S::cancelled)) << to_string(s);
        EXPECT_TRUE(can_transition(s, S::failed)) << to_string(s);
    }
}

TEST(OrderState, HappyPathIsAllowedStepByStep) {
    const S path[] = {S::received, S::routed, S::submitted, S::accepted, S::picking, S::out_for_delivery, S::delivered};
    for (std::size_t i = 1; i < std::size(path); ++i) EXPECT_TRUE(can_transition(path[i - 1], path[i]));
}

TEST(OrderState, LateEventsAreStale) {
    EXPECT_EQ(decide_transition(S::delivered, S::picking), TransitionDecision::stale);
    EXPECT_EQ(decide_transition(S::out_for_delivery, S::accepted), TransitionDecision::stale);
    EXPECT_EQ(decide_transition(S::partially_accepted, S::accepted), TransitionDecision::stale);
    EXPECT_EQ(decide_transition(S::cancelled, S::delivered), TransitionDecision::stale);
    EXPECT_EQ(decide_transition(S::handed_over, S::picking), TransitionDecision::invalid);
    EXPECT_EQ(decide_transition(S::received, S::rejected), TransitionDecision::invalid);
    EXPECT_EQ(decide_transition(S::picking, S::picking), TransitionDecision::duplicate);
}

TEST(OrderState, NamesRoundTrip) {
    for (S s : all_order_states) EXPECT_EQ(parse_order_state(to_string(s)), s);
    EXPECT_EQ(to_string(S::partially_accepted), "partially_accepted");
    EXPECT_EQ(to_string(S::out_for_delivery), "out_for_delivery");
    EXPECT_FALSE(parse_order_state("Delivered"));
    EXPECT_FALSE(parse_order_state(""));
    EXPECT_EQ(to_string(TransitionDecision::stale), "stale");
}

}  // namespace
}  // namespace gw::model
