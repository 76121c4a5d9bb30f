#pragma once
// How a Loki push response reads, for the streams of the request it answers.
//   204, 200 (any 2xx)   delivered
//   408, 429, 5xx        retried (Retry-After honoured); a transport error too
//   400 naming streams   per entry: Loki stored the other entries of the request, so they are
//                        delivered; the entries it ignored are rejected with its reason
//   other 4xx            every entry rejected with "HTTP <status>: <start of the body>"
//
// Loki's 400 for ignored entries (the ingester's; both forms it has had are read):
//   entry with timestamp <t> ignored, reason: 'entry out of order' for stream: {a="b"},
//   ...
//   total ignored: <n> out of <m>
// or
//   entry with timestamp <t> ignored, reason: 'entry too far behind, ...',
//   user '<tenant>', total ignored: <n> out of <m> for stream: {a="b"}
// and the distributor's "entry for stream '{a="b"}' has timestamp too old: ...".
// Loki ignores the entries older than what the stream accepts; the entries of a stream are sent
// sorted by time, so the ignored ones are its first <n>: with <m> equal to the stream's entry
// count, exactly those are rejected (at most 10 are listed by Loki; the others get the summary
// line as their reason). A stream named without a count that matches has all its entries
// rejected: none is lost, and one that Loki did store may come back as a duplicate if the
// dead letter is reinjected. A 400 naming a stream that is not in the request rejects every
// entry. Streams a 400 does not name were stored.
// Thread-safe (no state).

#include <cstddef>
#include <span>
#include <vector>

#include "loki_push.h"
#include "plugins/http_client/http_output.h"

namespace runnel::plugins::loki {

// `streams` are the request's (their entries' `index` are positions among `event_count`
// events, in request order).
http_client::Outcome ClassifyPushResponse(std::span<const PushStream> streams, size_t event_count,
                                          const http_client::Response& response);

}  // namespace runnel::plugins::loki
