// mllp_paced_load: an open-loop MLLP load generator — messages leave at a fixed RATE (message k is due at
// t0 + k / RATE), whatever the server's latency, so the percentiles show what a care system sending at that rate
// would see. (The peers' mllp_load is closed-loop: each connection sends its next message as soon as the ACK
// arrived, so it measures capacity, not latency at a given load; its MAX argument caps the count, not the rate.)
//
//   mllp_paced_load HOST PORT TEMPLATE CONNECTIONS SECONDS RATE [ID_PREFIX]
//
// One message in flight per connection (MLLP is request/ACK); a due message takes the first idle connection, and
// waits for one when all are busy. Latency is measured from the message's due time, not from when it could be
// written, so a stalled server is not hidden (no coordinated omission). Each message is the template with a unique
// MSH-10 (and ORC-2); every ACK is checked (MSA-1 AA/CA, MSA-2 = our MSH-10). After SECONDS no new message is due;
// the messages in flight get up to 5 s more for their ACK, so `sent` = `ok` on a healthy server. Prints
//   RESULT msgs_per_s=… p50_ms=… p99_ms=… max_ms=… ok=… failed=… errors=… sent=… unanswered=… late=… conns=… secs=…
// (`late`: messages written more than 1 ms after they were due — no idle connection, or the generator itself was
// descheduled). Exit status: 1 if an ACK was wrong or a connection failed; 3 if the only problem is messages still
// unanswered 5 s after the end (the server's capacity is below RATE: saturated, not incorrect); else 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, like the timerfd below

struct Conn {
    int fd = -1;
    std::string out, in, id;
    std::size_t sent = 0;
    Clock::time_point due;
    bool busy = false;
};

