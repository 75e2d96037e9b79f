// libcoap's own log lines, routed through spdlog. Left alone, libcoap writes to stderr in its
// own format, at its own level, one line per event a peer can trigger (an unsolicited RST, a
// malformed datagram): 2,000 RSTs made 577 lines. RouteLibcoapLogging() installs a handler that
// writes them through spdlog at the matching level ("coap: libcoap: …"), sets libcoap's and its
// DTLS layer's levels from spdlog's (so a filtered line is not even formatted), and lets at most
// `lines_per_second` through each second; the rest are counted and reported in one line when
// the next second's first line is written, or by FlushLibcoapLog() (the CoAP loop calls it
// every second). Idempotent; thread-safe.
#pragma once

namespace trustcse::coap {

void RouteLibcoapLogging(int lines_per_second);
void FlushLibcoapLog();

}  // namespace trustcse::coap