std::vector<std::string> split(const std::string& s, char d) {
    std::vector<std::string> r;
    std::string cur;
    for (char c : s) {
        if (c == d) {
            r.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    r.push_back(cur);
    return r;
}

// The template with MSH-10 = id and ORC-2 = ord, framed (same rewriting as the peers' mllp_load).
std::string make(const std::vector<std::string>& segs, const std::string& id, const std::string& ord) {
    std::string m = "\x0b";
    for (auto s : segs) {
        if (s.empty()) continue;
        if (s.rfind("MSH", 0) == 0 || s.rfind("ORC", 0) == 0) {
            auto f = split(s, '|');
            if (s[0] == 'M' && f.size() > 9) f[9] = id;
            if (s[0] == 'O' && f.size() > 2) f[2] = ord;
            s.clear();
            for (std::size_t i = 0; i < f.size(); ++i) {
                if (i) s += '|';
                s += f[i];
            }
        }
        m += s;
        m += '\r';
    }
    m += "\x1c\r";
    return m;
}

bool ack_ok(std::string ack, const std::string& id) {
    for (auto& ch : ack) {
        if (ch == '\n') ch = '\r';
    }
    bool good = false;
    for (auto& s : split(ack, '\r')) {
        if (s.rfind("MSA", 0) == 0) {
            auto f = split(s, s.size() > 3 ? s[3] : '|');
            good = f.size() > 2 && (f[1] == "AA" || f[1] == "CA") && f[2] == id;
        }
    }
    return good;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr, "usage: %s HOST PORT TEMPLATE CONNECTIONS SECONDS RATE [ID_PREFIX]\n", argv[0]);
        return 2;
    }
    const char* host = argv[1];
    const int port = std::atoi(argv[2]);
    const int nconn = std::clamp(std::atoi(argv[4]), 1, 1000);
    const double secs = std::clamp(std::atof(argv[5]), 0.1, 120.0);
    const double rate = std::clamp(std::atof(argv[6]), 1.0, 1e6);
    std::string prefix = "P";
    if (argc > 7) {
        prefix = argv[7];
    } else {
        prefix += std::to_string(std::time(nullptr));
    }

    std::ifstream tf(argv[3], std::ios::binary);
    if (!tf) {
        std::fprintf(stderr, "cannot read %s\n", argv[3]);
        return 2;
    }
    std::stringstream ss;
    ss << tf.rdbuf();
    std::string t = ss.str();
    for (auto& c : t) {
        if (c == '\n') c = '\r';
    }
    const auto segs = split(t, '\r');

    const int ep = epoll_create1(0);
    const int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (ep < 0 || tfd < 0) {
        std::perror("epoll/timerfd");
        return 1;
    }
    const std::uint32_t kTimerTag = 0xFFFFFFFFu;
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.u32 = kTimerTag;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host, &a.sin_addr);
    std::vector<Conn> conns(static_cast<std::size_t>(nconn));
    std::deque<int> idle;
    auto connect_one = [&](int i) {
        Conn& c = conns[static_cast<std::size_t>(i)];
        if (c.fd >= 0) {
            epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
            close(c.fd);
        }
        c.fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(c.fd);
            c.fd = -1;
            return false;
        }
        fcntl(c.fd, F_SETFL, O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
        return true;
    };
    for (int i = 0; i < nconn; ++i) {
        if (!connect_one(i)) {
            std::fprintf(stderr, "connect failed\n");
            return 1;
        }
        idle.push_back(i);
    }

    long next = 0, sent = 0, ok = 0, bad = 0, errors = 0, late = 0;
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(rate * secs) + 16);
    const auto t0 = Clock::now();
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    const long total = static_cast<long>(rate * secs);
    auto due_of = [&](long k) { return t0 + std::chrono::duration_cast<Clock::duration>(interval * k); };
    const auto drain_deadline = due_of(total) + std::chrono::seconds(5);

    auto issue = [&](int i, Clock::time_point due) {
        Conn& c = conns[static_cast<std::size_t>(i)];
        c.id = prefix + "-" + std::to_string(next);
        c.out = make(segs, c.id, prefix + "-ORD-" + std::to_string(next));
        ++next;
        ++sent;
        c.sent = 0;
        c.in.clear();
        c.busy = true;
        c.due = due;
        if (Clock::now() - due > std::chrono::milliseconds(1)) ++late;
        // Write at once; EPOLLOUT only if the socket buffer is full (never for ~1 KB messages on loopback).
        const ssize_t w = write(c.fd, c.out.data(), c.out.size());
        if (w > 0) c.sent = static_cast<std::size_t>(w);
        if (c.sent < c.out.size()) {
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLOUT;
            ev.data.u32 = static_cast<std::uint32_t>(i);
            epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
    };
    // Sends every message that is due and has a connection; arms the timer for the next one.
    auto pump = [&] {
        const auto now = Clock::now();
        while (next < total && due_of(next) <= now && !idle.empty()) {
            const int i = idle.front();
            idle.pop_front();
            issue(i, due_of(next));
        }
        if (next < total && due_of(next) <= now) {
            // Due but every connection is busy: no timer (it would fire at once, again and again); the next ACK
            // frees a connection and the loop pumps again.
            itimerspec off{};
            timerfd_settime(tfd, 0, &off, nullptr);
        } else if (next < total) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due_of(next).time_since_epoch());
            itimerspec its{};
            its.it_value.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
            its.it_value.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr);
        }
    };

    pump();
    std::vector<epoll_event> evs(1024);
    char buf[65536];
    for (;;) {
        const bool in_flight = std::any_of(conns.begin(), conns.end(), [](const Conn& c) { return c.busy; });
        if (next >= total && !in_flight) break;
        if (Clock::now() > drain_deadline) break;
        const int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
        for (int k = 0; k < n; ++k) {
            if (evs[static_cast<std::size_t>(k)].data.u32 == kTimerTag) {
                std::uint64_t expirations = 0;
                if (read(tfd, &expirations, sizeof expirations) < 0) {
                    // spurious wake-up: nothing to read
                }
                continue;
            }
            const int i = static_cast<int>(evs[static_cast<std::size_t>(k)].data.u32);
            Conn& c = conns[static_cast<std::size_t>(i)];
            const auto events = evs[static_cast<std::size_t>(k)].events;
            if ((events & EPOLLOUT) && c.sent < c.out.size()) {
                const ssize_t w = write(c.fd, c.out.data() + c.sent, c.out.size() - c.sent);
                if (w > 0) c.sent += static_cast<std::size_t>(w);
                if (c.sent == c.out.size()) {
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.u32 = static_cast<std::uint32_t>(i);
                    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
                }
            }
            if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                const ssize_t r = read(c.fd, buf, sizeof buf);
                if (r <= 0) {
                    ++errors;
                    c.busy = false;
                    if (connect_one(i)) idle.push_back(i);
                    continue;
                }
                c.in.append(buf, static_cast<std::size_t>(r));
                const auto end = c.in.find("\x1c\r");
                if (end != std::string::npos && c.busy) {
                    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.due).count();
                    if (ack_ok(c.in.substr(0, end), c.id)) {
                        ++ok;
                        lat.push_back(ms);
                    } else {
                        ++bad;
                    }
                    c.busy = false;
                    idle.push_back(i);
                }
            }
        }
        pump();
    }
    const double el = std::chrono::duration<double>(Clock::now() - t0).count();
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * static_cast<double>(lat.size())))];
    };
    const long unanswered = sent - ok - bad;
    std::printf("RESULT msgs_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f ok=%ld failed=%ld errors=%ld sent=%ld "
                "unanswered=%ld late=%ld conns=%d secs=%.1f rate=%.0f\n",
                static_cast<double>(ok) / el, pct(0.5), pct(0.99), lat.empty() ? 0.0 : lat.back(), ok, bad, errors,
                sent, unanswered, late, nconn, el, rate);
    if (bad || errors) return 1;
    return unanswered ? 3 : 0;
}
